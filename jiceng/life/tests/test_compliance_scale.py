"""The compliance evaluation at city scale (issue 10) gives exactly what the evaluation it replaced
gave: that code is kept below as it was (every organization × type through `rules.evaluate_type`
with a list of Held per pair), and both are run on the demo for several roots and windows, with
a weekly type, a type that counts for it, a type of one domain and the committee history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncMonth
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.ranking import rank
from jiceng.core.scoping import path_q
from jiceng.life import queries, rules
from jiceng.life.models import ActivityType, Record
from jiceng.life.queries import (
    EVALUATED_TYPES,
    ORG_FIELDS,
    Compliance,
    OrgFacts,
    OrgResult,
    RowTotals,
    TypeTotals,
    _late_for_target,
    active_types,
    applicable_spans,
    committee_events,
    type_matches,
)

# ---- the evaluation as it was before issue 10 -------------------------------------------------
from jiceng.life.testing import demo_roots
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT


def held_buckets_before(root_path: str, window: rules.Period, types: list[ActivityType], org_ids=None):
    """(org, type) → list of Held, one per record, from one grouped query per bucket size.

    Months are enough for monthly, quarterly and yearly cadences; weekly types (and types that
    count for a weekly one) are grouped by day. Each Held stands for `n` records with the same
    bucket and lateness. A record of a type that counts for another is counted for that type
    too, with its lateness judged by that type's rule (`_late_for_target`)."""
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
    out: dict[tuple[int, int], list[rules.Held]] = defaultdict(list)
    monthly = (
        base.exclude(activity_type_id__in=weekly)
        .annotate(bucket=TruncMonth("held_on"))
        .values_list("organization_id", "activity_type_id", "bucket", "is_late", "late_for_target")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = list(monthly)
    if weekly:
        rows += list(
            base.filter(activity_type_id__in=weekly)
            .values_list("organization_id", "activity_type_id", "held_on", "is_late", "late_for_target")
            .annotate(n=Count("id"))
            .order_by()
        )
    for org_id, type_id, bucket, late, late_for_target, n in rows:
        day = bucket.date() if hasattr(bucket, "date") else bucket
        out[(org_id, type_id)].append(rules.Held(day, late, n))
        if type_id in counts_for:
            out[(org_id, counts_for[type_id].id)].append(rules.Held(day, bool(late_for_target), n))
    return out


def compliance_before(root_path: str, window: rules.Period, today: date, *, org_ids=None) -> Compliance:
    """Every organization under `root_path` (or only `org_ids`) that owes any active type."""
    types = active_types()
    orgs_qs = Organization.objects.filter(path_q("path", root_path), type__in=EVALUATED_TYPES)
    if org_ids is not None:
        orgs_qs = orgs_qs.filter(pk__in=org_ids)
    orgs = [OrgFacts(*row) for row in orgs_qs.values_list(*ORG_FIELDS)]
    events = committee_events(root_path)
    held = held_buckets_before(root_path, window, types, org_ids)
    periods = {t.id: rules.cadence_periods(t.cadence, window) for t in types}
    results: dict[int, OrgResult] = {}
    for org in orgs:
        result = OrgResult(org)
        for t in types:
            if not periods[t.id] or not type_matches(t, org):
                continue
            spans = applicable_spans(t, org, events.get(org.id, []))
            r = rules.evaluate_type(
                window,
                type_id=t.id,
                cadence=t.cadence,
                min_count=t.min_count,
                spans=spans,
                held=held.get((org.id, t.id), []),
                today=today,
                periods=periods[t.id],
            )
            if any(p.status != rules.NOT_OWED for p in r.periods) or r.held:
                result.types[t.id] = r
        if result.types:
            results[org.id] = result
    return Compliance(window, types, results)


def compliance_table_before(
    root: Organization, window: rules.Period, today: date
) -> tuple[list[RowTotals], Compliance]:
    """Rows for each child of `root` (its subtree rolled up), ranked by score (ties share a rank)."""
    data = compliance_before(root.path, window, today)
    children = [
        OrgFacts(*row) for row in Organization.objects.filter(parent=root).order_by("path").values_list(*ORG_FIELDS)
    ]
    rows = {c.path: RowTotals(c) for c in children}
    width = len(root.path) + SEGMENT
    for result in data.results.values():
        row = rows.get(result.org.path[:width])
        if row is None:
            continue
        row.orgs_evaluated += 1
        if result.missing:
            row.orgs_missing += 1
        for type_id, r in result.types.items():
            tt = row.types.setdefault(type_id, TypeTotals())
            tt.required += r.required
            tt.held += r.held
            tt.late += r.late
            tt.missing += r.missing
            if r.required:
                tt.owing_orgs += 1
            if r.missing:
                tt.missing_orgs += 1
            for p in r.periods:
                if p.status in (rules.MET, rules.LATE, rules.MISSING):
                    row.judged += 1
                    row.done += 1 if p.status == rules.MET else 0.5 if p.status == rules.LATE else 0
    ordered = list(rows.values())
    # Competition ranking: equal scores share a rank (1, 2, 2, 4); no score, no rank.
    ranks = rank([(r.org.path, r.score) for r in ordered])
    for r in ordered:
        r.rank = ranks[r.org.path]
    return ordered, data


# ---- the comparison --------------------------------------------------------------------------

WINDOWS = ("2026", "2026-Q1", "2026-Q3", "2026-Q4", "2026-11", "2026-10", "2026-02", "2025", "2025-Q4")


def assert_same(today: date) -> int:
    judged = 0
    for root in demo_roots():
        for code in WINDOWS:
            window = rules.parse_period(code)
            assert queries.compliance(root.path, window, today) == compliance_before(root.path, window, today)
            rows, data = queries.compliance_table(root, window, today)
            assert (rows, data) == compliance_table_before(root, window, today), (root.name, code)
            judged += sum(len(r.types) for r in data.results.values())
    org = demo_roots()[3]
    for code in WINDOWS:
        window = rules.parse_period(code)
        assert queries.compliance(org.path, window, today, org_ids=[org.pk]) == compliance_before(
            org.path, window, today, org_ids=[org.pk]
        )
    return judged


def test_compliance_equals_the_evaluation_it_replaced(demo):
    assert queries.committee_events(demo_roots()[0].path), "the demo has a committee history"
    assert assert_same(demo) > 1000
    assert assert_same(date(2027, 2, 1)) > 1000  # every period of 2026 over
    assert assert_same(date(2026, 7, 1)) > 1000  # the third quarter still to come


def test_weekly_domain_and_counted_types_equal_too(demo):
    """A weekly type with grace days, a type counting for it, a type for one domain only with a
    minimum of two, and a type whose founding rule starts mid-window."""
    weekly = ActivityType.objects.create(
        code="weekly_study", name="每周学习", cadence="weekly", applies_to="branch", grace_days=2, order=90
    )
    ActivityType.objects.filter(code="themed_day").update(counts_for=weekly)
    ActivityType.objects.create(
        code="pairing", name="结对共建", cadence="monthly", applies_to="branch", domain="rural", min_count=2, order=91
    )
    branches = list(Organization.objects.filter(type="branch").order_by("path")[:12])
    for i, org in enumerate(branches):
        for k in range(10):
            day = date(2026, 6, 22) + timedelta(days=9 * k + i)
            Record.objects.create(
                organization=org,
                activity_type=weekly,
                state="recorded",
                held_on=day,
                recorded_on=day + timedelta(days=(k + i) % 12),
                is_late=rules.is_late(day, day + timedelta(days=(k + i) % 12), "weekly", 2),
                topic="学习",
            )
    # Founded mid-week, on the first day of a quarter, and on a Monday.
    for orgs, day in (
        (branches[:2], date(2026, 8, 12)),
        (branches[2:4], date(2026, 7, 1)),
        (branches[4:6], date(2026, 8, 10)),
    ):
        Organization.objects.filter(pk__in=[o.pk for o in orgs]).update(founded_on=day)
    assert assert_same(date(2026, 11, 18)) > 1000


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=13),
    st.integers(1, 3),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 1, 31)),
)
def test_evaluate_counts_equals_evaluate_type(per_period, min_count, founded):
    """Held and on-time counts per period give what a list of Held gives."""
    window = rules.parse_period("2026")
    periods = rules.cadence_periods("monthly", window)[: len(per_period)]
    per_period = per_period[: len(periods)]
    held = []
    for p, (on_time, late) in zip(periods, per_period, strict=True):
        held += [rules.Held(p.start, False, on_time), rules.Held(p.end, True, late)]
    spans = [(founded, None)]
    today = date(2026, 6, 15)
    before = rules.evaluate_type(
        window, type_id=1, cadence="monthly", min_count=min_count, spans=spans, held=held, today=today, periods=periods
    )
    after = rules.evaluate_counts(
        1,
        periods,
        min_count=min_count,
        owed=[rules.is_owed(p, spans) for p in periods],
        held=[a + b for a, b in per_period],
        on_time=[a for a, _ in per_period],
        today=today,
    )
    assert after == before
