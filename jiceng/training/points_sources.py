"""Member points (jiceng.ratings) from training: a session attended (present, late or left
early). See jiceng/core/point_sources.py."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jiceng.core.point_sources import STUDY, PointEvent, PointSource

from .models import Attendance


def _attended(members, first, last):
    rows = (
        Attendance.objects.filter(
            enrollment__member_id__in=members,
            status__in=Attendance.ATTENDED,
            session__on__gte=first,
            session__on__lte=last,
        )
        .values_list("enrollment__member_id", "session__on", "session_id", "session__course__title")
        .order_by()
    )
    for member_id, on, session_id, title in rows:
        yield PointEvent(member_id, on, session_id, f"培训：{title}")


def _link(session_id: int, member_id: int) -> str:
    return reverse("training:session_detail", args=[session_id])


SOURCES = [PointSource("training.attended", "参加教育培训", STUDY, Decimal(1), _attended, _link)]
