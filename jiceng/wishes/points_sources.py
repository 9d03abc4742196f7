"""Member points (jiceng.ratings) from wishes: a wish the member claimed and fulfilled
(微心愿认领并实现), counted in the month it was fulfilled. See jiceng/core/point_sources.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from jiceng.core.point_sources import SERVICE, PointEvent, PointSource

from .models import Wish


def _fulfilled(members, first, last):
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    rows = (
        Wish.objects.filter(claimed_member_id__in=members, fulfilled_at__gte=start, fulfilled_at__lt=end)
        .values_list("claimed_member_id", "fulfilled_at", "pk", "public_description", "ticket")
        .order_by()
    )
    for member_id, at, pk, text, ticket in rows:
        yield PointEvent(member_id, timezone.localtime(at).date(), pk, f"实现微心愿 {ticket}：{text}".rstrip("："))


def _link(wish_id: int, member_id: int) -> str:
    return reverse("wishes:detail", args=[wish_id])


SOURCES = [PointSource("wishes.fulfilled", "认领并实现微心愿", SERVICE, Decimal(2), _fulfilled, _link)]
