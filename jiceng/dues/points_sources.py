"""Member points (jiceng.ratings) from dues: the month's dues paid in full by the end of the
month (按月足额交纳党费). A month paid late or short earns nothing. An exempt month (0 due) is
not a payment and earns nothing either. See jiceng/core/point_sources.py."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from django.urls import reverse

from jiceng.core.point_sources import DISCIPLINE, PointEvent, PointSource

from .models import DuesPayment


def _on_time(members, first, last):
    rows = (
        DuesPayment.objects.filter(
            member_id__in=members, month=first, paid_on__lte=last, amount__gte=F("due_amount"), due_amount__gt=0
        )
        .values_list("member_id", "paid_on", "pk")
        .order_by()
    )
    for member_id, paid_on, pk in rows:
        yield PointEvent(member_id, paid_on, pk, f"{first:%Y年%-m月}党费按时足额交纳")


def _link(payment_id: int, member_id: int) -> str:
    return reverse("dues:member", args=[member_id])


SOURCES = [PointSource("dues.on_time", "按时足额交纳党费", DISCIPLINE, Decimal(2), _on_time, _link)]
