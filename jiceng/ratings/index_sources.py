"""A part of the fortress index from member points: the members' points of the year's whole
months over what the qualifying line's pace asks of them (members × line × months ÷ 12), per
organization and the organizations below it. See jiceng/core/indices.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import chain

from django.db.models import Count, Sum
from django.urls import reverse

from jiceng.core.indices import FORTRESS, ORGRATING, VANGUARD, IndexComponent, IndexFigure
from jiceng.core.tree import sum_up_the_tree
from jiceng.members.models import Member
from jiceng.orgs.queries import by_organization

from . import queries
from .models import PointsMonth


def _points(root, year: int, today: date) -> dict[int, IndexFigure]:
    through = 12 if year < today.year else today.month - 1
    if through < 1:
        return {}
    pace = queries.pace_line(year, through)
    members = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    headcount = members.values_list("organization__path").annotate(n=Count("id")).order_by()
    points = (
        PointsMonth.objects.filter(
            member__in=members.values("pk"), month__gte=date(year, 1, 1), month__lte=date(year, through, 1)
        )
        .values_list("member__organization__path")
        .annotate(t=Sum("points"))
        .order_by()
    )
    totals = sum_up_the_tree(
        root.path, chain(((path, 0, n) for path, n in headcount), ((path, t or 0, 0) for path, t in points))
    )
    base = reverse("ratings:ranking")

    def figure(pk, total, n):
        if not (n and pace):
            return None
        total = Decimal(total)
        return IndexFigure(
            total,
            n * pace,
            f"{base}?org={pk}&year={year}&through={through}",
            f"{n} 名党员 1–{through} 月积分 {total.normalize():f}，合格进度 {n} × {pace.normalize():f}",
        )

    return by_organization(totals, figure)


COMPONENTS = [
    IndexComponent(
        "ratings.points", "党员积分", FORTRESS, 30, _points, "党员当年积分合计 ÷（党员数 × 合格线进度），超过按满分计"
    )
]


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# Components of the star-rating checklists that the fortress index does not use. They are
# registered under their own index name (ORGRATING, jiceng/core/indices.py), so the fortress index
# and its weights stay as they were; a checklist item may name a component of either index.


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


# ---- the vanguard index (先锋指数) of a member: keyed by member id ------------------------------


def _active_members(root):
    return Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)


def _member_points(root, year: int, today: date) -> dict[int, IndexFigure]:
    """The member's points of the year's whole months over the qualifying line's pace for them
    (the line prorated for a member who joined in the year, × months ÷ 12), as the ranking shows
    them (`?through=`). Two queries."""
    from . import rules

    through = 12 if year < today.year else today.month - 1
    if through < 1:
        return {}
    scheme = queries.scheme_of_year(year)
    if scheme is None:
        return {}
    members = _active_members(root)
    totals = dict(
        PointsMonth.objects.filter(
            member__in=members.values("pk"), month__gte=date(year, 1, 1), month__lte=date(year, through, 1)
        )
        .values_list("member_id")
        .annotate(t=Sum("points"))
        .order_by()
    )
    base = reverse("ratings:member", args=[0])[:-2]  # …/points/member/<id>/
    out = {}
    for member_id, join in members.values_list("pk", "join_date"):
        line = rules.prorated_line(scheme.unqualified_below, year, join)
        pace = (line * through / 12).quantize(Decimal("0.1"))
        total = totals.get(member_id) or Decimal(0)
        if pace:
            out[member_id] = IndexFigure(
                total,
                pace,
                f"{base}{member_id}/?year={year}",
                f"1–{through} 月积分 {total.normalize():f}，合格进度 {pace.normalize():f}",
            )
    return out


def _member_stars(root, year: int, today: date) -> dict[int, IndexFigure]:
    """The stars the member holds after the year's last decided review (the latest review of a
    quarter in or before the year) over the active stars. Three queries."""
    from . import services
    from .models import Star

    n = Star.objects.filter(active=True).count()
    if not n:
        return {}
    active = set(Star.objects.filter(active=True).values_list("pk", flat=True))
    ids = list(_active_members(root).values_list("pk", flat=True))
    held = services.stars_held(ids, before=date(year + 1, 1, 1))
    base = reverse("ratings:member", args=[0])[:-2]
    return {
        m: IndexFigure(
            Decimal(len(held.get(m, set()) & active)),
            Decimal(n),
            f"{base}{m}/?year={year}",
            f"持有 {len(held.get(m, set()) & active)}/{n} 颗星",
        )
        for m in ids
    }


COMPONENTS += [
    IndexComponent(
        "ratings.member_points",
        "党员积分",
        VANGUARD,
        30,
        _member_points,
        "本人当年积分 ÷ 合格线进度（当年入党的按月折算），超过按满分计",
    ),
    IndexComponent(
        "ratings.member_stars", "星级", VANGUARD, 20, _member_stars, "年末（或至今）最近一次评定后持有的星数 ÷ 星级总数"
    ),
]
