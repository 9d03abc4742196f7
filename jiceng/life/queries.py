"""Reads of organizational life shared by pages, API, exports, reminders and the command screen.

`compliance()` evaluates every organization of a subtree against the active activity types
for one window in a fixed number of queries (types, organizations, elections, grouped
records), whatever the size of the subtree; the roll-up to the level below happens in Python
along the materialized paths.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import BooleanField, Case, Count, DateField, F, Q, Sum, Value, When
from django.db.models.functions import Cast, TruncMonth

from jiceng.core.ranking import rank
from jiceng.core.scoping import path_q
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES, SEGMENT

from . import rules, summary
from .models import ActivityType, Attendance, MemberMonth, MemberYear, Record

EVALUATED_TYPES = tuple(BRANCH_TYPES) + ("group", "general_branch")
ORG_FIELDS = ("id", "path", "type", "domain", "founded_on", "has_committee", "term_start", "name", "parent_id")


@dataclass(frozen=True)
class OrgFacts:
    id: int
    path: str
    type: str
    domain: str
    founded_on: date | None
    has_committee: bool
    term_start: date | None
    name: str = ""
    parent_id: int | None = None


@dataclass(frozen=True)
class CommitteeEvent:
    """An approved election's effect on the committee, from its term start."""

    on: date
    has_committee: bool
    by_election: bool = False
    before: bool | None = None  # the organization's flag just before it was approved


def committee_spans(org: OrgFacts, events: list[CommitteeEvent]) -> list[rules.Span]:
    """When the organization had a committee, from its election history.

    With no election on record, the organization's own flag counts from its term start (or its
    founding). With elections on record, each approved renewal sets the state from its term
    start; a by-election (补选) fills seats and changes nothing (its "committee" box is not a
    decision to dissolve one). Before the first election, the state is the organization's flag
    as it was just before that election was approved; if that is not known, a committee is
    assumed only if the first election was a by-election with a committee (补选 fills seats of
    an existing committee)."""
    if not events:
        if not org.has_committee:
            return []
        return [(org.term_start or org.founded_on or date.min, None)]
    events = sorted(events, key=lambda e: e.on)
    spans: list[rules.Span] = []
    first = events[0]
    before = first.before if first.before is not None else (first.by_election and first.has_committee)
    start = date.min if before else None
    for e in events:
        if e.by_election:
            continue
        if e.has_committee and start is None:
            start = e.on
        elif not e.has_committee and start is not None:
            spans.append((start, e.on - timedelta(days=1)))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def type_matches(t: ActivityType, org: OrgFacts) -> bool:
    """The type is for this kind of organization (its type and domain), whatever the dates."""
    if t.domain and t.domain != org.domain:
        return False
    if t.applies_to == ActivityType.AppliesTo.GROUP:
        return org.type == "group"
    if t.applies_to == ActivityType.AppliesTo.GENERAL_BRANCH:
        return org.type == "general_branch"
    return org.type in BRANCH_TYPES


def applicable_spans(t: ActivityType, org: OrgFacts, events: list[CommitteeEvent]) -> list[rules.Span]:
    """When `org` owed activities of type `t` (empty: never)."""
    if not type_matches(t, org):
        return []
    exists: rules.Span = (org.founded_on or date.min, None)
    if t.applies_to != ActivityType.AppliesTo.BRANCH_WITH_COMMITTEE:
        return [exists]
    # Intersect the committee spans with the organization's existence.
    out = []
    for s, e in committee_spans(org, events):
        s = max(s, exists[0])
        if e is None or s <= e:
            out.append((s, e))
    return out


def committee_events(root_path: str) -> dict[int, list[CommitteeEvent]]:
    from jiceng.elections import queries as elections

    out: dict[int, list[CommitteeEvent]] = defaultdict(list)
    for org_id, start, has, by_election, before in elections.approved_terms(root_path):
        out[org_id].append(CommitteeEvent(start, has, by_election, before))
    return out


def has_committee_on(org: Organization, day: date) -> bool:
    facts = _facts(org)
    return rules.applicable_on(committee_spans(facts, committee_events(org.path).get(org.id, [])), day)


def _facts(org: Organization) -> OrgFacts:
    return OrgFacts(*(getattr(org, f) for f in ORG_FIELDS))


def active_types() -> list[ActivityType]:
    return list(ActivityType.objects.filter(is_active=True).order_by("order", "id"))


def types_for(org: Organization, day: date) -> list[ActivityType]:
    """Active types that apply to `org` on `day` (for the record form and the to-do page)."""
    events = committee_events(org.path).get(org.id, [])
    facts = _facts(org)
    return [t for t in active_types() if rules.applicable_on(applicable_spans(t, facts, events), day)]


def type_applies(t: ActivityType, org: Organization) -> bool:
    """Whether `t` can ever apply to `org` (its organization type and domain)."""
    return type_matches(t, _facts(org))


# ---- rosters -----------------------------------------------------------------------------


def roster_for(org: Organization, activity_type: ActivityType, day: date):
    """The members expected at an activity (decided in docs/decisions/0009).

    - ``subtree``: active members of the organization and of all its party groups;
    - ``direct``: active members attached to the organization itself (a group's members);
    - ``committee``: the committee elected by the latest approved renewal (换届) on or before the
      day (its seats linked to member records), failing that the organization's members with a
      post on record; plus whoever by-elections (补选) since that renewal seated."""
    active = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    if activity_type.roster == "direct":
        return active.filter(organization=org)
    if activity_type.roster == "committee":
        from jiceng.elections import queries as elections

        seated, filled = elections.committee_seats(org, day)
        committee = Q(organization=org) & ~Q(post="")
        if seated is not None and active.filter(pk__in=seated).exists():
            committee = Q(pk__in=seated)
        return active.filter(committee | Q(pk__in=filled))
    return active.filter(path_q("organization__path", org.path))


# ---- compliance --------------------------------------------------------------------------


@dataclass
class OrgResult:
    org: OrgFacts
    types: dict[int, rules.TypeResult] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        return rules.score(self.types.values())

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.types.values())

    @property
    def late(self) -> int:
        return sum(r.late for r in self.types.values())

    @property
    def status(self) -> str:
        return rules.worst(r.status for r in self.types.values())


@dataclass
class TypeTotals:
    required: int = 0
    held: int = 0
    late: int = 0
    missing: int = 0
    owing_orgs: int = 0
    missing_orgs: int = 0


@dataclass
class RowTotals:
    """One row of the compliance table: an organization of the level below and its subtree."""

    org: OrgFacts
    types: dict[int, TypeTotals] = field(default_factory=dict)
    done: float = 0.0
    judged: int = 0
    orgs_evaluated: int = 0
    orgs_missing: int = 0
    rank: int | None = None

    @property
    def score(self) -> float | None:
        return round(self.done * 100 / self.judged, 1) if self.judged else None

    @property
    def missing(self) -> int:
        return sum(t.missing for t in self.types.values())

    @property
    def late(self) -> int:
        return sum(t.late for t in self.types.values())


@dataclass
class Compliance:
    window: rules.Period
    types: list[ActivityType]
    results: dict[int, OrgResult]  # by organization id, organizations that owe anything


def _late_for_target(counts_for: dict[int, ActivityType], start: date, end: date):
    """Whether a record that also counts for another type was recorded late for THAT type.

    `Record.is_late` judges a record by its own type's cadence only: a yearly 书记讲党课 held
    on 20 March and recorded on 10 May is on time for the year, but late for the first
    quarter's 党课 it counts for. The flag for the target type is computed here from
    `recorded_on`, the target's cadence and its grace days (rules.is_late), as one CASE over the
    target's cadence periods between `start` and `end`, so that the grouped query stays one
    query."""
    whens = []
    for type_id, target in counts_for.items():
        day = start
        while day <= end:
            p = rules.cadence_period(target.cadence, day)
            whens.append(
                When(
                    activity_type_id=type_id,
                    held_on__gte=p.start,
                    held_on__lte=p.end,
                    recorded_on__gt=p.end + timedelta(days=target.grace_days),
                    then=Value(True),
                )
            )
            day = p.end + timedelta(days=1)
    if not whens:
        return Value(False, output_field=BooleanField())
    return Case(*whens, default=Value(False), output_field=BooleanField())


class _Judge:
    """One type's cadence periods in the window, and what is the same for every organization:
    the period a day (or a month's first day) falls in, which periods are owed from a founding
    day or within applicable spans, and the results already made (organizations with the same
    periods owed and the same counts share one frozen TypeResult)."""

    def __init__(self, t: ActivityType, window: rules.Period, today: date):
        self.type = t
        self.type_id = t.id
        self.today = today
        self.periods = rules.cadence_periods(t.cadence, window)
        self.size = len(self.periods)
        self.starts = [p.start for p in self.periods]
        self.no_counts = (0,) * (2 * self.size)
        self._day: dict[date | str, int | None] = {}
        self._owed_from: dict[int, tuple[bool, ...]] = {}
        self._owed_within: dict[tuple, tuple[bool, ...]] = {}
        self._results: dict[tuple, rules.TypeResult] = {}

    def period_of(self, day: date | str) -> int | None:
        """The index of the period holding `day` (a date, or ISO text as SQLite gives it), or None."""
        try:
            return self._day[day]
        except KeyError:
            as_date = date.fromisoformat(day[:10]) if isinstance(day, str) else day
            i = bisect_right(self.starts, as_date) - 1
            found = self._day[day] = i if i >= 0 and as_date <= self.periods[i].end else None
            return found

    def owed_from(self, founded_on: date | None) -> tuple[bool, ...]:
        """Owed or not per period, for a type owed from the founding (one span: `applicable_spans`
        for every rule but the committee's): owed from the first period starting on or after it."""
        first = bisect_left(self.starts, founded_on) if founded_on else 0
        owed = self._owed_from.get(first)
        if owed is None:
            owed = self._owed_from[first] = (False,) * first + (True,) * (self.size - first)
        return owed

    def owed_within(self, spans: list[rules.Span]) -> tuple[bool, ...]:
        """Owed or not per period, for these applicable spans (`rules.is_owed`)."""
        key = tuple(spans)
        owed = self._owed_within.get(key)
        if owed is None:
            owed = self._owed_within[key] = tuple(rules.is_owed(p, spans) for p in self.periods)
        return owed

    def result(self, owed: tuple[bool, ...], counts) -> rules.TypeResult:
        """`rules.evaluate_counts` for these periods owed and `counts` (held per period, then on
        time per period)."""
        key = (owed, tuple(counts))
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = rules.evaluate_counts(
                self.type_id,
                self.periods,
                min_count=self.type.min_count,
                owed=owed,
                held=counts[: self.size],
                on_time=counts[self.size :],
                today=self.today,
            )
        return found


def _held_counts(
    root_path: str, window: rules.Period, types: list[ActivityType], judges: dict[int, _Judge], org_ids=None
) -> dict[int, dict[int, list[int]]]:
    """type → org → the records held in each cadence period of the type in the window, then
    those on time in each; only organizations with a record inside a period are there. One
    grouped query per bucket size.

    Months are enough for monthly, quarterly and yearly cadences; weekly types (and types that
    count for a weekly one) are grouped by day. Each row counts the records of a bucket, those
    on time, and those on time for the type they also count for: such a record is counted for
    that type too, with its lateness judged by that type's rule (`_late_for_target`)."""
    by_id = {t.id: t for t in types}
    # type id → the active type it also counts for (a secretary's lecture → the party lecture)
    counts_for = {t.id: by_id[t.counts_for_id] for t in types if t.counts_for_id in by_id}
    weekly = {
        t.id for t in types if t.cadence == "weekly" or (t.id in counts_for and counts_for[t.id].cadence == "weekly")
    }
    start = window.start - timedelta(days=6)
    base = Record.objects.filter(
        path_q("organization__path", root_path),
        state__in=Record.HELD_STATES,
        held_on__gte=start,
        held_on__lte=window.end,
        activity_type_id__in=list(by_id),
    ).annotate(late_for_target=_late_for_target(counts_for, start, window.end))
    if org_ids is not None:
        base = base.filter(organization_id__in=org_ids)
    figures = {
        "n": Count("id"),
        "on_time": Count("id", filter=Q(is_late=False)),
        "on_time_for_target": Count("id", filter=Q(late_for_target=False)),
    }
    monthly = base.exclude(activity_type_id__in=weekly).annotate(bucket=Cast(TruncMonth("held_on"), DateField()))
    queries = [monthly.values_list("organization_id", "activity_type_id", "bucket").annotate(**figures)]
    if weekly:
        by_day = base.filter(activity_type_id__in=weekly)
        queries.append(by_day.values_list("organization_id", "activity_type_id", "held_on").annotate(**figures))
    # Where a type's records of a day count, worked out once per type and day: the period of
    # its own type, and that of the type it also counts for (on time by that type's rule); none
    # for a day before the window's first period (the days before it, for weekly types).
    places: dict[tuple, list[tuple[dict, int, int, bool]]] = {}
    out: dict[int, dict[int, list[int]]] = {t.id: {} for t in types}
    for qs in queries:
        for org_id, type_id, day, n, on_time, on_time_for_target in _raw_rows(qs):
            where = places.get((type_id, day))
            if where is None:
                where = places[(type_id, day)] = []
                targets = [(judges[type_id], False)]
                if type_id in counts_for:
                    targets.append((judges[counts_for[type_id].id], True))
                for judge, for_target in targets:
                    i = judge.period_of(day)
                    if i is not None:
                        where.append((out[judge.type_id], i, judge.size, for_target))
            for of_type, i, size, for_target in where:
                counts = of_type.get(org_id)
                if counts is None:
                    counts = of_type[org_id] = [0] * (2 * size)
                counts[i] += n
                counts[size + i] += on_time_for_target if for_target else on_time
    return out


def _raw_rows(qs) -> Iterator[tuple]:
    """The rows of a values_list queryset as the database driver gives them, one at a time: 80,000
    rows for a city's quarter, without the ORM's conversion of every value (an int for each COUNT,
    a date for each day, and on SQLite the day is text; `_Judge.period_of` reads both), and
    without keeping them all (fewer live objects for the garbage collector to walk)."""
    sql, params = qs.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor


def compliance(root_path: str, window: rules.Period, today: date, *, org_ids=None) -> Compliance:
    """Every organization under `root_path` (or only `org_ids`) that owes any active type.

    Each organization and type is judged by `rules.evaluate_counts`: what `rules.evaluate_type`
    does, with the records counted per period once, and what is the same for every organization
    worked out once per type (`_Judge`) or kind of organization (the types that match it)."""
    types = active_types()
    orgs_qs = Organization.objects.filter(path_q("path", root_path), type__in=EVALUATED_TYPES)
    if org_ids is not None:
        orgs_qs = orgs_qs.filter(pk__in=org_ids)
    orgs = [OrgFacts(*row) for row in orgs_qs.values_list(*ORG_FIELDS)]
    events = committee_events(root_path)
    judges = {t.id: _Judge(t, window, today) for t in types}
    held = _held_counts(root_path, window, types, judges, org_ids)
    judged = [judges[t.id] for t in types if judges[t.id].periods]
    kinds: dict[tuple[str, str], list[_Judge]] = {}
    committee = ActivityType.AppliesTo.BRANCH_WITH_COMMITTEE
    results: dict[int, OrgResult] = {}
    for org in orgs:
        kind = (org.type, org.domain)
        if kind not in kinds:
            kinds[kind] = [j for j in judged if type_matches(j.type, org)]
        result = None
        for judge in kinds[kind]:
            t = judge.type
            if t.applies_to == committee:
                owed = judge.owed_within(applicable_spans(t, org, events.get(org.id, [])))
            else:
                owed = judge.owed_from(org.founded_on)
            counts = held[t.id].get(org.id)
            if counts is None:
                if True not in owed:
                    continue  # not owed and nothing held: not judged
                counts = judge.no_counts
            if result is None:
                result = results[org.id] = OrgResult(org)
            result.types[t.id] = judge.result(owed, counts)
    return Compliance(window, types, results)


def compliance_table(root: Organization, window: rules.Period, today: date) -> tuple[list[RowTotals], Compliance]:
    """Rows for each child of `root` (its subtree rolled up), ranked by score (ties share a rank)."""
    data = compliance(root.path, window, today)
    children = [
        OrgFacts(*row) for row in Organization.objects.filter(parent=root).order_by("path").values_list(*ORG_FIELDS)
    ]
    rows = {c.path: RowTotals(c) for c in children}
    width = len(root.path) + SEGMENT
    met, late, missing = rules.MET, rules.LATE, rules.MISSING
    for result in data.results.values():
        row = rows.get(result.org.path[:width])
        if row is None:
            continue
        row.orgs_evaluated += 1
        org_missing = 0
        for type_id, r in result.types.items():
            # TypeResult's required, held, late and missing, in one pass over its periods.
            required = held = late_periods = type_missing = 0
            for p in r.periods:
                required += p.required
                held += p.held
                status = p.status
                if status == met:
                    row.judged += 1
                    row.done += 1
                elif status == late:
                    late_periods += 1
                    row.judged += 1
                    row.done += 0.5
                elif status == missing:
                    type_missing += max(0, p.required - p.held)
                    row.judged += 1
            tt = row.types.get(type_id)
            if tt is None:
                tt = row.types[type_id] = TypeTotals()
            tt.required += required
            tt.held += held
            tt.late += late_periods
            tt.missing += type_missing
            if required:
                tt.owing_orgs += 1
            if type_missing:
                tt.missing_orgs += 1
            org_missing += type_missing
        if org_missing:
            row.orgs_missing += 1
    ordered = list(rows.values())
    # Competition ranking: equal scores share a rank (1, 2, 2, 4); no score, no rank.
    ranks = rank([(r.org.path, r.score) for r in ordered])
    for r in ordered:
        r.rank = ranks[r.org.path]
    return ordered, data


def org_compliance(org: Organization, window: rules.Period, today: date) -> tuple[OrgResult | None, dict[int, list]]:
    """One organization's result and its records in the window, by period code (for drill-down)."""
    data = compliance(org.path, window, today, org_ids=[org.pk])
    result = data.results.get(org.pk)
    records = (
        Record.objects.filter(organization=org, held_on__gte=window.start - timedelta(days=6), held_on__lte=window.end)
        .select_related("activity_type__counts_for")
        .order_by("held_on", "id")
    )
    by_type: dict[int, list] = defaultdict(list)
    for rec in records:
        by_type[rec.activity_type_id].append(rec)
        target = rec.activity_type.counts_for
        if target is not None:
            # Listed under the type it counts for, marked late by that type's rule (as counted).
            counted = copy.copy(rec)
            if rec.held_on and rec.recorded_on:
                counted.is_late = rules.is_late(rec.held_on, rec.recorded_on, target.cadence, target.grace_days)
            by_type[target.id].append(counted)
    return result, by_type


# ---- attendance --------------------------------------------------------------------------


def held_records(qs, window: rules.Period):
    return qs.filter(state__in=Record.HELD_STATES, held_on__gte=window.start, held_on__lte=window.end)


def org_attendance(records) -> dict:
    """Totals over `records` (a queryset of held records)."""
    agg = records.aggregate(
        meetings=Count("id"),
        expected=Sum("expected_count"),
        present=Sum("present_count"),
        leave=Sum("leave_count"),
        absent=Sum("absent_count"),
    )
    agg = {k: v or 0 for k, v in agg.items()}
    agg["rate"] = rules.rate(agg["present"], agg["expected"])
    return agg


def _member_figures() -> dict:
    return {
        "expected": Count("id"),
        "present": Count("id", filter=Q(status=Attendance.Status.PRESENT)),
        "leave": Count("id", filter=Q(status=Attendance.Status.LEAVE)),
        "absent": Count("id", filter=Q(status=Attendance.Status.ABSENT)),
        "late": Count("id", filter=Q(late=True)),
        "early": Count("id", filter=Q(left_early=True)),
    }


FIGURES = tuple(_member_figures())


def member_attendance(records):
    """Per member over `records`: expected, present, leave, absent, late, left early, rate.
    Every member at once (the export); the page reads `member_attendance_rows` instead."""
    rows = (
        Attendance.objects.filter(record__in=records)
        .values("member_id", "member__name", "member__organization__name")
        .annotate(**_member_figures())
        .order_by("member__organization__name", "member__name", "member_id")
    )
    out = []
    for r in rows:
        r["rate"] = rules.rate(r["present"], r["expected"])
        out.append(r)
    return out


def covers_every_organization(root: Organization) -> bool:
    """No organization lies outside `root`'s subtree (the root of the whole tree)."""
    return not Organization.objects.exclude(root.subtree_filter()).exists()


def attended_members(records, window: rules.Period, *, whole_tree: bool):
    """Members with an attendance row in `records` (held records of `window`).

    With `whole_tree` (`records` are every held record of the window: the root of the whole tree,
    which every scope that reaches it sees whole) and a window of whole months within one year,
    from MemberYear: a member has a MemberMonth row for a month exactly when they were on the
    roster of a held record of that month (summary.counted), and MemberYear has the months of
    those rows as bits. One row per member and year, instead of the window's attendance."""
    mask = summary.window_mask(window.start, window.end) if whole_tree else None
    if mask is None:
        ids = Attendance.objects.filter(record__in=records).values("member_id")
    else:
        ids = (
            MemberYear.objects.filter(year=window.start.year)
            .alias(hit=F("months").bitand(mask))
            .exclude(hit=0)
            .values("member_id")
        )
    return Member.objects.filter(pk__in=ids)


class MemberAttendanceRows:
    """`member_attendance(records)` for a paginator: the same rows in the same order, computed
    per slice (issue 10: a city's year is 340,000 members).

    One grouped query counts `members` (those with attendance in `records`) per organization
    name, in the rows' order (organization name, member name, id); a slice then reads only the
    members under the names it spans, in that order, and counts their attendance in `records`."""

    def __init__(self, records, members):
        self.records = records
        self.members = members

    @cached_property
    def by_name(self) -> list[tuple[str, int]]:
        return list(
            self.members.values_list("organization__name").annotate(n=Count("id")).order_by("organization__name")
        )

    def count(self) -> int:
        return sum(n for _, n in self.by_name)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("MemberAttendanceRows takes slices only")
        start, stop, _ = key.indices(self.count())
        if start >= stop:
            return []
        # The names whose members hold rows start..stop, and the row their first member holds.
        names, first, seen = [], 0, 0
        for name, n in self.by_name:
            if seen >= stop:
                break
            if seen + n > start:
                if not names:
                    first = seen
                names.append(name)
            seen += n
        page = list(
            self.members.filter(organization__name__in=names)
            .order_by("organization__name", "name", "id")
            .values_list("id", "name", "organization__name")[start - first : stop - first]
        )
        figures = {
            r["member_id"]: r
            for r in Attendance.objects.filter(record__in=self.records, member_id__in=[p[0] for p in page])
            .values("member_id")
            .annotate(**_member_figures())
            .order_by()
        }
        out = []
        for member_id, name, org_name in page:
            f = figures.get(member_id) or dict.fromkeys(FIGURES, 0)
            row = {"member_id": member_id, "member__name": name, "member__organization__name": org_name}
            row.update((k, f[k]) for k in FIGURES)
            row["rate"] = rules.rate(row["present"], row["expected"])
            out.append(row)
        return out


def member_attendance_rows(root: Organization, records, window: rules.Period) -> MemberAttendanceRows:
    """The page's rows of `member_attendance(records)`, where `records` are the held records of
    `window` in `root`'s subtree (as `visible` gives them to anyone whose scope reaches `root`)."""
    members = attended_members(records, window, whole_tree=covers_every_organization(root))
    return MemberAttendanceRows(records, members)


def months_without_life(members, today: date) -> dict[int, int]:
    """Six-month watch source: consecutive whole months up to the end of last month in which
    the member was on the roster of at least one held meeting and attended none (present or on
    leave both count as taking part: leave is a proper reason).

    Read from the monthly summary (MemberMonth, equal to the records): a run starts with last
    month, so only members who missed last month are looked at (the partial index on missed
    months), then their missed months of the last twelve (a month they took part in and a month
    with no row both end the run, so only the missed rows are read). Two queries; neither grows
    with the years of records."""
    last = rules.month_of(today).start - timedelta(days=1)
    months = rules.months_between(rules.add_months_start(last, -11), last)
    last_month = months[-1].start
    missed_last_month = MemberMonth.objects.filter(member__in=members, month=last_month, took_part=0).values(
        "member_id"
    )
    code_of = {p.start: p.code for p in months}
    seen: dict[int, dict[str, bool]] = defaultdict(dict)
    for member_id, month in MemberMonth.objects.filter(
        member_id__in=missed_last_month, month__gte=months[0].start, month__lte=last_month, took_part=0
    ).values_list("member_id", "month"):
        seen[member_id][code_of[month]] = False
    out = {}
    for member_id, by_month in seen.items():
        run = rules.consecutive_missed(by_month, months)
        if run:
            out[member_id] = run
    return out
