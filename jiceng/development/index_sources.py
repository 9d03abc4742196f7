"""A component of the organization star-rating checklists (jiceng.ratings) from development work
(发展党员): the organization's open development files whose steps are all within their time
limits, over its open files. See jiceng/core/indices.py (ORGRATING)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import ORGRATING, IndexComponent, IndexFigure
from jiceng.core.tree import sum_up_the_tree
from jiceng.orgs.queries import by_organization

from . import queries


def _on_schedule(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Open files of the organization and those below it (its party groups) with no step overdue
    on the day of computation (the one-month talk, the half-yearly review, the three-month
    approval, the end of probation: `queries.overdue_filter`), over its open files. A step's time
    limit is cleared when the step is recorded, so a past day cannot be rebuilt: the figure is the
    state on the day it is computed, whatever the year asked (the rating stores it with its text).
    No open file: left out (the reviewer decides). Two queries."""
    rows = queries.schedule_figures(root.path, today).items()
    totals = sum_up_the_tree(root.path, ((path, n, late) for path, (n, late) in rows))  # [open, overdue]
    base = reverse("development:list")
    return by_organization(
        totals,
        lambda pk, n, late: (
            IndexFigure(
                Decimal(n - late),
                Decimal(n),
                f"{base}?organization={pk}&status=open",
                f"截至 {today:%Y-%m-%d} 在培养 {n} 人，{late} 人有逾期事项",
            )
            if n
            else None
        ),
    )


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
