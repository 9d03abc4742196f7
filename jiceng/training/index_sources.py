"""A component of the organization star-rating checklists (jiceng.ratings) from training
(教育培训): the year's trainees of the organization without a demerit (培训扣分: unexcused absences
over the county's limit, `OrganizationDemerit`), over its trainees. See jiceng/core/indices.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import ORGRATING, IndexComponent, IndexFigure
from jiceng.core.tree import sum_up_the_tree
from jiceng.orgs.queries import by_organization

from . import queries


def _without_demerits(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Trainees of the year (members with a training record of the year, in the organization or
    below it now, as the summary page counts them) without a demerit of the year, over the
    trainees. No trainee: left out (the reviewer decides). Three queries."""
    rows = queries.trainees_with_demerits(root.path, year).items()
    totals = sum_up_the_tree(root.path, ((path, n, marked) for path, (n, marked) in rows))  # [trainees, marked]
    return by_organization(
        totals,
        lambda pk, n, marked: (
            IndexFigure(
                Decimal(n - marked),
                Decimal(n),
                reverse("training:org_summary", args=[pk]) + f"?year={year}",
                f"{year}年参训 {n} 人，无故缺课超限扣分 {marked} 人",
            )
            if n
            else None
        ),
    )


COMPONENTS = [
    IndexComponent(
        "training.no_demerits",
        "培训无扣分",
        ORGRATING,
        0,
        _without_demerits,
        "当年参加培训（有出勤、自学或考试记录）的党员中，没有因无故缺课超限被扣分的比例",
    )
]
