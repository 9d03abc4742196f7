"""Reads of member points shared by pages, exports, the API and other apps (stars, indices)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear, Substr

from jiceng.core.dates import add_months
from jiceng.core.indices import FORTRESS
from jiceng.core.point_sources import registered
from jiceng.core.scoping import visible
from jiceng.members.models import Member

from . import rules
from .models import CLAIM, PointsClaim, PointsEntry, PointsMonth, PointsScheme

ZERO = Decimal(0)


def scheme_of_year(year: int) -> PointsScheme | None:
    """The version that judges a year: the one in force in its December."""
    return PointsScheme.objects.filter(valid_from__lte=date(year, 12, 1)).order_by("-valid_from").first()


def points_in(year: int, through: int = 12):
    """A member's points in the year's months 1..``through`` (an aggregate over the member's
    month totals: one GROUP BY for a whole list, not a subquery per member)."""
    in_months = Q(points_months__month__gte=date(year, 1, 1), points_months__month__lte=date(year, through, 1))
    return Coalesce(
        Sum("points_months__points", filter=in_months),
        Value(ZERO),
        output_field=DecimalField(max_digits=9, decimal_places=1),
    )


def pace_line(year: int, through: int) -> Decimal:
    """The qualifying line's pace after ``through`` months: line × months / 12 (合格进度)."""
    scheme = scheme_of_year(year)
    return (scheme.unqualified_below * through / 12).quantize(Decimal("0.1")) if scheme else ZERO


def ranking(root, year: int, through: int = 12, pace: str = "", user=None) -> QuerySet:
    """Active members of the subtree with their points in months 1..``through`` of the year
    (``total``), highest first; ``pace`` "on" or "below" keeps those at/above or below the
    qualifying line's pace (`pace_line`)."""
    members = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    if user is not None:
        members = visible(user, members)  # the one scoping function, as every member list
    qs = (
        members.select_related("organization")
        .annotate(total=points_in(year, through))
        .order_by("-total", "organization__path", "name", "pk")
    )
    if pace == "on":
        qs = qs.filter(total__gte=pace_line(year, through))
    elif pace == "below":
        qs = qs.filter(total__lt=pace_line(year, through))
    return qs


def months_of_members(member_ids, year: int) -> dict[int, dict[int, Decimal]]:
    """{member: {month number: points}} for the year."""
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for member_id, month, points in PointsMonth.objects.filter(
        member_id__in=list(member_ids), month__year=year
    ).values_list("member_id", "month", "points"):
        out[member_id][month.month] = points
    return out


@dataclass
class LedgerMonth:
    month: date
    total: Decimal = ZERO
    lines: list = field(default_factory=list)


def member_ledger(member, year: int, *, links: bool = True) -> list[LedgerMonth]:
    """The member's ledger for the year, month by month, newest month first; every line keeps
    its source record's link (``line.url``) where the source gives one."""
    sources = registered()
    months = {m: LedgerMonth(m) for m in rules.months_of(year)}
    for month, points in PointsMonth.objects.filter(member=member, month__year=year).values_list("month", "points"):
        months[month].total = points
    entries = (
        PointsEntry.objects.filter(member=member, month__year=year).select_related("item").order_by("month", "on", "id")
    )
    for entry in entries:
        entry.url = ""
        if links:
            if entry.source == CLAIM:
                from django.urls import reverse

                entry.url = reverse("ratings:claim", args=[entry.record_id])
            elif (source := sources.get(entry.source)) and source.link:
                entry.url = source.link(entry.record_id, member.pk)
        months[entry.month].lines.append(entry)
    return [months[m] for m in sorted(months, reverse=True) if months[m].lines or months[m].total]


def year_total(member, year: int) -> Decimal:
    return PointsMonth.objects.filter(member=member, month__year=year).aggregate(t=Sum("points"))["t"] or ZERO


@dataclass
class Unqualified:
    member_id: int
    total: Decimal
    line: Decimal
    run: int
    advise_leave: bool
    member: Member | None = None  # loaded by `with_members`, for the rows shown


def unqualified(root, year: int, scheme: PointsScheme | None = None) -> list[Unqualified]:
    """Members of the subtree below the year's qualifying line (prorated for those who joined in
    the year), lowest first, with how many years running they have been below it and whether the
    scheme's consequence (advise to leave) applies. Only computed years judge a member: a year
    before points were kept has no month rows. Two grouped statements over the month totals (the
    year, then the earlier years of the listed members) and no member object: `with_members`
    loads those of the rows a page shows (a year in which most members are below the line lists
    thousands)."""
    scheme = scheme or scheme_of_year(year)
    if scheme is None:
        return []
    first_year = year - scheme.leave_after_years + 1
    in_subtree = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    # The prorated line is never above the full line: only members below the full line can be
    # listed, and only those who joined in the year need their own line.
    rows = (
        in_subtree.filter(points_months__month__gte=date(year, 1, 1), points_months__month__lte=date(year, 12, 1))
        .values_list("pk", "join_date")
        .annotate(t=Sum("points_months__points"))
        .filter(t__lt=scheme.unqualified_below)
        .order_by("t", "organization__path", "name", "pk")
    )
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    below = []
    for member_id, joined, total in rows:
        if joined is not None and joined >= first_day:
            if joined > last_day or total >= rules.prorated_line(scheme.unqualified_below, year, joined):
                continue
        below.append((member_id, joined, total))
    history: dict[int, dict[int, Decimal]] = {}
    if below and first_year < year:
        listed = {member_id for member_id, _, _ in below}
        earlier = (
            PointsMonth.objects.filter(
                member__in=in_subtree.values("pk"), month__gte=date(first_year, 1, 1), month__lt=date(year, 1, 1)
            )
            .annotate(y=ExtractYear("month"))
            .values_list("member_id", "y")
            .annotate(t=Sum("points"))
            .order_by()
        )
        for member_id, y, t in earlier:
            if member_id in listed:
                history.setdefault(member_id, {})[y] = t
    full_lines = {y: (scheme_of_year(y) or scheme).unqualified_below for y in range(first_year, year + 1)}
    out = []
    for member_id, joined, total in below:
        # Only a member who joined within the run's years has a prorated line in one of them.
        if joined is None or joined.year < first_year:
            member_lines = full_lines
        else:
            member_lines = {y: rules.prorated_line(line, y, joined) for y, line in full_lines.items()}
        earlier_years = history.get(member_id)
        run = rules.unqualified_run({year: total, **earlier_years}, member_lines, year) if earlier_years else 1
        out.append(Unqualified(member_id, total, member_lines[year], run, run >= scheme.leave_after_years))
    return out


def with_members(rows):
    """Fill ``row.member`` (with its organization) for the given rows, in one statement."""
    rows = list(rows)
    members = Member.objects.select_related("organization").in_bulk([r.member_id for r in rows])
    for row in rows:
        row.member = members.get(row.member_id)
    return rows


def visible_claims(user, qs: QuerySet | None = None) -> QuerySet:
    qs = PointsClaim.objects.all() if qs is None else qs
    return visible(user, qs.select_related("member__organization", "item", "submitted_by", "decided_by"))


def month_differences(limit: int = 20) -> list[str]:
    """Where a member's month total differs from the sum of the month's ledger lines (or a
    month has ledger lines and no total): empty when the summary agrees with the ledger."""
    ledger = {
        (m, month): pts
        for m, month, pts in PointsEntry.objects.values_list("member_id", "month")
        .annotate(t=Sum("points"))
        .values_list("member_id", "month", "t")
        .order_by()
    }
    out = []
    seen = set()
    for m, month, pts in PointsMonth.objects.values_list("member_id", "month", "points").iterator(chunk_size=10000):
        seen.add((m, month))
        if ledger.get((m, month), ZERO) != pts:
            out.append(f"党员 {m} {month:%Y-%m}：月度积分 {pts}，明细合计 {ledger.get((m, month), ZERO)}")
    for key, pts in ledger.items():
        if key not in seen and pts != 0:
            out.append(f"党员 {key[0]} {key[1]:%Y-%m}：有明细合计 {pts}，没有月度积分")
    return out[:limit]


@dataclass
class PointsFigures:
    """The year's points of a subtree's active members, through the last computed month."""

    members: int = 0
    average: Decimal = ZERO
    on_pace: int = 0  # at or above the qualifying line's pace (line × months / 12)
    below_pace: int = 0
    pending_claims: int = 0
    months: int = 0


def figures(root, year: int, through: int) -> tuple[PointsFigures, list[tuple]]:
    """The card's figures for ``root`` (the active members of its subtree and their points in
    months 1..``through``) and, per child organization, (child, members, average). Members
    without a computed month count with 0, as in the ranking the card opens."""
    pace = pace_line(year, through)
    width = len(root.path) + 4
    members = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    counts: dict[str, int] = defaultdict(int)
    for path, n in (
        members.annotate(unit=Substr("organization__path", 1, width))
        .values_list("unit")
        .annotate(n=Count("id"))
        .values_list("unit", "n")
        .order_by()
    ):
        counts[path] += n
    rows = (
        PointsMonth.objects.filter(
            member__in=members.values("pk"), month__gte=date(year, 1, 1), month__lte=date(year, through, 1)
        )
        .values("member_id", "member__organization__path")
        .annotate(total=Sum("points"))
        .order_by()
    )
    out = PointsFigures(months=through, members=sum(counts.values()))
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    on_pace_with_points = 0
    grand = ZERO
    for row in rows.iterator(chunk_size=10000):
        total = row["total"] or ZERO
        grand += total
        on_pace_with_points += total >= pace
        sums[row["member__organization__path"][:width]] += total
    # Members without a month row have 0 points: on pace only when the pace is 0.
    out.on_pace = on_pace_with_points
    out.below_pace = out.members - out.on_pace
    if pace <= 0:
        out.on_pace, out.below_pace = out.members, 0
    out.average = (grand / out.members).quantize(Decimal("0.1")) if out.members else ZERO
    out.pending_claims = PointsClaim.objects.filter(
        root.subtree_filter("member__organization__"), state=PointsClaim.State.SUBMITTED
    ).count()
    from jiceng.orgs.models import Organization

    by_path = {
        o.path: o for o in Organization.objects.filter(path__in=list(counts)).only("pk", "name", "short_name", "path")
    }
    ranked = sorted(
        (
            (by_path[p], n, (sums[p] / n).quantize(Decimal("0.1")))
            for p, n in counts.items()
            if p in by_path and p != root.path and n
        ),
        key=lambda r: (-r[2], r[0].path),
    )
    return out, ranked


# ---- stars ------------------------------------------------------------------------------------


def quarter_of(text: str | None, today: date) -> date:
    """``2026-3`` (year and quarter) → the quarter's first day; default the last whole quarter."""
    if text:
        try:
            year, q = (int(x) for x in text.split("-"))
            if 2000 <= year <= today.year and 1 <= q <= 4:
                quarter = date(year, 3 * q - 2, 1)
                if quarter <= rules.quarter_start(today):
                    return quarter
        except ValueError:
            pass
    this = rules.quarter_start(today)
    return date(this.year - 1, 10, 1) if this.month == 1 else date(this.year, this.month - 3, 1)


def quarter_code(quarter: date) -> str:
    return f"{quarter.year}-{(quarter.month - 1) // 3 + 1}"


def quarters_offered(today: date, n: int = 8) -> list[tuple[str, str]]:
    out = []
    q = rules.quarter_start(today)
    for _ in range(n):
        out.append((quarter_code(q), f"{q.year}年第{(q.month - 1) // 3 + 1}季度"))
        q = date(q.year - 1, 10, 1) if q.month == 1 else date(q.year, q.month - 3, 1)
    return out


@dataclass
class BranchStars:
    organization: object
    review: object | None
    members: int = 0
    by_count: list = field(default_factory=list)  # members with 0, 1, … n stars
    full: int = 0


def star_overview(user, root, quarter: date) -> tuple[list[BranchStars], int]:
    """Per branch of the subtree: its review of the quarter and, once decided, how many members
    end with each number of stars. Returns the rows and the number of active stars."""
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .models import Star, StarDecision, StarReview

    n_stars = Star.objects.filter(active=True).count()
    branches = list(
        visible(user, Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES)).order_by("path")
    )
    reviews = {
        r.organization_id: r
        for r in StarReview.objects.filter(organization__in=[b.pk for b in branches], quarter=quarter)
    }
    held: dict[tuple[int, int], int] = defaultdict(int)
    members: dict[int, set] = defaultdict(set)
    for review_id, member_id, final in StarDecision.objects.filter(review__in=list(reviews.values())).values_list(
        "review_id", "member_id", "final"
    ):
        members[review_id].add(member_id)
        held[(review_id, member_id)] += final in StarDecision.HOLDS
    rows = []
    for branch in branches:
        review = reviews.get(branch.pk)
        row = BranchStars(branch, review)
        if review is not None:
            row.members = len(members[review.pk])
            counts = [0] * (n_stars + 1)
            for member_id in members[review.pk]:
                counts[min(held[(review.pk, member_id)], n_stars)] += 1
            row.by_count = counts
            row.full = counts[-1]
        rows.append(row)
    return rows, n_stars


def member_stars(member) -> list:
    """The member's star history, newest quarter first (decided reviews only)."""
    from .models import StarDecision, StarReview

    return list(
        StarDecision.objects.filter(member=member, review__state=StarReview.State.DECIDED)
        .select_related("review__organization", "star", "overruled_by")
        .order_by("-review__quarter", "star__order")
    )


# ---- the fortress index (堡垒指数) ---------------------------------------------------------------


@dataclass
class IndexPart:
    component: object  # core.indices.IndexComponent
    weight: int
    figure: object | None  # core.indices.IndexFigure, None when the component cannot judge

    @property
    def score(self) -> Decimal | None:
        value = self.figure.value if self.figure is not None else None
        return None if value is None else (value * 100).quantize(Decimal("0.1"))


@dataclass
class IndexRow:
    organization: object
    parts: list
    index: Decimal | None = None
    rank: int | None = None


def weights(index: str) -> dict[str, int]:
    from jiceng.core.indices import registered

    from .models import IndexWeight

    saved = dict(IndexWeight.objects.filter(index=index).values_list("component", "weight"))
    return {code: saved.get(code, c.default_weight) for code, c in registered(index).items()}


def weighted(parts: list[IndexPart]) -> Decimal | None:
    """Σ weight × score over the parts that can judge, divided by their weights."""
    judged = [(p.weight, p.score) for p in parts if p.score is not None and p.weight]
    total = sum(w for w, _ in judged)
    if not total:
        return None
    return (sum(w * s for w, s in judged) / total).quantize(Decimal("0.1"))


def compute_index(root, year: int, today: date, branches, index: str = FORTRESS) -> list[IndexRow]:
    """The index of each of ``branches`` (organizations under ``root``) from the registered
    components and the county's weights, now."""
    from jiceng.core.indices import registered

    components = registered(index)
    weight = weights(index)
    figures = {code: c.compute(root, year, today) for code, c in components.items()}
    rows = []
    for org in branches:
        parts = [IndexPart(c, weight[code], figures[code].get(org.pk)) for code, c in components.items()]
        rows.append(IndexRow(org, parts, weighted(parts)))
    return rows


@dataclass(frozen=True)
class StoredComponent:
    code: str
    name: str
    explain: str


@dataclass(frozen=True)
class StoredFigure:
    numerator: Decimal
    denominator: Decimal
    url: str
    text: str


def _stored_part(data: dict) -> IndexPart:
    figure = None
    if data.get("denominator"):
        figure = StoredFigure(Decimal(data["numerator"]), Decimal(data["denominator"]), data["url"], data["text"])
        figure = _Figure(figure)
    return IndexPart(StoredComponent(data["code"], data["name"], data.get("explain", "")), data["weight"], figure)


class _Figure:
    """A stored figure with the value of core.indices.IndexFigure."""

    def __init__(self, stored: StoredFigure):
        self.numerator, self.denominator, self.url, self.text = (
            stored.numerator,
            stored.denominator,
            stored.url,
            stored.text,
        )

    @property
    def value(self) -> Decimal | None:
        return min(Decimal(1), self.numerator / self.denominator) if self.denominator else None


def fortress(user, root, year: int) -> tuple[list[IndexRow], object]:
    """The branches of the subtree (those the user may see) with the fortress index of the year as
    last computed, ranked (ties share a rank; branches nothing could judge, or not yet computed,
    come last); and when it was computed (None: not yet)."""
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .models import IndexScore

    branches = list(
        visible(user, Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES)).order_by("path")
    )
    stored = {
        s.organization_id: s
        for s in IndexScore.objects.filter(index=FORTRESS, year=year, organization__in=[b.pk for b in branches])
    }
    rows, computed = [], None
    for org in branches:
        score = stored.get(org.pk)
        if score is None:
            rows.append(IndexRow(org, [], None))
            continue
        computed = max(computed, score.computed_at) if computed else score.computed_at
        rows.append(IndexRow(org, [_stored_part(p) for p in score.parts], score.value))
    rank_rows(rows)
    return rows, computed


def rank_rows(rows: list[IndexRow]) -> None:
    rows.sort(key=lambda r: (r.index is None, -(r.index or 0), r.organization.path))
    rank, previous = 0, None
    for n, row in enumerate(rows, start=1):
        if row.index is None:
            continue
        if row.index != previous:
            rank, previous = n, row.index
        row.rank = rank


# ---- the command screen's ratings card: stars, the fortress index, weak organizations, trend ----

# Bands of the fortress index on the command screen (lower bound inclusive, label).
INDEX_BANDS = (
    ("good", Decimal(90), "90分以上"),
    ("fair", Decimal(80), "80–90分"),
    ("pass", Decimal(60), "60–80分"),
    ("poor", Decimal(0), "60分以下"),
)


def index_band(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return next(code for code, low, _ in INDEX_BANDS if value >= low)


def _decided_stars(root, quarter: date):
    """(member, stars held) of the subtree's decided reviews of the quarter, as one grouped query."""
    from .models import StarDecision, StarReview

    return (
        StarDecision.objects.filter(
            root.subtree_filter("review__organization__"),
            review__quarter=quarter,
            review__state=StarReview.State.DECIDED,
        )
        .values("member_id")
        .annotate(stars=Count("pk", filter=Q(final__in=StarDecision.HOLDS)))
        .order_by()
    )


def member_star_distribution(root, quarter: date) -> list[int]:
    """How many members of the subtree's decided reviews of the quarter end with 0, 1, … stars."""
    from .models import Star

    n_stars = Star.objects.filter(active=True).count()
    counts = [0] * (n_stars + 1)
    for stars in _decided_stars(root, quarter).values_list("stars", flat=True):
        counts[min(stars, n_stars)] += 1
    return counts


def members_with_stars(user, root, quarter: date, stars: int) -> QuerySet:
    """The members a count of `member_star_distribution` opens: those ending the quarter with ``stars``."""
    ids = _decided_stars(root, quarter).filter(stars=stars).values("member_id")
    return (
        visible(user, Member.objects.filter(pk__in=ids))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )


def star_trend(root, quarters: list[date]) -> list[tuple[date, Decimal | None, Decimal | None]]:
    """Per quarter: the members' average points of the quarter (members with a computed month) and
    the share (%) of reviewed members holding every star. Two grouped queries."""
    from .models import Star, StarDecision, StarReview

    n_stars = Star.objects.filter(active=True).count()
    points: dict[date, list] = {q: [ZERO, set()] for q in quarters}
    for month, member_id, total in PointsMonth.objects.filter(
        root.subtree_filter("member__organization__"), month__gte=min(quarters), month__lt=add_months(max(quarters), 3)
    ).values_list("month", "member_id", "points"):
        quarter = rules.quarter_start(month)
        if quarter in points:
            points[quarter][0] += total
            points[quarter][1].add(member_id)
    full: dict[date, list[int]] = {q: [0, 0] for q in quarters}
    for quarter, stars in (
        StarDecision.objects.filter(
            root.subtree_filter("review__organization__"),
            review__quarter__in=quarters,
            review__state=StarReview.State.DECIDED,
        )
        .values("review__quarter", "member_id")
        .annotate(stars=Count("pk", filter=Q(final__in=StarDecision.HOLDS)))
        .values_list("review__quarter", "stars")
        .order_by()
    ):
        full[quarter][0] += 1
        full[quarter][1] += n_stars > 0 and stars >= n_stars
    out = []
    for q in quarters:
        total, members = points[q]
        average = (total / len(members)).quantize(Decimal("0.1")) if members else None
        reviewed, top = full[q]
        share = (Decimal(100) * top / reviewed).quantize(Decimal("0.1")) if reviewed else None
        out.append((q, average, share))
    return out


@dataclass
class IndexSummary:
    scored: int = 0
    average: Decimal | None = None
    bands: dict = field(default_factory=dict)  # band code -> count
    children: list = field(default_factory=list)  # (organization, branches scored, average), best first


def index_summary(user, root, year: int) -> IndexSummary:
    """The stored fortress index of the year over the subtree's branches: how many were scored,
    their average, how many fall in each band, and each child organization's average (ranked)."""
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .models import IndexScore

    rows = list(
        IndexScore.objects.filter(
            root.subtree_filter("organization__"),
            index=FORTRESS,
            year=year,
            value__isnull=False,
            organization__type__in=BRANCH_TYPES,
        ).values_list("organization__path", "value")
    )
    out = IndexSummary(bands={code: 0 for code, _, _ in INDEX_BANDS})
    if not rows:
        return out
    out.scored = len(rows)
    out.average = (sum(v for _, v in rows) / len(rows)).quantize(Decimal("0.1"))
    width = len(root.path) + 4
    by_child: dict[str, list] = defaultdict(list)
    for path, value in rows:
        out.bands[index_band(value)] += 1
        if len(path) > len(root.path):
            by_child[path[:width]].append(value)
    children = {o.path: o for o in visible(user, Organization.objects.filter(path__in=list(by_child)))}
    ranked = [
        (children[p], len(v), (sum(v) / len(v)).quantize(Decimal("0.1"))) for p, v in by_child.items() if p in children
    ]
    ranked.sort(key=lambda r: (-r[2], r[0].path))
    out.children = ranked
    return out


def weak_summary(root, year: int, today: date) -> dict:
    """The year's designated organizations of the subtree: how many, how many closed out (销号),
    and how many have a task past its deadline."""
    from .models import RectificationTask, WeakOrganization

    designated = WeakOrganization.objects.filter(root.subtree_filter("organization__"), year=year)
    late = RectificationTask.objects.filter(
        weak__in=designated.values("pk"), done_on__isnull=True, deadline__lt=today
    ).values("weak_id")
    counts = designated.aggregate(
        total=Count("pk"),
        accepted=Count("pk", filter=Q(state=WeakOrganization.State.ACCEPTED)),
        late=Count("pk", filter=Q(pk__in=late, state__in=WeakOrganization.OPEN)),
    )
    return counts


# ---- inspections (督查) -------------------------------------------------------------------------


@dataclass
class RankedResult:
    result: object
    rank: int | None
    bottom: bool
    scores: list = field(default_factory=list)  # in the checklist's order


def inspection_rounds(user, root, *, year: int | None = None, state: str = ""):
    """The rounds organized in ``root``'s subtree that ``user`` may see, newest first, with how
    many organizations each inspected and how many are scored (two aggregates, one query)."""
    from .models import InspectionRound

    qs = visible(user, InspectionRound.objects.filter(root.subtree_filter("organizer__"))).select_related("organizer")
    if year is not None:
        qs = qs.filter(ends_on__year=year)
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(
        inspected=Count("results"), scored=Count("results", filter=Q(results__total__isnull=False))
    ).order_by("-ends_on", "-pk")


def round_ranking(round_) -> list[RankedResult]:
    """A round's results ranked by total (ties share a rank; unscored last, without a rank), the
    bottom 3 marked by the same rule that opens accountability (rules.bottom_three)."""
    return ranked_results(round_, list(round_.results.select_related("organization", "inspector")))


def ranked_results(round_, results: list) -> list[RankedResult]:
    """Rank already loaded results of ``round_`` (no query)."""
    totals = {r.pk: r.total for r in results if r.total is not None}
    ranks = rules.competition_ranks(totals)
    bottom = rules.bottom_three(totals)
    codes = [item["code"] for item in round_.checklist]
    rows = [
        RankedResult(r, ranks.get(r.pk), r.pk in bottom, [_decimal(r.scores.get(c)) for c in codes] if r.scores else [])
        for r in results
    ]
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.result.organization.path))
    return rows


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------


def orgrating_components() -> dict:
    """The components a checklist item may name: the fortress index's and those registered for
    the star ratings only (index_sources.ORGRATING)."""
    from jiceng.core.indices import registered

    from .index_sources import ORGRATING

    return {**registered(FORTRESS), **registered(ORGRATING)}


def org_checklists_in_force(year: int) -> dict:
    """kind → the checklist version in force in ``year`` (the latest from that year or before)."""
    from .models import OrgChecklist

    found = {}
    for checklist in OrgChecklist.objects.filter(valid_from__lte=year).order_by("kind", "-valid_from"):
        found.setdefault(checklist.kind, checklist)
    return found


STARS = range(0, 6)


@dataclass
class OrgRatingFilters:
    township: int | None = None
    domain: str = ""
    stars: int | None = None
    state: str = ""


def org_ratings(user, root, year: int, f: OrgRatingFilters | None = None, *, with_stars: bool = True) -> QuerySet:
    """The year's ratings of the organizations of ``root``'s subtree the user may see, filtered
    (township: an organization whose subtree to keep; domain; stars; state), in tree order."""
    from jiceng.core.scoping import visible
    from jiceng.orgs.models import Organization

    from .models import OrgRating

    f = f or OrgRatingFilters()
    qs = visible(user, OrgRating.objects.filter(root.subtree_filter("organization__"), year=year))
    if f.township:
        town = Organization.objects.filter(pk=f.township).first()
        qs = qs.filter(town.subtree_filter("organization__")) if town else qs.none()
    if f.domain:
        qs = qs.filter(organization__domain=f.domain)
    if f.state:
        qs = qs.filter(state=f.state)
    if with_stars and f.stars is not None:
        qs = qs.filter(stars=f.stars)
    return qs.select_related("organization", "checklist").order_by("organization__path")


@dataclass
class StarDistribution:
    counts: list[tuple[int, int]]  # (stars, organizations)
    total: int
    five: int
    share: Decimal | None  # five-star share, percent
    target: int  # county target, percent

    @property
    def reached(self) -> bool | None:
        return None if self.share is None else self.share >= self.target

    @property
    def five_short(self) -> int:
        """How many more five-star organizations the target asks for."""
        return max(0, -(-self.total * self.target // 100) - self.five)


def star_distribution(qs: QuerySet) -> StarDistribution:
    """How many ratings of ``qs`` have 0…5 stars (one query), and the five-star share against the
    county's target (RatingsSettings.org_star_target)."""
    from .models import RatingsSettings

    by = dict(qs.order_by().values_list("stars").annotate(n=Count("id")))
    total = sum(by.values())
    five = by.get(rules.STANDARDS_PER_CHECKLIST, 0)
    return StarDistribution(
        [(s, by.get(s, 0)) for s in STARS],
        total,
        five,
        rules.share_percent(five, total),
        RatingsSettings.current().org_star_target,
    )


# ---- posts, pledges and model posts (设岗定责、承诺践诺、党员示范岗) ------------------------------


def member_posts_and_pledges(member, year: int) -> dict:
    """What the member's points page shows of posts and pledges: the posts held (open holdings and
    those of the year), the year's pledges, and the quarters the member was a model post (a
    decided review's final result), and the member's stored vanguard index of the year. Four
    queries."""
    from .models import ModelPost, Pledge, PostHolding, StarReview

    holdings = list(
        PostHolding.objects.filter(member=member, state__in=(PostHolding.State.ACTIVE, PostHolding.State.REQUESTED))
        .select_related("post")
        .order_by("since", "pk")
    )
    pledges = list(Pledge.objects.filter(member=member, year=year).order_by("due", "pk"))
    model_posts = list(
        ModelPost.objects.filter(member=member, final=True, review__state=StarReview.State.DECIDED)
        .select_related("review")
        .order_by("-review__quarter")[:20]
    )
    from jiceng.core.indices import VANGUARD

    from .models import MemberIndexScore

    vanguard = MemberIndexScore.objects.filter(index=VANGUARD, member=member, year=year).first()
    if vanguard is not None:
        vanguard.components = stored_parts(vanguard)
    return {
        "member_holdings": holdings,
        "member_pledges": pledges,
        "member_model_posts": model_posts,
        "member_vanguard": vanguard,
    }


def model_post_counts(review_ids) -> dict[int, int]:
    """The model posts (final) of each review, for the stars overview. One query."""
    from django.db.models import Count

    from .models import ModelPost

    return dict(
        ModelPost.objects.filter(review_id__in=list(review_ids), final=True)
        .values_list("review_id")
        .annotate(n=Count("id"))
        .order_by()
    )


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


@dataclass
class ValueRanks:
    """Competition ranks of the values of a subtree (ties share a rank, the next rank skips;
    rows without a value have none), from the count of rows per value."""

    by_value: dict  # value → rank
    ranked: int  # rows with a value
    rows: int  # every row, with a value or not

    def of(self, value) -> int | None:
        return None if value is None else self.by_value.get(value)

    def __len__(self) -> int:
        return self.ranked


def value_ranks(counts) -> ValueRanks:
    """``counts``: (value, rows) pairs. A value's rank is one more than the rows above it."""
    counts = list(counts)
    by_value, above = {}, 0
    for value, n in sorted((pair for pair in counts if pair[0] is not None), key=lambda pair: -pair[0]):
        by_value[value] = above + 1
        above += n
    return ValueRanks(by_value, above, sum(n for _value, n in counts))


def vanguard(user, root, year: int):
    """The stored vanguard index of the year of the members in the subtree the user may see
    (stored under their organization when computed), best first (members nothing could judge last),
    the ranks in the subtree (ties share a rank) and when it was computed: (queryset, ValueRanks,
    computed at). The ranks and the time come from one GROUP BY value (at most a thousand groups:
    the index has one decimal between 0 and 100), whatever the number of members; the page then
    reads only its rows and ranks each by its value."""
    from django.db.models import F, Max

    from jiceng.core.indices import VANGUARD

    from .models import MemberIndexScore

    qs = visible(
        user, MemberIndexScore.objects.filter(root.subtree_filter("organization__"), index=VANGUARD, year=year)
    )
    # COUNT(*), not of the id: every column named is in the index of migration 0011, which
    # PostgreSQL then reads alone (a twentieth of the table's pages).
    groups = list(qs.order_by().values_list("value").annotate(n=Count("*"), at=Max("computed_at")))
    ranks = value_ranks((value, n) for value, n, _at in groups)
    computed = max((at for _v, _n, at in groups if at is not None), default=None)
    ordered = qs.order_by(F("value").desc(nulls_last=True), "member__name", "pk")
    return ordered.select_related("member", "organization"), ranks, computed


def stored_parts(row) -> list[IndexPart]:
    return stored_parts_of(row.parts)


def stored_parts_of(parts: list[dict]) -> list[IndexPart]:
    return [_stored_part(p) for p in parts]
