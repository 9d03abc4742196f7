"""A part of the fortress index (jiceng.ratings) from dues: member-months paid over member-months
due in the year to date, per organization and the organizations below it, as the dues ledger of
the organization counts them. See jiceng/core/indices.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import FORTRESS, VANGUARD, IndexComponent, IndexFigure
from jiceng.core.scoping import path_q
from jiceng.core.tree import sum_up_the_tree
from jiceng.members.models import Member
from jiceng.orgs.queries import by_organization

from . import queries, rules

FULL_PATH = 64  # longer than any organization path: one unit per organization


def _completion(root, year: int, today: date) -> dict[int, IndexFigure]:
    through = min(rules.month_start(today), date(year, 12, 1))
    start = queries.ledger_start()
    members = Member.objects.filter(path_q("organization__path", root.path))
    figures = queries.year_completion(members, year, through, start, unit_width=FULL_PATH)
    totals = sum_up_the_tree(root.path, ((path, c.paid, c.due) for path, c in figures.items()))
    base = reverse("dues:ledger")
    return by_organization(
        totals,
        lambda pk, paid, due: (
            IndexFigure(Decimal(paid), Decimal(due), f"{base}?org={pk}&year={year}", f"已交 {paid}/{due} 人·月")
            if due
            else None
        ),
    )


COMPONENTS = [
    IndexComponent(
        "dues.completion", "党费按月交纳", FORTRESS, 20, _completion, "当年至本月应交党费的人·月中已交纳的比例"
    )
]


# ---- the vanguard index (先锋指数) of a member: keyed by member id ------------------------------


def _member_on_time(root, year: int, today: date) -> dict[int, IndexFigure]:
    """The member's months paid in full by the month's end (as the points source dues.on_time
    counts them), over the months owed: January (or the join month) to the last whole month (the
    whole year for a past year), less the months recorded as exempt (0 due). Two queries."""
    from .models import DuesPayment

    last = date(year, 12, 1) if year < today.year else rules.add_months(rules.month_start(today), -1)
    first = date(year, 1, 1)
    if last < first:
        return {}
    members = Member.objects.filter(path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES)
    paid: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # member: [on time, exempt]
    for member_id, month, paid_on, amount, due in (
        DuesPayment.objects.filter(member__in=members.values("pk"), month__gte=first, month__lte=last)
        .values_list("member_id", "month", "paid_on", "amount", "due_amount")
        .order_by()
    ):
        if due == 0:
            paid[member_id][1] += 1
        elif amount >= due and paid_on < rules.add_months(month, 1):
            paid[member_id][0] += 1
    out = {}
    for member_id, join in members.values_list("pk", "join_date"):
        start = max(first, rules.month_start(join)) if join else first
        owed = (last.year - start.year) * 12 + last.month - start.month + 1
        on_time, exempt = paid.get(member_id, (0, 0))
        owed -= exempt
        if owed > 0:
            url = reverse("dues:member", args=[member_id]) + f"?year={year}"
            out[member_id] = IndexFigure(Decimal(on_time), Decimal(owed), url, f"按时交纳 {on_time}/{owed} 个月")
    return out


COMPONENTS += [
    IndexComponent(
        "dues.member_on_time",
        "按时交纳党费",
        VANGUARD,
        20,
        _member_on_time,
        "当年应交党费的月份中按月足额交纳（当月底前）的比例",
    )
]
