"""Boundaries of the letter rules and of political birthdays (pure functions)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jiceng.members import rules as member_rules
from jiceng.orgs.rules import add_months
from jiceng.transfers import rules

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def test_default_validity_does_not_count_the_issue_day():
    # 《民法典》第201条: a 30-day period starting on 1 March ends at 24:00 on 31 March.
    assert rules.default_valid_until(date(2026, 3, 1), 30) == date(2026, 3, 31)


def test_three_months_from_month_end():
    assert rules.latest_valid_until(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.latest_valid_until(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert rules.latest_valid_until(date(2026, 1, 31), 1) == date(2026, 2, 28)


@given(issued=days, months=st.integers(min_value=1, max_value=6))
def test_validity_up_to_and_including_the_maximum(issued, months):
    today = issued + timedelta(days=1000)
    latest = add_months(issued, months)
    assert rules.validity_errors(issued, latest, today, months) == {}
    errors = rules.validity_errors(issued, latest + timedelta(days=1), today, months)
    assert f"最长{months}个月" in errors["valid_until"] and f"{latest:%Y-%m-%d}" in errors["valid_until"]
    assert rules.validity_errors(issued, issued, today, months) == {}
    assert "早于" in rules.validity_errors(issued, issued - timedelta(days=1), today, months)["valid_until"]


@given(issued=days, valid=st.integers(min_value=0, max_value=90))
def test_reporting_on_the_last_valid_day_is_in_time(issued, valid):
    valid_until = issued + timedelta(days=valid)
    today = valid_until + timedelta(days=30)
    assert rules.reporting_errors(issued, valid_until, valid_until, today) == {}
    assert rules.reporting_errors(issued, valid_until, issued, today) == {}
    late = rules.reporting_errors(issued, valid_until, valid_until + timedelta(days=1), today)["on"]
    assert f"已于{valid_until:%Y-%m-%d}过期" in late and "组通字〔2006〕45号" in late
    assert "早于" in rules.reporting_errors(issued, valid_until, issued - timedelta(days=1), today)["on"]
    assert "晚于今天" in rules.reporting_errors(issued, valid_until, today + timedelta(days=1), today)["on"]


@given(valid_until=days, receipt=st.integers(min_value=0, max_value=3))
def test_out_of_county_due_after_the_receipt_period(valid_until, receipt):
    assert rules.due_on("within", valid_until, receipt) == valid_until
    assert rules.due_on("in", valid_until, receipt) == valid_until
    assert rules.due_on("out", valid_until, receipt) == add_months(valid_until, receipt)


def days_off(raw: date, run: int):
    off = {raw + timedelta(days=i) for i in range(run)}

    def roll(day: date) -> date:
        while day in off:
            day += timedelta(days=1)
        return day

    return roll, raw + timedelta(days=run)


@given(issued=days, valid=st.integers(min_value=0, max_value=90), run=st.integers(min_value=0, max_value=9))
def test_a_validity_ending_on_a_holiday_runs_to_the_next_working_day(issued, valid, run):
    """民法典第二百零三条: the letter's last day, if a holiday or rest day, moves to the next working day."""
    valid_until = issued + timedelta(days=valid)
    roll, last = days_off(valid_until, run)
    today = last + timedelta(days=30)
    assert rules.last_report_day(valid_until, roll) == last
    assert rules.reporting_errors(issued, valid_until, last, today, roll) == {}
    late = rules.reporting_errors(issued, valid_until, last + timedelta(days=1), today, roll)["on"]
    assert ("顺延至" in late) == (run > 0) and "组通字〔2006〕45号" in late
    assert rules.due_on("within", valid_until, 1, roll) == rules.due_on("in", valid_until, 1, roll) == last
    assert rules.days_left(valid_until, last, roll) == 1


@given(valid_until=days, receipt=st.integers(min_value=1, max_value=3), run=st.integers(min_value=0, max_value=9))
def test_the_receipt_period_runs_from_the_last_report_day_and_rolls_too(valid_until, receipt, run):
    roll_report, last = days_off(valid_until, run)
    receipt_end = add_months(last, receipt)
    off = {valid_until + timedelta(days=i) for i in range(run)} | {receipt_end, receipt_end + timedelta(days=1)}

    def roll(day: date) -> date:
        while day in off:
            day += timedelta(days=1)
        return day

    assert rules.due_on("out", valid_until, receipt, roll) == roll(receipt_end) >= receipt_end


def test_the_cap_on_the_validity_does_not_roll():
    # 30 November + 3 months = 28 February: the most an issuer may write, whatever the weekday.
    assert rules.latest_valid_until(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_extension_rules():
    old = date(2026, 3, 31)
    today = date(2026, 4, 10)
    assert rules.extension_errors(old, date(2026, 7, 10), today, today, 3) == {}
    assert "最长3个月" in rules.extension_errors(old, date(2026, 7, 11), today, today, 3)["valid_until"]
    assert "须晚于原有效期" in rules.extension_errors(old, old, today, today, 3)["valid_until"]
    assert "不能早于今天" in rules.extension_errors(old, date(2026, 4, 9), today, today, 3)["valid_until"]
    assert "晚于今天" in rules.extension_errors(old, date(2026, 5, 1), date(2026, 4, 11), today, 3)["reissued_on"]


def test_days_left():
    assert rules.days_left(date(2026, 3, 31), date(2026, 3, 31)) == 1
    assert rules.days_left(date(2026, 3, 31), date(2026, 4, 1)) == 0
    assert rules.days_left(date(2026, 3, 31), date(2026, 3, 1)) == 31


# ---- political birthdays --------------------------------------------------------------


def test_leap_day_join_date():
    joined = date(2012, 2, 29)
    assert member_rules.political_birthday(joined, 2026) == date(2026, 2, 28)
    assert member_rules.political_birthday(joined, 2028) == date(2028, 2, 29)
    assert member_rules.political_birthday(joined, 2012) is None


@given(joined=days, later=st.integers(min_value=1, max_value=60))
def test_anniversary_stays_in_the_join_month(joined, later):
    year = joined.year + later
    day = member_rules.political_birthday(joined, year)
    assert day.year == year and day.month == joined.month
    assert day.day == joined.day or (joined.month, joined.day, day.day) == (2, 29, 28)
    assert member_rules.political_birthday(joined, joined.year) is None


def test_party_age_counts_from_full_membership():
    assert member_rules.party_age(None, date(2026, 5, 1)) is None
    assert member_rules.party_age(date(2016, 5, 2), date(2026, 5, 1)) == 9
    assert member_rules.party_age(date(2016, 5, 1), date(2026, 5, 1)) == 10


def test_month_bounds():
    assert member_rules.month_bounds(2028, 2) == (date(2028, 2, 1), date(2028, 2, 29))
    assert member_rules.month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))


@given(days, st.integers(min_value=0, max_value=12), st.integers(0, 12), st.integers(0, 12))
def test_the_receipt_period_is_read_back_from_the_due_date(valid_until, months, first_shift, last_shift):
    """Whatever the holidays moved (each end by up to 12 days), the stored due date gives back the
    receipt period the letter was issued with."""
    shifts = iter([first_shift, last_shift])

    def roll(day):
        return day + timedelta(days=next(shifts))

    due = rules.due_on("out", valid_until, months, roll)
    assert rules.receipt_months_of(valid_until, due) == months
