"""Cadence rules at period boundaries (pure, no database)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.life import rules
from jiceng.life.queries import CommitteeEvent, OrgFacts, committee_spans

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
cadences = st.sampled_from(["weekly", "monthly", "quarterly", "yearly"])


@given(days, cadences)
def test_every_day_belongs_to_exactly_one_cadence_period(day, cadence):
    p = rules.cadence_period(cadence, day)
    assert day in p
    assert rules.cadence_period(cadence, p.start) == p == rules.cadence_period(cadence, p.end)
    assert rules.cadence_period(cadence, p.end + timedelta(days=1)).start == p.end + timedelta(days=1)


@given(days)
def test_last_day_of_a_quarter_counts_for_that_quarter(day):
    q = rules.quarter_of(day)
    assert rules.cadence_period("quarterly", q.end) == q
    assert rules.cadence_period("quarterly", q.end + timedelta(days=1)).start == q.end + timedelta(days=1)


@given(days, cadences, st.integers(min_value=0, max_value=10))
def test_late_exactly_after_the_period_end_plus_grace(day, cadence, grace):
    end = rules.cadence_period(cadence, day).end
    assert not rules.is_late(day, end + timedelta(days=grace), cadence, grace)
    assert rules.is_late(day, end + timedelta(days=grace + 1), cadence, grace)


@given(days, st.sampled_from(["month", "quarter", "year"]))
def test_windows_are_cut_into_whole_cadence_periods(day, kind):
    window = rules.window_of(kind, day)
    months = rules.cadence_periods("monthly", window)
    assert months[0].start == window.start and months[-1].end == window.end
    assert len(months) == {"month": 1, "quarter": 3, "year": 12}[kind]
    weeks = rules.cadence_periods("weekly", window)
    assert all(w.end in window for w in weeks)
    # Every week is judged in exactly one window: the one holding its Sunday.
    assert rules.cadence_periods("yearly", window) == ([window] if kind == "year" else [])


@given(days)
def test_owed_only_when_applicable_on_the_first_and_last_day(start):
    month = rules.month_of(start)
    owed = rules.is_owed(month, [(start, None)])
    assert owed == (start == month.start)
    assert rules.is_owed(rules.month_of(month.end + timedelta(days=1)), [(start, None)])
    # Ending on the last day keeps the period owed; ending the day before does not.
    assert rules.is_owed(month, [(month.start, month.end)])
    assert not rules.is_owed(month, [(month.start, month.end - timedelta(days=1))])


def test_parse_period():
    assert rules.parse_period("2026-Q4") == rules.Period(date(2026, 10, 1), date(2026, 12, 31), "quarter")
    assert rules.parse_period("2026-02").end == date(2026, 2, 28)
    assert rules.parse_period("2028-02").end == date(2028, 2, 29)
    assert rules.parse_period("2026").kind == "year"
    for bad in ("2026-13", "2026-Q5", "26", "x"):
        with pytest.raises(ValueError):
            rules.parse_period(bad)


@given(st.integers(min_value=0, max_value=9999), st.sampled_from(["", "-Q1", "-Q4", "-01", "-12"]))
def test_parse_period_refuses_years_outside_the_range(year, suffix):
    text = f"{year:04d}{suffix}"
    if rules.MIN_YEAR <= year <= rules.MAX_YEAR:
        p = rules.parse_period(text)
        assert p.start.year == year and p.code == text
        # Everything compliance does with a window stays inside `date`.
        for cadence in ("weekly", "monthly", "quarterly", "yearly"):
            rules.cadence_periods(cadence, p)
        assert rules.previous_window(p.kind, p.start).end < p.start
    else:
        with pytest.raises(ValueError, match="年份应在1921年到2100年之间"):
            rules.parse_period(text)


def test_parse_period_takes_ascii_digits_only():
    for bad in ("２０２６", "٢٠٢٦", "2026-Q²", "²026", "2026-0١"):
        with pytest.raises(ValueError, match="无法识别的期间"):
            rules.parse_period(bad)


def test_previous_window():
    assert rules.previous_window("quarter", date(2026, 1, 1)).code == "2025-Q4"
    assert rules.previous_window("month", date(2026, 3, 31)).code == "2026-02"


def _evaluate(held, today, spans=None):
    window = rules.parse_period("2026-Q1")
    return rules.evaluate_type(
        window, type_id=1, cadence="monthly", min_count=1, spans=spans or [(date.min, None)], held=held, today=today
    )


def test_status_met_late_missing_pending():
    r = _evaluate([rules.Held(date(2026, 1, 15), False), rules.Held(date(2026, 2, 1), True)], date(2026, 3, 10))
    assert [p.status for p in r.periods] == [rules.MET, rules.LATE, rules.PENDING]
    assert r.status == rules.LATE and r.missing == 0
    r = _evaluate([], date(2026, 4, 1))
    assert [p.status for p in r.periods] == [rules.MISSING] * 3
    assert r.missing == 3 and r.required == 3


def test_partial_first_month_is_not_owed():
    r = _evaluate([], date(2026, 4, 1), spans=[(date(2026, 2, 10), None)])
    assert [p.status for p in r.periods] == [rules.NOT_OWED, rules.NOT_OWED, rules.MISSING]
    assert r.required == 1


def test_score_counts_late_as_half_and_skips_pending():
    r = _evaluate([rules.Held(date(2026, 1, 15), False), rules.Held(date(2026, 2, 1), True)], date(2026, 3, 10))
    assert rules.score([r]) == 75.0
    assert rules.score([]) is None


def test_consecutive_missed_months():
    months = rules.months_between(date(2026, 1, 1), date(2026, 6, 30))
    seen = {"2026-01": True, "2026-02": False, "2026-03": False, "2026-04": False, "2026-05": False, "2026-06": False}
    assert rules.consecutive_missed(seen, months) == 5
    seen["2026-04"] = True
    assert rules.consecutive_missed(seen, months) == 2
    del seen["2026-06"]  # no meeting expected the member: the run ends
    assert rules.consecutive_missed(seen, months) == 0


FACTS = dict(id=1, path="0001", type="branch", domain="rural", founded_on=date(2020, 1, 1), term_start=date(2024, 3, 1))


def test_committee_history_from_the_flag_without_elections():
    assert committee_spans(OrgFacts(has_committee=True, **FACTS), []) == [(date(2024, 3, 1), None)]
    assert committee_spans(OrgFacts(has_committee=False, **FACTS), []) == []


def test_committee_history_from_elections():
    facts = OrgFacts(has_committee=True, **FACTS)
    events = [CommitteeEvent(date(2026, 6, 10), True), CommitteeEvent(date(2023, 1, 1), False)]
    assert committee_spans(facts, events) == [(date(2026, 6, 10), None)]
    events.append(CommitteeEvent(date(2027, 1, 1), False))
    assert committee_spans(facts, events) == [(date(2026, 6, 10), date(2026, 12, 31))]
    # A by-election presupposes a committee before it.
    assert committee_spans(facts, [CommitteeEvent(date(2026, 5, 1), True, by_election=True)]) == [(date.min, None)]
    # A renewal keeps the committee the organization had when it was approved.
    assert committee_spans(facts, [CommitteeEvent(date(2026, 6, 10), True, before=True)]) == [(date.min, None)]
    assert committee_spans(facts, [CommitteeEvent(date(2026, 6, 10), False, before=True)]) == [
        (date.min, date(2026, 6, 9))
    ]


def test_by_elections_neither_set_up_nor_end_a_committee():
    facts = OrgFacts(has_committee=True, **FACTS)
    renewal = CommitteeEvent(date(2024, 1, 10), True, before=False)
    # A by-election stored with the committee box unticked does not end the committee.
    unticked = CommitteeEvent(date(2026, 3, 5), False, by_election=True, before=True)
    assert committee_spans(facts, [renewal, unticked]) == [(date(2024, 1, 10), None)]
    # Nor does a by-election set one up where the renewal elected none.
    none = CommitteeEvent(date(2024, 1, 10), False, before=False)
    assert committee_spans(facts, [none, CommitteeEvent(date(2026, 3, 5), True, by_election=True, before=False)]) == []
