"""Extreme and malformed numbers never make a server error: the calculator (page and API),
the Excel import, the payment form and the ledger API's year and month filters answer with a
400 or a form error in Chinese that names the bound."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jiceng.dues import imports, rules, services
from jiceng.dues.models import DuesImportBatch, DuesPayment
from jiceng.dues.testing import at
from jiceng.dues.tests.test_api import api, calc
from jiceng.dues.tests.test_import import HEADER, workbook

pytestmark = pytest.mark.django_db

HUGE = ["1e30", "1E+30", "9" * 40, "10000000.01", "1e999999", "1" + "0" * 400]


@pytest.mark.parametrize("income", HUGE)
def test_calculator_api_refuses_a_huge_income_naming_the_bound(county, income):
    response = calc(api(county.member_user), category="employed", income=income)
    assert response.status_code == 400
    assert "不能超过10,000,000元" in response.json()["income"][0]


@pytest.mark.parametrize("amount", ["1e30", "1000000000", "1.001"])
def test_calculator_api_refuses_a_huge_farmer_amount(county, amount):
    response = calc(api(county.member_user), category="farmer", amount=amount)
    assert response.status_code == 400
    assert response.json()["amount"][0]


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"category": "employed", "income": "1e30"}, "不能超过10,000,000元"),
        ({"category": "retired", "income": "9" * 40}, "不能超过10,000,000元"),
        ({"category": "farmer", "amount": "1e30"}, "0.20元至1.00元"),
        ({"category": "employed", "income": "1e-30"}, "两位小数"),
    ],
)
def test_calculator_page_shows_a_form_error(county, client_as, params, text):
    c = client_as(county.member_user)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = c.get(reverse("dues:calculator"), params, **headers)
        assert response.status_code == 200
        assert text in response.content.decode()


def test_import_refuses_a_huge_amount_naming_row_and_column(dues):
    rows = [
        [dues.zhang.pk, "张三", "2026-03", 50, "2026-03-05"],
        [dues.li.pk, "李四", "2026-03", 1e30, "2026-03-05"],  # row 3
        [dues.wang.pk, "王五", "2026-03", "1e30", "2026-03-05"],  # row 4, as text
    ]
    with at(2026, 3, 20):
        outcome = imports.run_import(workbook(rows, HEADER[:5]), actor=dues.county.secretary_a)
    assert not outcome.ok
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "实交金额（元）"), (4, "实交金额（元）")]
    assert "实交金额不能超过1,000,000元" in str(outcome.errors[0])
    assert not DuesPayment.objects.exists() and not DuesImportBatch.objects.exists()


def test_import_survives_huge_ids_months_and_dates(dues):
    rows = [
        ["9" * 30, "张三", "2026-03", 50, "2026-03-05"],  # 2: an id no database holds
        ["²", "张三", "2026-03", 50, "2026-03-05"],  # 3: a digit Python cannot read as a number
        [dues.zhang.pk, "张三", "9" * 30 + "-01", 50, "2026-03-05"],  # 4: year overflow
        [dues.zhang.pk, "张三", "2026-03", 50, "9" * 30 + "-01-01"],  # 5: date overflow
        [dues.zhang.pk, "张三", "1900-01", 50, "2026-03-05"],  # 6: before the regulation
    ]
    with at(2026, 3, 20):
        outcome = imports.run_import(workbook(rows, HEADER[:5]), actor=dues.county.secretary_a)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "党员编号"),
        (3, "党员编号"),
        (4, "所属月份"),
        (5, "交纳日期"),
        (6, "所属月份"),
    ]
    assert not DuesPayment.objects.exists()


YEARS_AND_IDS = [
    ({"year": "99999"}, "year"),
    ({"year": "0"}, "year"),
    ({"year": "-1"}, "year"),
    ({"year": "1e30"}, "year"),
    ({"year": "2026.5"}, "year"),
    ({"year": "2007"}, "year"),
    ({"member": "1e30"}, "member"),
    ({"member": "99999999999999999999"}, "member"),
    ({"organization": "1e30"}, "organization"),
]
MONTHS = [({"month": "99999-01"}, "month"), ({"month": "9" * 30 + "-01"}, "month"), ({"month": "2026-13"}, "month")]


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [("dues-payment-list", p, f) for p, f in YEARS_AND_IDS + MONTHS]
    + [("dues-base-list", p, f) for p, f in YEARS_AND_IDS],
)
def test_ledger_api_filters_answer_400_out_of_range(dues, name, params, field):
    with at(2026, 3, 20):
        response = api(dues.county.admin_a).get(reverse(name), params)
    assert response.status_code == 400, response.content
    message = " ".join(response.json()[field])
    if field == "year":
        assert "2008" in message and "2027" in message


def test_ledger_api_year_filter_still_works(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.li, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 2))
        response = api(dues.county.admin_a).get(reverse("dues-payment-list"), {"year": "2026"})
        before = api(dues.county.admin_a).get(reverse("dues-payment-list"), {"year": "2025"})
    assert response.status_code == 200
    assert [(p["member_name"], p["month"]) for p in response.json()["results"]] == [("李四", "2026-03")]
    assert before.status_code == 200 and before.json()["count"] == 0


def test_detail_with_a_huge_id_is_not_found(dues):
    response = api(dues.county.admin_a).get(f"{reverse('dues-payment-list')}{'9' * 30}/")
    assert response.status_code == 404


@pytest.mark.parametrize("year", ["1" * 30, "-1", "0", "99999"])
def test_completion_api_refuses_out_of_range_years(dues, year):
    with at(2026, 3, 20):
        response = api(dues.county.admin_a).get(reverse("dues-completion"), {"year": year, "month": "1"})
    assert response.status_code == 400
    assert "2008" in str(response.json())


@pytest.mark.parametrize("year", ["99999", "0", "1" * 30])
def test_pages_with_out_of_range_years_fall_back_to_this_year(dues, client_as, year):
    c = client_as(dues.county.secretary_a)
    with at(2026, 3, 20):
        for url in (
            reverse("dues:member", args=[dues.zhang.pk]),
            reverse("dues:base", args=[dues.zhang.pk]),
            reverse("dues:bases"),
            reverse("dues:ledger"),
        ):
            response = c.get(url, {"year": year})
            assert response.status_code == 200, url
            assert response.context["year"] == 2026, url


@pytest.mark.parametrize("month", ["9" * 30 + "-01", "9999-12", "0-1"])
def test_import_template_with_an_out_of_range_month_uses_this_month(dues, client_as, month):
    with at(2026, 3, 20):
        response = client_as(dues.county.secretary_a).get(reverse("dues:import_template"), {"month": month})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert sorted((r[1], r[2]) for r in rows) == [("张三", "2026-03"), ("李四", "2026-03"), ("王五", "2026-03")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_month": "2026-03", "amount": "1e30"}, "amount"),
        ({"first_month": "2026-03", "amount": "9" * 40}, "amount"),
        ({"first_month": "9" * 30 + "-01"}, "first_month"),
        ({"first_month": "2026-03", "last_month": "9999-12"}, "last_month"),
    ],
)
def test_payment_form_refuses_extreme_input(dues, client_as, data, field):
    with at(2026, 3, 20):
        response = client_as(dues.county.secretary_a).post(
            reverse("dues:pay", args=[dues.zhang.pk]), {"paid_on": "2026-03-20", "method": "cash", **data}
        )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not DuesPayment.objects.exists()


# ---------------------------------------------------------------------------------------------
# Arbitrary input: whatever is thrown at the parsers, the answer is a value or a Chinese
# message, never an exception of another kind (which would be a server error).
# ---------------------------------------------------------------------------------------------

anything = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A[ ¥￥]?[+-]?[0-9０-９,，]{0,20}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,8})?元?\Z"),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


@settings(max_examples=500, deadline=None)
@given(raw=anything)
@example(raw="1e30")
@example(raw=Decimal("sNaN"))
@example(raw="1_000")
@example(raw="1,5")
@example(raw="Infinity")
def test_money_parsing_answers_a_value_or_a_message(raw):
    for maximum in (rules.MAX_INCOME, rules.MAX_PAYMENT):
        try:
            value = rules.parse_money(raw, maximum=maximum)
        except rules.DuesRuleError as exc:
            assert str(exc)
        else:
            assert Decimal("0") <= value <= maximum and value == value.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(raw=anything)
def test_import_amount_parsing_answers_a_value_or_a_message(raw):
    try:
        value = imports._amount(raw)
    except rules.DuesRuleError as exc:
        assert str(exc)
    else:
        assert Decimal("0") <= value <= rules.MAX_PAYMENT


@settings(max_examples=300, deadline=None)
@given(category=st.one_of(st.sampled_from(rules.CATEGORIES), st.text(max_size=20)), income=anything, amount=anything)
def test_monthly_dues_answers_a_value_or_a_message(category, income, amount):
    try:
        result = rules.monthly_dues(category, income, farmer_amount=amount)
    except rules.DuesRuleError as exc:
        assert str(exc) and exc.field in ("category", "income", "amount")
    else:
        assert result.monthly_amount > 0


as_text = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[+-]?[0-9]{0,45}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,7})?\Z"),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(category=st.sampled_from(["employed", "retired", "other", "farmer", "在职", "x"]), income=as_text)
def test_calculator_api_never_fails(county, category, income):
    params = {"category": category, "income": income, "amount": income}
    response = calc(api(county.member_user), **{k: v.replace("\x00", "") for k, v in params.items()})
    assert response.status_code in (200, 400)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(income=as_text)
def test_calculator_page_never_fails(county, client_as, income):
    response = client_as(county.member_user).get(
        reverse("dues:calculator"), {"category": "employed", "income": income.replace("\x00", "")}
    )
    assert response.status_code == 200 and "党费计算器" in response.content.decode()
    # Either an amount or the reason there is none, never a blank result.
    assert (response.context["result"] is None) != (response.context["error"] == "")


def test_payment_service_refuses_an_amount_out_of_range(dues):
    from django.core.exceptions import ValidationError

    from jiceng.dues import services

    with at(2026, 3, 20), pytest.raises(ValidationError, match="不能超过1,000,000元"):
        services.record_payment(
            None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5), amount=Decimal("1e30"), note="多交"
        )
    assert not DuesPayment.objects.exists()
