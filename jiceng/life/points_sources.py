"""Member points (jiceng.ratings) from organizational life: present at a held activity earns
points, absent without leave (缺席, not 请假) costs them. See jiceng/core/point_sources.py."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jiceng.core.point_sources import DISCIPLINE, STUDY, PointEvent, PointSource

from .models import Attendance, Record


def _marks(status):
    def events(members, first, last):
        rows = (
            Attendance.objects.filter(
                member_id__in=members,
                status=status,
                record__state__in=Record.HELD_STATES,
                record__held_on__gte=first,
                record__held_on__lte=last,
            )
            .values_list("member_id", "record__held_on", "record_id", "record__activity_type__name", "record__topic")
            .order_by()
        )
        for member_id, held_on, record_id, kind, topic in rows:
            yield PointEvent(member_id, held_on, record_id, f"{kind}：{topic}")

    return events


def _link(record_id: int, member_id: int) -> str:
    return reverse("life:detail", args=[record_id])


SOURCES = [
    PointSource("life.present", "参加组织生活", STUDY, Decimal(1), _marks(Attendance.Status.PRESENT), _link),
    PointSource("life.absent", "无故缺席组织生活", DISCIPLINE, Decimal(-2), _marks(Attendance.Status.ABSENT), _link),
]
