"""Member points (jiceng.ratings) from residents' requests: a request resolved (办结) by a
handler whose account is a member's, counted in the month it was resolved. See
jiceng/core/point_sources.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from jiceng.core.point_sources import SERVICE, PointEvent, PointSource

from .models import Request


def _resolved(members, first, last):
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    rows = (
        Request.objects.filter(resolved_by__member_id__in=members, resolved_at__gte=start, resolved_at__lt=end)
        .values_list("resolved_by__member_id", "resolved_at", "pk", "ticket", "category__name")
        .order_by()
    )
    for member_id, at, pk, ticket, category in rows:
        yield PointEvent(member_id, timezone.localtime(at).date(), pk, f"办结群众诉求 {ticket}（{category}）")


def _link(request_id: int, member_id: int) -> str:
    return reverse("requests:detail", args=[request_id])


SOURCES = [PointSource("requests.resolved", "办结群众诉求", SERVICE, Decimal(1), _resolved, _link)]
