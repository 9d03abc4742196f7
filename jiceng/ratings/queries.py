"""Reads of member points shared by pages, exports, the API and other apps (stars, indices)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jiceng.core.point_sources import registered
from jiceng.core.scoping import visible
from jiceng.members.models import Member

from . import rules
from .models import CLAIM, PointsClaim, PointsEntry, PointsMonth, PointsScheme

ZERO = Decimal(0)


def scheme_of_year(year: int) -> PointsScheme | None:
    """The version that judges a year: the one in force in its December."""
    return PointsScheme.objects.filter(valid_from__lte=date(year, 12, 1)).order_by("-valid_from").first()


def year_total_subquery(year: int):
    return Coalesce(
        Subquery(
            PointsMonth.objects.filter(member=OuterRef("pk"), month__year=year)
            .order_by()
            .values("member")
            .annotate(t=Sum("points"))
            .values("t")
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=9, decimal_places=1),
    )


def ranking(root, year: int) -> QuerySet:
    """Active members of the subtree with their year's points (``total``), highest first."""
    return (
        Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .select_related("organization")
        .annotate(total=year_total_subquery(year))
        .order_by("-total", "organization__path", "name", "pk")
    )


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
    member: Member
    total: Decimal
    line: Decimal
    run: int
    advise_leave: bool


def unqualified(root, year: int, scheme: PointsScheme | None = None) -> list[Unqualified]:
    """Members of the subtree below the year's qualifying line (prorated for those who joined in
    the year), with how many years running they have been below it and whether the scheme's
    consequence (advise to leave) applies."""
    scheme = scheme or scheme_of_year(year)
    if scheme is None:
        return []
    first_year = year - scheme.leave_after_years + 1
    members = list(
        Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .filter(Q(join_date__isnull=True) | Q(join_date__lte=date(year, 12, 31)))
        .select_related("organization")
        .annotate(total=year_total_subquery(year))
        .filter(Exists(PointsMonth.objects.filter(member=OuterRef("pk"), month__year=year)))
        .order_by("total", "organization__path", "name", "pk")
    )
    # Only computed years judge a member: a year before points were kept has no month rows.
    below = [m for m in members if m.total < rules.prorated_line(scheme.unqualified_below, year, m.join_date)]
    history: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for member_id, month, points in PointsMonth.objects.filter(
        member_id__in=[m.pk for m in below], month__year__gte=first_year, month__year__lt=year
    ).values_list("member_id", "month", "points"):
        history[member_id][month.year] = history[member_id].get(month.year, ZERO) + points
    lines = {y: (scheme_of_year(y) or scheme).unqualified_below for y in range(first_year, year + 1)}
    out = []
    for m in below:
        totals = {year: m.total}
        member_lines = {y: rules.prorated_line(lines[y], y, m.join_date) for y in lines}
        for y in range(first_year, year):
            if y in history[m.pk]:
                totals[y] = history[m.pk][y]
        run = rules.unqualified_run(totals, member_lines, year)
        out.append(Unqualified(m, m.total, member_lines[year], run, run >= scheme.leave_after_years))
    return out


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
