"""The statute as pure functions: every bracket boundary, amounts to the fen, months."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jiceng.dues import rules

FEN = Decimal("0.01")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=2)


@pytest.mark.parametrize(
    ("income", "rate", "amount"),
    [
        ("0.01", "0.005", "0.00"),  # rejected below: rounds to nothing
        ("2000", "0.005", "10.00"),
        ("3000", "0.005", "15.00"),
        ("3000.01", "0.01", "30.00"),
        ("4999.99", "0.01", "50.00"),
        ("5000", "0.01", "50.00"),
        ("5000.01", "0.015", "75.00"),
        ("6500", "0.015", "97.50"),
        ("10000", "0.015", "150.00"),
        ("10000.01", "0.02", "200.00"),
        ("12345.67", "0.02", "246.91"),
    ],
)
def test_employed_brackets_charge_the_whole_income(income, rate, amount):
    if amount == "0.00":
        with pytest.raises(rules.DuesRuleError):
            rules.monthly_dues("employed", income)
        return
    result = rules.monthly_dues("employed", income)
    assert result.rate == Decimal(rate)
    assert result.monthly_amount == Decimal(amount)
    assert str(result.monthly_amount) == amount  # two places, always


@pytest.mark.parametrize(
    ("income", "rate", "amount"),
    [("4000", "0.005", "20.00"), ("5000", "0.005", "25.00"), ("5000.01", "0.01", "50.00"), ("8000", "0.01", "80.00")],
)
def test_retired_brackets(income, rate, amount):
    result = rules.monthly_dues("retired", income)
    assert (result.rate, result.monthly_amount) == (Decimal(rate), Decimal(amount))


def expected_rate(category: str, income: Decimal) -> Decimal:
    if category == "retired":
        return Decimal("0.005") if income <= 5000 else Decimal("0.01")
    if income <= 3000:
        return Decimal("0.005")
    if income <= 5000:
        return Decimal("0.01")
    if income <= 10000:
        return Decimal("0.015")
    return Decimal("0.02")


@given(income=money, category=st.sampled_from(["employed", "retired", "other"]))
@example(income=Decimal("3000.00"), category="employed")
@example(income=Decimal("3000.01"), category="employed")
@example(income=Decimal("5000.00"), category="employed")
@example(income=Decimal("5000.01"), category="employed")
@example(income=Decimal("10000.00"), category="employed")
@example(income=Decimal("10000.01"), category="employed")
@example(income=Decimal("5000.00"), category="retired")
@example(income=Decimal("5000.01"), category="retired")
@example(income=Decimal("10000.01"), category="other")
def test_any_income_is_charged_at_its_bracket_to_the_fen(income, category):
    rate = expected_rate(category, income)
    exact = income * rate
    amount = exact.quantize(FEN, rounding=ROUND_HALF_UP)
    if amount == 0:
        with pytest.raises(rules.DuesRuleError):
            rules.monthly_dues(category, str(income))
        return
    result = rules.monthly_dues(category, str(income))
    assert result.rate == rate
    assert result.monthly_amount == amount
    assert result.monthly_amount.as_tuple().exponent == -2
    assert abs(result.monthly_amount - exact) <= Decimal("0.005")


@given(step=st.sampled_from([Decimal("3000"), Decimal("5000"), Decimal("10000")]), fen=st.integers(1, 99))
def test_one_fen_over_a_boundary_moves_to_the_next_bracket(step, fen):
    at = rules.monthly_dues("employed", step)
    over = rules.monthly_dues("employed", step + Decimal(fen) / 100)
    assert over.rate > at.rate
    # Not progressive: the next rate applies to the whole income, so the amount jumps.
    assert over.monthly_amount == ((step + Decimal(fen) / 100) * over.rate).quantize(FEN, rounding=ROUND_HALF_UP)
    assert over.monthly_amount > at.monthly_amount


@given(income=money)
def test_amount_never_decreases_with_income_within_a_bracket(income):
    more = income + FEN
    if expected_rate("employed", income) == expected_rate("employed", more) and income * Decimal("0.005") >= FEN:
        assert (
            rules.monthly_dues("employed", more).monthly_amount >= rules.monthly_dues("employed", income).monthly_amount
        )


def test_half_fen_rounds_up():
    # 4,999.50 × 1% = 49.995 → 50.00; 3,001.50 × 1% = 30.015 → 30.02
    assert rules.monthly_dues("employed", "4999.50").monthly_amount == Decimal("50.00")
    assert rules.monthly_dues("employed", "3001.50").monthly_amount == Decimal("30.02")
    assert rules.monthly_dues("employed", "1001").monthly_amount == Decimal("5.01")  # 5.005 → 5.01


def test_fixed_categories_and_farmer_range():
    for category in ("student", "unemployed", "relief"):
        assert rules.monthly_dues(category, "99999").monthly_amount == Decimal("0.20")
    farmer = rules.monthly_dues("farmer", farmer_default=Decimal("0.50"))
    assert farmer.monthly_amount == Decimal("0.50")
    assert (farmer.allowed_min, farmer.allowed_max) == (Decimal("0.20"), Decimal("1.00"))
    assert rules.monthly_dues("farmer", farmer_amount="1.00").monthly_amount == Decimal("1.00")
    assert rules.monthly_dues("farmer", farmer_amount="0.2").monthly_amount == Decimal("0.20")
    for bad in ("0.19", "1.01", "5"):
        with pytest.raises(rules.DuesRuleError) as exc:
            rules.monthly_dues("farmer", farmer_amount=bad)
        assert exc.value.field == "amount" and "0.20元至1.00元" in str(exc.value)


@pytest.mark.parametrize(
    ("category", "income", "field", "text"),
    [
        ("employed", None, "income", "请填写月收入"),
        ("employed", "", "income", "请填写月收入"),
        ("employed", "abc", "income", "应为数字"),
        ("employed", "-5", "income", "不能为负数"),
        ("employed", "0", "income", "须大于0"),
        ("employed", "3000.005", "income", "两位小数"),
        ("employed", "1e9", "income", "不能超过10,000,000元"),
        ("employed", "NaN", "income", "应为数字"),
        ("retired", "Infinity", "income", "应为数字"),
        ("worker", "3000", "category", "未知的党员类别"),
        ("", "3000", "category", "未知的党员类别"),
    ],
)
def test_bad_input_names_the_field_in_chinese(category, income, field, text):
    with pytest.raises(rules.DuesRuleError) as exc:
        rules.monthly_dues(category, income)
    assert exc.value.field == field
    assert text in str(exc.value)


def test_money_text_forms():
    assert rules.parse_money("3,000") == Decimal("3000.00")
    assert rules.parse_money(" 3000元 ") == Decimal("3000.00")
    assert rules.parse_money("3000.500") == Decimal("3000.50")


def test_basis_cites_the_statute_and_says_not_progressive():
    text = rules.monthly_dues("employed", "6500").basis
    assert "中组发〔2008〕3号" in text and "非超额累进" in text and "97.50" in text


def test_default_category_never_guesses_relief():
    assert rules.default_category("retired") == "retired"
    assert rules.default_category("farmer") == "farmer"
    assert rules.default_category("student") == "student"
    assert rules.default_category("unemployed") == "unemployed"
    assert rules.default_category("civil_servant") == "employed"
    assert rules.default_category("") == "employed"


# ---- months ------------------------------------------------------------------------------


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(-300, 300))
def test_add_months_and_months_between_agree(day, n):
    month = rules.month_start(day)
    other = rules.add_months(month, n)
    assert other.day == 1
    if n >= 0:
        assert rules.months_between(month, other) == n + 1
    else:
        assert rules.months_between(month, other) == 0


@pytest.mark.parametrize("raw", ["2026-11", "2026/11", "2026年11月", "202611", "2026-11-30", date(2026, 11, 30)])
def test_parse_month(raw):
    assert rules.parse_month(raw) == date(2026, 11, 1)


@pytest.mark.parametrize("raw", ["2026-13", "11月", "", None, "abc"])
def test_parse_month_rejects(raw):
    with pytest.raises(ValueError):
        rules.parse_month(raw)


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2026, 1, 1), date(2026, 3, 1)),
        (date(2026, 3, 31), date(2026, 3, 1)),
        (date(2026, 11, 25), date(2026, 12, 1)),
    ],
)
def test_quarter_end(day, end):
    assert rules.quarter_end(day) == end


def test_months_missed_counts_whole_months_up_to_last_month():
    start = date(2026, 1, 1)
    # On 1 July, June is the last whole month: paid through January → Feb–Jun = 5.
    assert rules.months_missed(last_covered=date(2026, 1, 1), start=start, today=date(2026, 7, 1)) == 5
    assert rules.months_missed(last_covered=date(2026, 1, 1), start=start, today=date(2026, 7, 31)) == 5
    assert rules.months_missed(last_covered=date(2026, 1, 1), start=start, today=date(2026, 8, 1)) == 6
    assert rules.months_missed(last_covered=None, start=start, today=date(2026, 1, 31)) == 0
    assert rules.months_missed(last_covered=None, start=start, today=date(2026, 2, 1)) == 1
    assert rules.months_missed(last_covered=date(2026, 6, 1), start=start, today=date(2026, 7, 5)) == 0
    # Nothing before the start (join month or ledger start) is counted.
    assert rules.months_missed(last_covered=None, start=date(2026, 5, 1), today=date(2026, 7, 5)) == 2


def test_payment_months_rules():
    join = date(2020, 1, 1)
    paid_on = date(2026, 11, 10)
    ok = rules.payment_month_errors(
        [date(2026, 11, 1), date(2026, 5, 1)], paid_on=paid_on, join_date=join, consent_months=set(), has_note=False
    )
    assert ok == []
    # Advance without consent: refused, naming article 12.
    errors = rules.payment_month_errors(
        [date(2026, 12, 1)], paid_on=paid_on, join_date=join, consent_months=set(), has_note=False
    )
    assert len(errors) == 1 and "第十二条" in errors[0] and "支部同意" in errors[0]
    # With consent: to the end of the quarter, not beyond.
    assert (
        rules.payment_month_errors(
            [date(2026, 12, 1)], paid_on=paid_on, join_date=join, consent_months={date(2026, 12, 1)}, has_note=False
        )
        == []
    )
    errors = rules.payment_month_errors(
        [date(2027, 1, 1)], paid_on=paid_on, join_date=join, consent_months={date(2027, 1, 1)}, has_note=False
    )
    assert "本季度末（2026年12月）" in errors[0]
    # Back payment: six months back is fine, seven needs a note.
    assert (
        rules.payment_month_errors(
            [date(2026, 5, 1)], paid_on=paid_on, join_date=join, consent_months=set(), has_note=False
        )
        == []
    )
    errors = rules.payment_month_errors(
        [date(2026, 4, 1)], paid_on=paid_on, join_date=join, consent_months=set(), has_note=False
    )
    assert "超过6个月" in errors[0]
    assert (
        rules.payment_month_errors(
            [date(2026, 4, 1)], paid_on=paid_on, join_date=join, consent_months=set(), has_note=True
        )
        == []
    )
    # Before joining: nothing is owed.
    errors = rules.payment_month_errors(
        [date(2026, 2, 1)], paid_on=paid_on, join_date=date(2026, 3, 20), consent_months=set(), has_note=True
    )
    assert "早于入党日期" in errors[0]
    # The join month itself is owed.
    assert (
        rules.payment_month_errors(
            [date(2026, 3, 1)], paid_on=paid_on, join_date=date(2026, 3, 31), consent_months=set(), has_note=True
        )
        == []
    )


def test_amount_rules():
    assert rules.amount_error(Decimal("15.00"), Decimal("15.00"), has_note=False) == ""
    assert "足额" in rules.amount_error(Decimal("14.99"), Decimal("15.00"), has_note=True)
    assert "备注" in rules.amount_error(Decimal("20.00"), Decimal("15.00"), has_note=False)
    assert rules.amount_error(Decimal("20.00"), Decimal("15.00"), has_note=True) == ""


def test_rate_percent():
    assert rules.rate_percent(2, 3) == Decimal("66.7")
    assert rules.rate_percent(1, 8) == Decimal("12.5")
    assert rules.rate_percent(0, 0) is None
    assert rules.rate_percent(3, 3) == Decimal("100.0")


@pytest.mark.parametrize(
    ("raw", "code"), [("EMPLOYED", "employed"), (" retired ", "retired"), ("在职", "employed"), ("低保", "relief")]
)
def test_categories_by_code_or_chinese_name(raw, code):
    assert rules.monthly_dues(raw, "3000").category == code
