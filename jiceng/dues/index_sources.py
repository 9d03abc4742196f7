"""A part of the fortress index (jiceng.ratings) from dues: member-months paid over member-months
due in the year to date, per organization and the organizations below it, as the dues ledger of
the organization counts them. See jiceng/core/indices.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import FORTRESS, IndexComponent, IndexFigure
from jiceng.core.scoping import path_q
from jiceng.core.tree import SEGMENT
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules

FULL_PATH = 64  # longer than any organization path: one unit per organization


def _completion(root, year: int, today: date) -> dict[int, IndexFigure]:
    through = min(rules.month_start(today), date(year, 12, 1))
    start = queries.ledger_start()
    members = Member.objects.filter(path_q("organization__path", root.path))
    figures = queries.year_completion(members, year, through, start, unit_width=FULL_PATH)
    by_path = defaultdict(lambda: [0, 0])
    for path, c in figures.items():
        for end in range(len(root.path), len(path) + 1, SEGMENT):
            by_path[path[:end]][0] += c.paid
            by_path[path[:end]][1] += c.due
    ids = dict(Organization.objects.filter(path__in=list(by_path)).values_list("path", "pk"))
    base = reverse("dues:ledger")
    return {
        ids[path]: IndexFigure(
            Decimal(paid), Decimal(due), f"{base}?org={ids[path]}&year={year}", f"已交 {paid}/{due} 人·月"
        )
        for path, (paid, due) in by_path.items()
        if due and path in ids
    }


COMPONENTS = [
    IndexComponent(
        "dues.completion", "党费按月交纳", FORTRESS, 20, _completion, "当年至本月应交党费的人·月中已交纳的比例"
    )
]
