"""Member points (jiceng.ratings) from party representatives' liaison: a visit (走访) the
member took part in as a representative. See jiceng/core/point_sources.py."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from jiceng.core.point_sources import SERVICE, PointEvent, PointSource

from .models import Visit


def _visits(members, first, last):
    rows = (
        Visit.representatives.through.objects.filter(
            representative__member_id__in=members, visit__date__gte=first, visit__date__lte=last
        )
        .values_list("representative__member_id", "visit__date", "visit_id", "visit__organization__name")
        .order_by()
    )
    for member_id, on, visit_id, place in rows:
        yield PointEvent(member_id, on, visit_id, f"党代表走访：{place}")


def _link(visit_id: int, member_id: int) -> str:
    return reverse("liaison:visit", args=[visit_id])


SOURCES = [PointSource("liaison.visit", "党代表联系服务群众走访", SERVICE, Decimal(1), _visits, _link)]
