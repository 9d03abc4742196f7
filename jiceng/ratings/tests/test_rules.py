"""The pure counting rules of member points: caps at the month and the year, deductions,
the order of events, the prorated line and the run of unqualified years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from jiceng.ratings import rules

LIFE = rules.Item(1, "life", D(3), cap_month=D(6))
DUES = rules.Item(2, "dues", D(2))
PLEDGE = rules.Item(3, "pledge", D(2), cap_year=D(12))
ABSENT = rules.Item(4, "absent", D(-2))


def ev(item, day, record, source="s"):
    return rules.Event(item, source, record, day, "x")


def test_monthly_cap_cuts_the_award_that_crosses_it_and_says_so():
    events = [ev(LIFE, date(2026, 3, d), d, "life") for d in (1, 2)] + [
        ev(DUES, date(2026, 3, 3), 9, "dues"),
        ev(rules.Item(5, "deed", D(4)), date(2026, 3, 4), 10, "deed"),
    ]
    lines = rules.count_month(events, D(10), {})
    assert [line.points for line in lines] == [D(3), D(3), D(2), D(2)]
    assert lines[-1].raw_points == D(4) and lines[-1].note == "本月积分已达上限"
    assert sum(line.points for line in lines) == D(10)


def test_item_month_cap():
    lines = rules.count_month([ev(LIFE, date(2026, 3, d), d) for d in (1, 2, 3)], D(10), {})
    assert [line.points for line in lines] == [D(3), D(3), D(0)]
    assert lines[2].note == "本项本月已达上限"


def test_yearly_cap_counts_the_earlier_months():
    lines = rules.count_month(
        [ev(PLEDGE, date(2026, 12, 1), 1), ev(PLEDGE, date(2026, 12, 2), 2)], D(10), {"pledge": D(11)}
    )
    assert [line.points for line in lines] == [D(1), D(0)]
    assert lines[0].note == "本项全年已达上限"
    # January starts a new year: nothing counted before.
    lines = rules.count_month([ev(PLEDGE, date(2027, 1, 1), 1)], D(10), {})
    assert lines[0].points == D(2)


def test_deductions_count_in_full_after_the_cap():
    events = [ev(rules.Item(5, "deed", D(4)), date(2026, 3, d), d, "deed") for d in (1, 2, 3)]
    events.append(ev(ABSENT, date(2026, 3, 4), 4, "absent"))
    lines = rules.count_month(events, D(10), {})
    assert sum(line.points for line in lines) == D(8)
    assert lines[-1].points == D(-2) and lines[-1].note == ""


def test_a_month_at_exactly_the_cap_is_not_cut():
    lines = rules.count_month([ev(rules.Item(5, "deed", D(5)), date(2026, 3, d), d) for d in (1, 2)], D(10), {})
    assert [line.points for line in lines] == [D(5), D(5)] and all(not line.note for line in lines)


@given(st.permutations(list(range(8))))
def test_the_order_events_arrive_in_does_not_matter(order):
    events = [ev(LIFE if n % 2 else DUES, date(2026, 3, 1 + n % 3), n, "life" if n % 2 else "dues") for n in range(8)]
    a = rules.count_month(events, D(10), {})
    b = rules.count_month([events[i] for i in order], D(10), {})
    assert [(x.event.record_id, x.points) for x in a] == [(x.event.record_id, x.points) for x in b]


def test_prorated_line():
    assert rules.prorated_line(D(60), 2026, date(2020, 5, 1)) == D(60)
    assert rules.prorated_line(D(60), 2026, None) == D(60)
    assert rules.prorated_line(D(60), 2026, date(2026, 10, 9)) == D(15)  # October–December
    assert rules.prorated_line(D(60), 2026, date(2026, 1, 31)) == D(60)


def test_unqualified_run_stops_at_a_qualified_or_missing_year():
    lines = {2024: D(60), 2025: D(60), 2026: D(60)}
    assert rules.unqualified_run({2024: D(10), 2025: D(59.9), 2026: D(0)}, lines, 2026) == 3
    assert rules.unqualified_run({2024: D(10), 2025: D(60), 2026: D(0)}, lines, 2026) == 1
    assert rules.unqualified_run({2025: D(10), 2026: D(0)}, lines, 2026) == 2
    assert rules.unqualified_run({2024: D(10), 2025: D(10), 2026: D(60)}, lines, 2026) == 0


def test_month_end():
    assert rules.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert rules.month_end(date(2026, 12, 1)) == date(2026, 12, 31)
