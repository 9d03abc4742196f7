"""The pure rules: pay to the fen (70/30 split, the secretary's 10% uplift, rounding half up at
each paid amount), grade bands at their bounds, and the three-quarters streak (exactly three
running; a gap or another grade breaks it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jiceng.cadres import rules

D = Decimal


def test_pay_to_the_fen_for_a_committee_member():
    # Income 18,000.00 → basis 36,000 (×1.00); monthly basic 36,000 × 70% ÷ 12 = 2,100.00;
    # performance at 85 points = 36,000 × 30% ÷ 4 × 0.85 = 2,295.00.
    pay = rules.pay(D("18000.00"), D("1.00"), 3, D("85"))
    assert pay.annual_basis == D("36000")
    assert pay.monthly_basic == D("2100.00")
    assert pay.quarter_basic == D("6300.00")
    assert pay.performance == D("2295.00")
    assert pay.total == D("8595.00")


def test_the_secretary_is_ten_percent_above():
    member = rules.pay(D("18000.00"), D("1.00"), 3, D("100"))
    secretary = rules.pay(D("18000.00"), D("1.10"), 3, D("100"))
    assert secretary.annual_basis == D("39600.0000")
    assert secretary.monthly_basic == D("2310.00") == member.monthly_basic * D("1.10")
    assert secretary.performance == D("2970.00") == member.performance * D("1.10")


def test_the_split_is_seventy_thirty_over_a_year_at_full_points():
    pay = rules.pay(D("18000.00"), D("1.00"), 3, D("100"))
    year_basic = pay.monthly_basic * 12
    year_performance = pay.performance * 4
    assert year_basic == D("25200.00") and year_performance == D("10800.00")
    assert year_basic + year_performance == pay.annual_basis
    # Rounded each month: 40,000 × 70% ÷ 12 = 2,333.333… is paid as 2,333.33, so the year's
    # basic pay is 27,999.96, four fen below 70% of the basis (the rule as stated in docs).
    assert rules.pay(D("20000.00"), D("1.00"), 3, D("100")).monthly_basic * 12 == D("27999.96")


def test_rounding_is_half_up_at_each_paid_amount():
    # Income 17,123.45 × 2 × 1.10 = 37,671.59 basis; × 70% ÷ 12 = 2,197.5094… → 2,197.51;
    # performance at 87.5: 37,671.59 × 30% ÷ 4 × 0.875 = 2,472.1980… → 2,472.20.
    pay = rules.pay(D("17123.45"), D("1.10"), 3, D("87.5"))
    assert pay.annual_basis == D("37671.5900")
    assert pay.monthly_basic == D("2197.51")
    assert pay.quarter_basic == D("6592.53")
    assert pay.performance == D("2472.20")
    assert pay.total == D("9064.73")
    # Exactly half a fen rounds up.
    assert rules.fen(D("0.005")) == D("0.01") and rules.fen(D("2.345")) == D("2.35")


def test_not_assessed_means_no_performance_pay_and_it_says_so():
    pay = rules.pay(D("18000.00"), D("1.00"), 2, None)
    assert pay.performance == D("0.00") and pay.total == D("4200.00")
    assert "未考核" in pay.explanation and "2100.00 元/月 × 2 个月" in pay.explanation


@given(
    income=st.decimals(min_value=1000, max_value=100000, places=2),
    points=st.decimals(min_value=0, max_value=100, places=2),
    secretary=st.booleans(),
)
def test_every_amount_is_in_fen_and_within_half_a_fen_of_the_exact_figure(income, points, secretary):
    coefficient = D("1.10") if secretary else D("1.00")
    pay = rules.pay(income, coefficient, 3, points)
    for amount in (pay.monthly_basic, pay.performance, pay.total):
        assert amount == amount.quantize(D("0.01"))
    basis = 2 * income * coefficient
    assert abs(pay.monthly_basic - basis * D("0.7") / 12) <= D("0.005")
    assert abs(pay.performance - basis * D("0.3") / 4 * points / 100) <= D("0.005")


def test_months_in_post():
    assert rules.months_in_post(date(2020, 1, 1), None, 2026, 3) == 3
    assert rules.months_in_post(date(2026, 8, 31), None, 2026, 3) == 2  # August and September
    assert rules.months_in_post(date(2020, 1, 1), date(2026, 7, 1), 2026, 3) == 1
    assert rules.months_in_post(date(2020, 1, 1), date(2026, 6, 30), 2026, 3) == 0
    assert rules.months_in_post(date(2026, 10, 1), None, 2026, 3) == 0


def test_grade_bands_include_their_bound():
    bands = (D(90), D(75), D(60))
    assert rules.grade(D("90"), *bands) == "excellent"
    assert rules.grade(D("89.99"), *bands) == "competent"
    assert rules.grade(D("75"), *bands) == "competent"
    assert rules.grade(D("74.99"), *bands) == "basic"
    assert rules.grade(D("60"), *bands) == "basic"
    assert rules.grade(D("59.99"), *bands) == "incompetent"


def run(*grades_by_quarter):
    return {(y, q): g for (y, q, g) in grades_by_quarter}


def test_three_running_reaches_the_streak_across_a_new_year():
    grades = run((2026, 3, "excellent"), (2026, 4, "excellent"), (2027, 1, "excellent"))
    assert rules.run_length(grades, 2027, 1, "excellent") == 3
    assert rules.streak_reached(grades, 2027, 1, "excellent")
    assert rules.quarters_text(2027, 1, 3) == "2026年第3季度、2026年第4季度、2027年第1季度"


def test_two_are_not_enough_and_a_fourth_raises_nothing_new():
    grades = run((2026, 1, "incompetent"), (2026, 2, "incompetent"), (2026, 3, "incompetent"), (2026, 4, "incompetent"))
    assert not rules.streak_reached(grades, 2026, 2, "incompetent")
    assert rules.streak_reached(grades, 2026, 3, "incompetent")
    assert not rules.streak_reached(grades, 2026, 4, "incompetent")


def test_a_gap_breaks_the_run():
    # Not assessed in 2026 Q2: Q1, Q3, Q4 are not three running.
    grades = run((2026, 1, "excellent"), (2026, 3, "excellent"), (2026, 4, "excellent"))
    assert rules.run_length(grades, 2026, 4, "excellent") == 2
    assert not rules.streak_reached(grades, 2026, 4, "excellent")


def test_another_grade_breaks_the_run_and_it_starts_again():
    grades = run(
        (2025, 1, "excellent"), (2025, 2, "excellent"), (2025, 3, "competent"),
        (2025, 4, "excellent"), (2026, 1, "excellent"), (2026, 2, "excellent"),
    )  # fmt: skip
    assert not rules.streak_reached(grades, 2025, 3, "excellent")
    assert rules.streak_reached(grades, 2026, 2, "excellent")


@given(st.lists(st.sampled_from(["excellent", "competent", None]), min_size=1, max_size=12))
def test_the_streak_is_three_trailing_equal_grades(sequence):
    grades = {divmod(8100 + i, 4): g for i, g in enumerate(sequence) if g}
    grades = {(y, q + 1): g for (y, q), g in grades.items()}
    year, q = divmod(8100 + len(sequence) - 1, 4)
    trailing = 0
    for g in reversed(sequence):
        if g != "excellent":
            break
        trailing += 1
    assert rules.run_length(grades, year, q + 1, "excellent") == trailing
    assert rules.streak_reached(grades, year, q + 1, "excellent") == (trailing == 3)


def test_quarters():
    assert rules.quarter_of(date(2026, 12, 7)) == (2026, 4)
    assert rules.quarter_end(2028, 1) == date(2028, 3, 31)
    assert rules.quarter_end(2026, 4) == date(2026, 12, 31)
    assert rules.parse_quarter("2026-q3") == (2026, 3)
    assert rules.parse_quarter("2026-Q5") is None and rules.parse_quarter("x") is None
    assert rules.quarter_is_over(2026, 3, date(2026, 10, 1))
    assert not rules.quarter_is_over(2026, 4, date(2026, 12, 31))
