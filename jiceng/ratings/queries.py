"""Reads of member points shared by pages, exports, the API and other apps (stars, indices)."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, FilteredRelation, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr

from jiceng.core.dates import add_months
from jiceng.core.indices import FORTRESS
from jiceng.core.point_sources import registered
from jiceng.core.scoping import visible
from jiceng.members.models import Member

from . import rules
from .models import CLAIM, PointsClaim, PointsEntry, PointsMonth, PointsScheme, PointsYear

ZERO = Decimal(0)


def scheme_of_year(year: int) -> PointsScheme | None:
    """The version that judges a year: the one in force in its December."""
    return PointsScheme.objects.filter(valid_from__lte=date(year, 12, 1)).order_by("-valid_from").first()


def with_points(members: QuerySet, year: int, through: int = 12) -> QuerySet:
    """``members`` annotated with ``total``: their points in the year's months 1..``through``, read
    from their `PointsYear` row (0 without one), one LEFT JOIN for a whole list."""
    return members.annotate(
        year_row=FilteredRelation("points_years", condition=Q(points_years__year=year)),
        total=Coalesce(
            F(f"year_row__{PointsYear.through(through)}"),
            Value(ZERO),
            output_field=DecimalField(max_digits=9, decimal_places=1),
        ),
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
    qs = with_points(members.select_related("organization"), year, through).order_by(
        "-total", "organization__path", "name", "pk"
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
    """Every row of `unqualified_list`, lowest first (the export, tests)."""
    rows = unqualified_list(root, year, scheme)
    return list(rows[0 : len(rows)]) if rows is not None else []


class UnqualifiedList:
    """Members of the subtree below the year's qualifying line (prorated for those who joined in
    the year), lowest first, with how many years running they have been below it and whether the
    scheme's consequence (advise to leave) applies; only computed years judge (a year before points
    were kept has no year row, and breaks a run).

    A sequence the paginator pages: the members who joined before the run's first year (nearly
    all) are counted, judged and paged in the database (their line is the full line of each year);
    those who joined within the run's years have lines of their own and are judged in Python
    (`rules.prorated_line`), then merged in. A running year in which most members are below the
    line lists hundreds of thousands at city scale; a page reads 50."""

    def __init__(self, root, year: int, scheme: PointsScheme):
        self.year, self.scheme = year, scheme
        self.first_year = year - scheme.leave_after_years + 1
        self.lines = {y: (scheme_of_year(y) or scheme).unqualified_below for y in range(self.first_year, year + 1)}
        self.earlier = list(range(year - 1, self.first_year - 1, -1))  # the run's earlier years, latest first
        relations = {"year_row": FilteredRelation("points_years", condition=Q(points_years__year=year))}
        for y in self.earlier:
            relations[f"y{y}"] = FilteredRelation("points_years", condition=Q(points_years__year=y))
        below = (
            Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
            .annotate(**relations)
            .filter(year_row__c12__lt=scheme.unqualified_below)
        )
        joined_before = Q(join_date__isnull=True) | Q(join_date__lt=date(self.first_year, 1, 1))
        self.columns = ["pk", "join_date", "year_row__c12", "organization__path", "name"] + [
            f"y{y}__c12" for y in self.earlier
        ]
        self.in_db = below.filter(joined_before).order_by("year_row__c12", "organization__path", "name", "pk")
        full_run = Q(*[Q(**{f"y{y}__c12__lt": self.lines[y]}) for y in self.earlier[: scheme.leave_after_years - 1]])
        counts = self.in_db.aggregate(n=Count("pk"), advise=Count("pk", filter=full_run))
        self.in_db_count = counts["n"]
        self.joiners = sorted(
            (r for r in (self._row(values) for values in below.exclude(joined_before).values_list(*self.columns)) if r),
            key=lambda r: r.sort_key,
        )
        self.advise = (counts["advise"] if scheme.leave_after_years > 1 else counts["n"]) + sum(
            1 for r in self.joiners if r.advise_leave
        )

    def _row(self, values) -> Unqualified | None:
        member_id, joined, total, path, name, *earlier = values
        if joined is not None and joined.year >= self.first_year:
            if joined > date(self.year, 12, 31):
                return None
            lines = {y: rules.prorated_line(line, y, joined) for y, line in self.lines.items()}
            if total >= lines[self.year]:
                return None
        else:
            lines = self.lines
        totals = {self.year: total, **{y: t for y, t in zip(self.earlier, earlier, strict=True) if t is not None}}
        run = rules.unqualified_run(totals, lines, self.year)
        row = Unqualified(member_id, total, lines[self.year], run, run >= self.scheme.leave_after_years)
        row.sort_key = (total, path, name, member_id)
        return row

    def __len__(self) -> int:
        return self.in_db_count + len(self.joiners)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop = key.start or 0, min(key.stop if key.stop is not None else len(self), len(self))
        if stop <= start:
            return []
        # The first `stop` rows of the merge need at most `stop` rows of each side.
        from_db = [self._row(values) for values in self.in_db.values_list(*self.columns)[:stop]]
        merged = heapq.merge(from_db, self.joiners[:stop], key=lambda r: r.sort_key)
        return list(itertools.islice(merged, start, stop))


def unqualified_list(root, year: int, scheme: PointsScheme | None = None) -> UnqualifiedList | None:
    scheme = scheme or scheme_of_year(year)
    return UnqualifiedList(root, year, scheme) if scheme is not None else None


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


def year_differences(limit: int = 20) -> list[str]:
    """Where a member's year row (`PointsYear`) differs from the running totals of their month
    totals, or a year has months and no row: empty when the two summaries agree."""
    expected: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO] * 12)
    for member_id, month, pts in PointsMonth.objects.values_list("member_id", "month", "points").iterator(
        chunk_size=10000
    ):
        expected[(member_id, month.year)][month.month - 1] += pts
    columns = [PointsYear.through(m) for m in range(1, 13)]
    out, seen = [], set()
    for member_id, year, *stored in PointsYear.objects.values_list("member_id", "year", *columns).iterator(
        chunk_size=10000
    ):
        seen.add((member_id, year))
        running, total = [], ZERO
        for pts in expected.get((member_id, year), [ZERO] * 12):
            total += pts
            running.append(total)
        if list(stored) != running:
            out.append(f"党员 {member_id} {year}年：年度积分 {stored[-1]}，月度积分合计 {running[-1]}")
    for member_id, year in expected:
        if (member_id, year) not in seen:
            out.append(f"党员 {member_id} {year}年：有月度积分，没有年度积分")
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
    # Per unit (the child the member is under): members, points, and members on the line's pace;
    # summed in the database over the members' year rows (no row: 0 points).
    rows = (
        with_points(members, year, through)
        .annotate(unit=Substr("organization__path", 1, width))
        .values("unit")
        .annotate(n=Count("pk"), points=Sum("total"), on_pace=Count("pk", filter=Q(total__gte=pace)))
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    grand = ZERO
    on_pace = 0
    for row in rows:
        counts[row["unit"]] += row["n"]
        sums[row["unit"]] += row["points"] or ZERO
        grand += row["points"] or ZERO
        on_pace += row["on_pace"]
    out = PointsFigures(months=through, members=sum(counts.values()))
    out.on_pace, out.below_pace = on_pace, out.members - on_pace
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

    from .models import MemberStars, Star, StarDecision, StarReview

    n_stars = Star.objects.filter(active=True).count()
    branches = list(
        visible(user, Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES))
        .only("pk", "name", "short_name", "path", "parent_id", "type")
        .order_by("path")
    )
    reviews = {
        r.organization_id: r
        for r in StarReview.objects.filter(root.subtree_filter("organization__"), quarter=quarter).only(
            "pk", "organization_id", "quarter", "state"
        )
    }
    # How many members of each decided review end with each number of stars (MemberStars).
    by_review: dict[int, list[int]] = defaultdict(lambda: [0] * (n_stars + 1))
    for review_id, stars, n in (
        MemberStars.objects.filter(root.subtree_filter("review__organization__"), quarter=quarter)
        .values_list("review_id", "stars")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_review[review_id][min(stars, n_stars)] += n
    # A review still proposed: the proposals as they stand (its decisions, per member).
    proposed = [r.pk for r in reviews.values() if r.state == StarReview.State.PROPOSED]
    if proposed:
        # Members per number of stars proposed, counted in the database (a city's proposed reviews
        # hold hundreds of thousands of decisions).
        per_member = (
            StarDecision.objects.filter(review__in=proposed)
            .values("review_id", "member_id")
            .annotate(n=Count("pk", filter=Q(final__in=StarDecision.HOLDS)))
            .order_by()
        )
        sql, params = per_member.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT review_id, n, COUNT(*) FROM ({sql}) per_member GROUP BY review_id, n", params)
            for review_id, n, members in cursor.fetchall():
                by_review[review_id][min(n, n_stars)] += members
    rows = []
    for branch in branches:
        review = reviews.get(branch.pk)
        row = BranchStars(branch, review)
        if review is not None:
            counts = by_review[review.pk]
            row.members = sum(counts)
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


def fortress(user, root, year: int, *, parts: bool = True) -> tuple[list[IndexRow], object]:
    """The branches of the subtree (those the user may see) with the fortress index of the year as
    last computed, ranked (ties share a rank; branches nothing could judge, or not yet computed,
    come last); and when it was computed (None: not yet). With ``parts=False`` the rows carry no
    components (a city's 10,000 stored rows are ranked by value alone): `with_parts` fills them
    for the rows shown."""
    from django.db.models import Max

    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .models import IndexScore

    branches = list(
        visible(user, Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES)).order_by("path")
    )
    # The subtree by path (a city: not a list of 10,000 ids); only the visible branches are listed.
    scores = IndexScore.objects.filter(
        root.subtree_filter("organization__"), index=FORTRESS, year=year, organization__type__in=BRANCH_TYPES
    )
    computed = scores.aggregate(at=Max("computed_at"))["at"]
    stored = dict(scores.values_list("organization_id", "value"))
    rows = [IndexRow(org, [], stored.get(org.pk)) for org in branches]
    rank_rows(rows)
    if parts:
        with_parts(rows, year)
    return rows, computed


def with_parts(rows: list[IndexRow], year: int) -> list[IndexRow]:
    """Fill the stored components of ``rows`` (one query)."""
    from .models import IndexScore

    stored = dict(
        IndexScore.objects.filter(
            index=FORTRESS, year=year, organization__in=[r.organization.pk for r in rows]
        ).values_list("organization_id", "parts")
    )
    for row in rows:
        row.parts = [_stored_part(p) for p in stored.get(row.organization.pk) or []]
    return rows


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


def _decided_stars(root, quarter: date) -> QuerySet:
    """The members' star counts (`MemberStars`) of the subtree's decided reviews of the quarter."""
    from .models import MemberStars

    return MemberStars.objects.filter(root.subtree_filter("review__organization__"), quarter=quarter)


def member_star_distribution(root, quarter: date) -> list[int]:
    """How many members of the subtree's decided reviews of the quarter end with 0, 1, … stars
    (one grouped count of the members' star counts)."""
    from .models import Star

    n_stars = Star.objects.filter(active=True).count()
    counts = [0] * (n_stars + 1)
    for stars, n in _decided_stars(root, quarter).values_list("stars").annotate(n=Count("pk")).order_by():
        counts[min(stars, n_stars)] += n
    return counts


def members_with_stars(user, root, quarter: date, stars: int) -> QuerySet:
    """The members a count of `member_star_distribution` opens: those ending the quarter with
    ``stars`` (the top count also takes more, as the distribution caps at the active stars)."""
    from .models import Star

    n_stars = Star.objects.filter(active=True).count()
    rows = _decided_stars(root, quarter)
    rows = rows.filter(stars__gte=stars) if stars >= n_stars else rows.filter(stars=stars)
    return (
        visible(user, Member.objects.filter(pk__in=rows.values("member_id")))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )


def star_trend(root, quarters: list[date]) -> list[tuple[date, Decimal | None, Decimal | None]]:
    """Per quarter: the average points of the quarter of the members with points computed in its
    year (from their year rows: the running total at the quarter's end less the one before it), and
    the share (%) of reviewed members holding every star. One grouped query per year, one for the
    stars."""
    from .models import MemberStars, Star

    n_stars = Star.objects.filter(active=True).count()
    averages: dict[date, Decimal | None] = {}
    for year in sorted({q.year for q in quarters}):
        ends = {q: PointsYear.through(q.month + 2) for q in quarters if q.year == year}
        sums = {
            q.isoformat(): Sum(F(col) - (F(PointsYear.through(q.month - 1)) if q.month > 1 else Value(ZERO)))
            for q, col in ends.items()
        }
        row = PointsYear.objects.filter(root.subtree_filter("member__organization__"), year=year).aggregate(
            members=Count("pk"), **sums
        )
        for q in ends:
            if not PointsMonth.objects.filter(month__gte=q, month__lt=add_months(q, 3)).exists():
                continue  # a quarter before points were computed: no figure, not 0
            total = row[q.isoformat()]
            averages[q] = (
                (total / row["members"]).quantize(Decimal("0.1")) if row["members"] and total is not None else None
            )
    full = {
        q: (n, top)
        for q, n, top in MemberStars.objects.filter(root.subtree_filter("review__organization__"), quarter__in=quarters)
        .values_list("quarter")
        .annotate(n=Count("pk"), top=Count("pk", filter=Q(stars__gte=n_stars) if n_stars else Q(pk__in=[])))
        .order_by()
    }
    out = []
    for q in quarters:
        reviewed, top = full.get(q, (0, 0))
        share = (Decimal(100) * top / reviewed).quantize(Decimal("0.1")) if reviewed else None
        out.append((q, averages.get(q), share))
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
    the star ratings only (jiceng.core.indices.ORGRATING), from every app."""
    from jiceng.core.indices import ORGRATING, registered

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
