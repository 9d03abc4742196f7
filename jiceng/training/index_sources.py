"""A component of the organization star-rating checklists (jiceng.ratings) from training
(教育培训): the year's trainees of the organization without a demerit (培训扣分: unexcused absences
over the county's limit, `OrganizationDemerit`), over its trainees. See jiceng/core/indices.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.urls import reverse

from jiceng.core.indices import ORGRATING, IndexComponent, IndexFigure
from jiceng.core.tree import SEGMENT
from jiceng.orgs.models import Organization

from . import queries


def _without_demerits(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Trainees of the year (members with a training record of the year, in the organization or
    below it now, as the summary page counts them) without a demerit of the year, over the
    trainees. No trainee: left out (the reviewer decides). Three queries."""
    by_path = defaultdict(lambda: [0, 0])  # path: [trainees, with a demerit]
    for path, (n, marked) in queries.trainees_with_demerits(root.path, year).items():
        for end in range(len(root.path), len(path) + 1, SEGMENT):
            by_path[path[:end]][0] += n
            by_path[path[:end]][1] += marked
    ids = dict(Organization.objects.filter(path__in=list(by_path)).values_list("path", "pk"))
    return {
        ids[path]: IndexFigure(
            Decimal(n - marked),
            Decimal(n),
            reverse("training:org_summary", args=[ids[path]]) + f"?year={year}",
            f"{year}年参训 {n} 人，无故缺课超限扣分 {marked} 人",
        )
        for path, (n, marked) in by_path.items()
        if n and path in ids
    }


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
