"""The dues API: the calculator (with bad input), completion, and ledger rows in scope."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jiceng.dues import rules, services
from jiceng.dues.conftest import at

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def calc(client, **params):
    return client.get(reverse("dues-calculate"), params)


@pytest.mark.parametrize(
    ("category", "income", "rate", "amount"),
    [
        ("employed", "3000", "0.0050", "15.00"),
        ("employed", "3000.01", "0.0100", "30.00"),
        ("employed", "5000", "0.0100", "50.00"),
        ("employed", "5000.01", "0.0150", "75.00"),
        ("employed", "10000", "0.0150", "150.00"),
        ("employed", "10000.01", "0.0200", "200.00"),
        ("retired", "5000", "0.0050", "25.00"),
        ("retired", "5000.01", "0.0100", "50.00"),
        ("other", "6500", "0.0150", "97.50"),
    ],
)
def test_calculator_at_the_boundaries(county, category, income, rate, amount):
    response = calc(api(county.member_user), category=category, income=income)
    assert response.status_code == 200
    data = response.json()
    assert (data["rate"], data["monthly_amount"]) == (rate, amount)
    assert data["yearly_amount"] == f"{Decimal(amount) * 12:.2f}"
    assert data["allowed_range"] is None and "中组发〔2008〕3号" in data["source"]


def test_calculator_fixed_and_farmer(county):
    client = api(county.admin_a)
    for category in ("student", "unemployed", "relief"):
        data = calc(client, category=category).json()
        assert data["monthly_amount"] == "0.20" and data["rate"] is None
    farmer = calc(client, category="farmer").json()
    assert farmer["monthly_amount"] == "0.50"
    assert farmer["allowed_range"] == {"min": "0.20", "max": "1.00", "county_default": "0.50"}
    assert calc(client, category="farmer", amount="0.80").json()["monthly_amount"] == "0.80"


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({}, "category", "请提供党员类别"),
        ({"category": "boss", "income": "3000"}, "category", "未知的党员类别"),
        ({"category": "employed"}, "income", "请填写月收入"),
        ({"category": "employed", "income": "三千"}, "income", "应为数字"),
        ({"category": "employed", "income": "-1"}, "income", "不能为负数"),
        ({"category": "employed", "income": "3000.001"}, "income", "两位小数"),
        ({"category": "retired", "income": "0"}, "income", "须大于0"),
        ({"category": "farmer", "amount": "2"}, "amount", "0.20元至1.00元"),
    ],
)
def test_calculator_rejects_bad_input_in_chinese(county, params, field, text):
    response = calc(api(county.member_user), **params)
    assert response.status_code == 400
    assert text in response.json()[field][0]


def test_calculator_needs_a_login(county):
    assert calc(api(), category="employed", income="3000").status_code == 401


# The county is only read, so sharing it between examples is fine.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.integers(1, 2_000_000))
def test_api_agrees_with_the_rules(county, cents):
    income = Decimal(cents) / 100
    response = calc(api(county.admin_a), category="employed", income=str(income))
    expected = rules.round_fen(income * rules.rate_for("employed", income))
    if expected == 0:
        assert response.status_code == 400
    else:
        assert response.json()["monthly_amount"] == f"{expected:.2f}"


def test_completion_api_is_scoped(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
        data = api(dues.county.county_admin).get(reverse("dues-completion"), {"year": 2026, "month": 3}).json()
        assert data["total"]["due"] == 4 and data["total"]["paid"] == 1 and data["total"]["rate"] == "25.0"
        assert [c["organization"]["name"] for c in data["children"]] == ["甲镇党委", "乙乡党委"]
        assert data["year_to_date"]["due"] == 12
        own = api(dues.county.admin_a).get(reverse("dues-completion")).json()
        assert own["organization"]["name"] == "甲镇党委" and own["total"]["due"] == 3
        outside = api(dues.county.admin_a).get(reverse("dues-completion"), {"org": dues.county.town_b.pk})
        assert outside.status_code == 404
        assert api(dues.county.member_user).get(reverse("dues-completion")).status_code == 403
        bad = api(dues.county.admin_a).get(reverse("dues-completion"), {"month": "13"})
        assert bad.status_code == 400 and "月份" in str(bad.json())


def test_payment_and_base_lists_are_scoped_and_hide_incomes(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
        services.record_payment(None, dues.li, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
        services.record_payment(None, dues.zhao, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
    names = lambda data: sorted(r["member_name"] for r in data["results"])  # noqa: E731
    assert names(api(dues.county.county_admin).get(reverse("dues-payment-list")).json()) == ["张三", "李四", "赵秘密"]
    assert names(api(dues.county.admin_a).get(reverse("dues-payment-list")).json()) == ["张三", "李四"]
    assert names(api(dues.county.admin_b).get(reverse("dues-payment-list"), {"month": "2026-03"}).json()) == ["赵秘密"]
    # A member sees their own rows only, though the scope of their role is the branch.
    mine = api(dues.county.member_user).get(reverse("dues-payment-list")).json()
    assert names(mine) == ["张三"] and mine["results"][0]["month"] == "2026-03"
    bases = api(dues.county.member_user).get(reverse("dues-base-list")).json()
    assert [b["member_name"] for b in bases["results"]] == ["张三"]
    assert "income" not in bases["results"][0] and bases["results"][0]["monthly_amount"] == "50.00"
    zhao = api(dues.county.admin_a).get(reverse("dues-base-detail", args=[dues.zhao.dues_bases.get().pk]))
    assert zhao.status_code == 404
    bad = api(dues.county.admin_a).get(reverse("dues-payment-list"), {"month": "三月"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("category", "code"),
    [
        ("employed", "employed"),
        ("Employed", "employed"),
        (" RETIRED ", "retired"),
        ("在职", "employed"),
        ("在职党员", "employed"),
        ("在职（按月领取工资）", "employed"),
        ("离休", "retired"),
        ("退休", "retired"),
        ("离退休", "retired"),
        ("退休党员", "retired"),
        ("农民", "farmer"),
        ("学生", "student"),
        ("下岗", "unemployed"),
        ("失业", "unemployed"),
        ("下岗失业", "unemployed"),
        ("低保", "relief"),
        ("救济", "relief"),
        ("生活困难", "relief"),
        ("依靠抚恤、救济或领取最低生活保障金", "relief"),
        ("其他", "other"),
        ("其它", "other"),
        ("灵活就业", "other"),
    ],
)
def test_calculator_accepts_codes_and_chinese_names(county, category, code):
    response = calc(api(county.member_user), category=category, income="6000")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["category"] == code
    expected = {"employed": "90.00", "other": "90.00", "retired": "60.00", "farmer": "0.50"}.get(code, "0.20")
    assert data["monthly_amount"] == expected


@pytest.mark.parametrize(
    ("category", "income", "amount"),
    [
        ("在职", "¥3,000元", "15.00"),
        ("在职", "￥３，０００．０１", "30.00"),
        ("employed", "5,000.00元", "50.00"),
        ("employed", " 5 000.01 ", "75.00"),
        ("在职", "１００００", "150.00"),
        ("在职", "¥10,000.01", "200.00"),
        ("退休", "５，０００元", "25.00"),
        ("离休", "¥5,000.01", "50.00"),
        ("其他", "6,500元", "97.50"),
    ],
)
def test_calculator_reads_written_incomes_exactly_at_the_boundaries(county, category, income, amount):
    response = calc(api(county.member_user), category=category, income=income)
    assert response.status_code == 200, response.content
    assert response.json()["monthly_amount"] == amount


@pytest.mark.parametrize("income", ["1,5", "3,00", "3,000,0", "3000,50"])
def test_calculator_refuses_misplaced_commas(county, income):
    response = calc(api(county.member_user), category="employed", income=income)
    assert response.status_code == 400
    assert "千分位" in response.json()["income"][0]


@pytest.mark.parametrize("category", ["boss", "干部", "retired-ish"])
def test_unknown_category_lists_the_valid_codes(county, category):
    response = calc(api(county.member_user), category=category, income="3000")
    assert response.status_code == 400
    message = response.json()["category"][0]
    assert all(code in message for code in rules.CATEGORIES)
    assert category in message
