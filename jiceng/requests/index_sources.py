"""Components of the organization star-rating checklists (jiceng.ratings) from residents'
requests (群众诉求): the requests received in the year in the organization's territory (its
subtree) done within their time limit over those whose limit has come, and the residents
satisfied over those who rated — the figures of the ranking and the appraisal
(`queries.figure_q`: done_ok / done_settled, satisfied / rated). See jiceng/core/indices.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from jiceng.core.indices import ORGRATING, IndexComponent, IndexFigure
from jiceng.core.tree import sum_up_the_tree
from jiceng.orgs.queries import by_organization

from . import queries


def _figures(root, year: int, numerator: str, denominator: str, text) -> dict[int, IndexFigure]:
    """The organizations of the subtree with requests, their figures added up the tree. ``now``
    is the clock's (the ledger's lists judge "due" by it too)."""
    rows = queries.year_figures_by_path(root, year, timezone.now()).items()
    totals = sum_up_the_tree(root.path, ((path, getattr(f, numerator), getattr(f, denominator)) for path, f in rows))
    base = reverse("requests:inbox")
    period = f"received_from={year}-01-01&received_to={year}-12-31"
    return by_organization(
        totals,
        lambda pk, n, d: (
            IndexFigure(Decimal(n), Decimal(d), f"{base}?organization={pk}&{period}&figure={denominator}", text(n, d))
            if d
            else None
        ),
    )


def _on_time(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Requests of the year done within their time limit over those settled (done, or past their
    limit): nothing due yet → left out. Two queries."""
    return _figures(root, year, "done_ok", "done_settled", lambda n, d: f"{year}年诉求应办结 {d} 件，按时办结 {n} 件")


def _satisfaction(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Residents satisfied or fairly satisfied over the requests they rated: none rated → left
    out. Two queries."""
    return _figures(root, year, "satisfied", "rated", lambda n, d: f"{year}年回访评价 {d} 件，满意和基本满意 {n} 件")


COMPONENTS = [
    IndexComponent(
        "requests.on_time",
        "群众诉求按时办结",
        ORGRATING,
        0,
        _on_time,
        "当年在本组织（含下级）受理的群众诉求中，已到办结时限的按时办结的比例",
    ),
    IndexComponent(
        "requests.satisfaction",
        "群众满意",
        ORGRATING,
        0,
        _satisfaction,
        "当年受理并已回访评价的群众诉求中，满意和基本满意的比例",
    ),
]
