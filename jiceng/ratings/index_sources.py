"""A part of the fortress index from member points: the members' points of the year's whole
months over what the qualifying line's pace asks of them (members × line × months ÷ 12), per
organization and the organizations below it. See jiceng/core/indices.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse

from jiceng.core.indices import FORTRESS, IndexComponent, IndexFigure
from jiceng.core.tree import SEGMENT
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries
from .models import PointsMonth


def _points(root, year: int, today: date) -> dict[int, IndexFigure]:
    through = 12 if year < today.year else today.month - 1
    if through < 1:
        return {}
    pace = queries.pace_line(year, through)
    members = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    counts = defaultdict(lambda: [Decimal(0), 0])
    for path, n in members.values_list("organization__path").annotate(n=Count("id")).order_by():
        for end in range(len(root.path), len(path) + 1, SEGMENT):
            counts[path[:end]][1] += n
    for path, total in (
        PointsMonth.objects.filter(
            member__in=members.values("pk"), month__gte=date(year, 1, 1), month__lte=date(year, through, 1)
        )
        .values_list("member__organization__path")
        .annotate(t=Sum("points"))
        .order_by()
    ):
        for end in range(len(root.path), len(path) + 1, SEGMENT):
            counts[path[:end]][0] += total or 0
    ids = dict(Organization.objects.filter(path__in=list(counts)).values_list("path", "pk"))
    base = reverse("ratings:ranking")
    return {
        ids[path]: IndexFigure(
            total,
            n * pace,
            f"{base}?org={ids[path]}&year={year}&through={through}",
            f"{n} 名党员 1–{through} 月积分 {total.normalize():f}，合格进度 {n} × {pace.normalize():f}",
        )
        for path, (total, n) in counts.items()
        if n and pace and path in ids
    }


COMPONENTS = [
    IndexComponent(
        "ratings.points", "党员积分", FORTRESS, 30, _points, "党员当年积分合计 ÷（党员数 × 合格线进度），超过按满分计"
    )
]


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# Components of the star-rating checklists that the fortress index does not use. They are
# registered under their own index name (ORGRATING), so the fortress index and its weights stay
# as they were; a checklist item may name a component of either index.

ORGRATING = "orgrating"


def _inspections(root, year: int, today: date) -> dict[int, IndexFigure]:
    """The organization's latest closed inspection round of the year (by end date, then closing
    time): its total over the round's full marks."""
    from .models import InspectionResult, InspectionRound

    latest: dict[int, tuple] = {}
    rows = (
        InspectionResult.objects.filter(
            root.subtree_filter("organization__"),
            round__state=InspectionRound.State.CLOSED,
            round__ends_on__year=year,
            total__isnull=False,
        )
        .select_related("round")
        .order_by("organization_id", "round__ends_on", "round__closed_at", "round_id")
    )
    for result in rows:
        latest[result.organization_id] = result  # the last in date order wins
    out = {}
    for org_id, result in latest.items():
        full = result.round.max_total
        if not full:
            continue
        out[org_id] = IndexFigure(
            result.total,
            full,
            reverse("ratings:inspection", args=[result.round_id]),
            f"{result.round.name}（{result.round.ends_on:%Y-%m-%d}）得分 {result.total.normalize():f}/{full.normalize():f}",
        )
    return out


COMPONENTS.append(
    IndexComponent(
        "ratings.inspections",
        "督查得分",
        ORGRATING,
        0,
        _inspections,
        "当年最近一次已结束督查的得分 ÷ 满分",
    )
)
