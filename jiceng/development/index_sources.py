"""A component of the organization star-rating checklists (jiceng.ratings) from development work
(发展党员): the organization's open development files whose steps are all within their time
limits, over its open files. See jiceng/core/indices.py (ORGRATING)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import ORGRATING, IndexComponent, IndexFigure
from jiceng.core.tree import SEGMENT
from jiceng.orgs.models import Organization

from . import queries


def _on_schedule(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Open files of the organization and those below it (its party groups) with no step overdue
    on the day of computation (the one-month talk, the half-yearly review, the three-month
    approval, the end of probation: `queries.overdue_filter`), over its open files. A step's time
    limit is cleared when the step is recorded, so a past day cannot be rebuilt: the figure is the
    state on the day it is computed, whatever the year asked (the rating stores it with its text).
    No open file: left out (the reviewer decides). Two queries."""
    by_path = defaultdict(lambda: [0, 0])  # path: [open, overdue]
    for path, (n, late) in queries.schedule_figures(root.path, today).items():
        for end in range(len(root.path), len(path) + 1, SEGMENT):
            by_path[path[:end]][0] += n
            by_path[path[:end]][1] += late
    ids = dict(Organization.objects.filter(path__in=list(by_path)).values_list("path", "pk"))
    base = reverse("development:list")
    return {
        ids[path]: IndexFigure(
            Decimal(n - late),
            Decimal(n),
            f"{base}?organization={ids[path]}&status=open",
            f"截至 {today:%Y-%m-%d} 在培养 {n} 人，{late} 人有逾期事项",
        )
        for path, (n, late) in by_path.items()
        if n and path in ids
    }


COMPONENTS = [
    IndexComponent(
        "development.on_schedule",
        "发展党员程序按期",
        ORGRATING,
        0,
        _on_schedule,
        "在培养的发展党员档案中没有逾期事项（谈话、考察、审批、转正讨论）的比例，按计算当日",
    )
]
