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
from jiceng.dues.testing import at

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


# ---------------------------------------------------------------------------------------------
# Recording and undoing payments through the API (the page's rules, through services.py)
# ---------------------------------------------------------------------------------------------


def record(user, **body):
    return api(user).post(reverse("dues-payment-list"), body, format="json")


def test_secretary_records_a_payment_through_the_api(dues):
    from jiceng.core.models import AuditEntry
    from jiceng.dues.models import DuesPayment

    with at(2026, 3, 20):
        response = record(dues.county.secretary_a, member=dues.zhang.pk, month="2026-03", paid_on="2026-03-05")
    assert response.status_code == 201, response.content
    (row,) = response.json()
    assert (row["member_name"], row["month"], row["amount"], row["due_amount"]) == ("张三", "2026-03", "50.00", "50.00")
    payment = DuesPayment.objects.get(pk=row["id"])
    assert (payment.paid_on, payment.recorded_by) == (date(2026, 3, 5), dues.county.secretary_a)
    assert AuditEntry.objects.filter(note="登记党费", actor_name="secretary-a").exists()
    # A written amount (a voluntary extra, with its note) and the default date of today.
    with at(2026, 3, 20):
        response = record(dues.county.admin_a, member=dues.li.pk, month="2026-03", amount="¥60元", note="自愿多交")
    assert response.status_code == 201, response.content
    assert response.json()[0]["amount"] == "60.00" and response.json()[0]["paid_on"] == "2026-03-20"


def test_recording_is_refused_by_the_same_rules_as_the_page(dues):
    from jiceng.dues.models import DuesPayment

    secretary = dues.county.secretary_a
    with at(2026, 3, 20):
        less = record(secretary, member=dues.zhang.pk, month="2026-03", amount="40")
        assert less.status_code == 400 and "应足额交纳50.00元" in less.json()["amount"][0]
        future = record(secretary, member=dues.zhang.pk, month="2026-03", paid_on="2026-03-21")
        assert future.status_code == 400 and "不能晚于今天" in future.json()["paid_on"][0]
        before_joining = record(secretary, member=dues.wang.pk, month="2025-12", paid_on="2026-03-05")
        assert before_joining.status_code == 400 and "早于入党日期" in str(before_joining.json())
        assert record(secretary, member=dues.zhang.pk, month="2026-03").status_code == 201
        twice = record(secretary, member=dues.zhang.pk, month="2026-03")
        assert twice.status_code == 400 and "不能重复交纳" in twice.json()["non_field_errors"][0]
    assert DuesPayment.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"month": "2026-13"}, "month", "月份格式"),
        ({"month": "1900-01"}, "month", "2008"),
        ({"month": "2026-03", "amount": "1e30"}, "amount", "不能超过1,000,000元"),
        ({"month": "2026-03", "amount": 1e30}, "amount", "不能超过1,000,000元"),
        ({"month": "2026-03", "amount": "1,5"}, "amount", "千分位"),
        ({"month": "2026-03", "last_month": "2026-01"}, "last_month", "不能早于"),
        ({"month": "2025-01", "last_month": "2026-03"}, "last_month", "最多登记12个月"),
        ({"month": "2026-03", "method": "cheque"}, "method", ""),
        ({"month": "2026-03", "paid_on": "99999-01-01"}, "paid_on", ""),
        ({"month": "2026-03", "paid_on": "2007-12-31"}, "paid_on", "2008"),
    ],
)
def test_recording_refuses_bad_input_by_field(dues, body, field, text):
    with at(2026, 3, 20):
        response = record(dues.county.secretary_a, member=dues.zhang.pk, **body)
    assert response.status_code == 400, response.content
    assert text in " ".join(response.json()[field])


def test_huge_member_id_is_refused(dues):
    response = record(dues.county.secretary_a, member=10**30, month="2026-03")
    assert response.status_code == 400 and "member" in response.json()


def test_quarterly_payment_through_the_api_needs_the_branch_consent(dues):
    secretary = dues.county.secretary_a
    body = {"member": dues.zhang.pk, "month": "2026-04", "last_month": "2026-06", "paid_on": "2026-04-03"}
    with at(2026, 4, 3):
        refused = record(secretary, **body)
        assert refused.status_code == 400
        text = " ".join(refused.json()["non_field_errors"])
        assert "第十二条" in text and "2026年5月" in text and "2026年6月" in text
        services.record_consent(
            secretary,
            dues.zhang,
            first_month=date(2026, 4, 1),
            last_month=date(2026, 12, 1),
            decided_on=date(2026, 4, 2),
            decision="支部委员会4月2日研究同意",
        )
        accepted = record(secretary, **body)
        assert accepted.status_code == 201, accepted.content
        assert [(r["month"], r["is_advance"]) for r in accepted.json()] == [
            ("2026-04", False),
            ("2026-05", True),
            ("2026-06", True),
        ]
        beyond = record(secretary, member=dues.zhang.pk, month="2026-07", paid_on="2026-04-03")
        assert beyond.status_code == 400 and "本季度末" in str(beyond.json())


def test_outsider_gets_404_and_a_plain_member_403(dues):
    from jiceng.dues.models import DuesPayment

    with at(2026, 3, 20):
        outsider = record(dues.county.admin_b, member=dues.zhang.pk, month="2026-03")
        assert outsider.status_code == 404
        own = record(dues.county.member_user, member=dues.zhang.pk, month="2026-03")  # 张三 is member-a
        assert own.status_code == 403
        assert record(dues.county.member_user, month="bad").status_code == 403  # role first, then input
        assert (
            api().post(reverse("dues-payment-list"), {"member": dues.zhang.pk, "month": "2026-03"}).status_code == 401
        )
    assert not DuesPayment.objects.exists()


def test_undo_a_payment_through_the_api(dues):
    from jiceng.core.models import AuditEntry
    from jiceng.dues.models import DuesPayment

    with at(2026, 3, 20):
        (payment,) = services.record_payment(None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
        (other,) = services.record_payment(None, dues.zhao, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
    url = reverse("dues-payment-undo", args=[payment.pk])
    assert api(dues.county.admin_b).post(url, {"reason": "外来"}, format="json").status_code == 404
    assert api(dues.county.member_user).post(url, {"reason": "本人"}, format="json").status_code == 403
    no_reason = api(dues.county.secretary_a).post(url, {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert DuesPayment.objects.filter(pk=payment.pk).exists()
    done = api(dues.county.secretary_a).post(url, {"reason": "金额登记错误"}, format="json")
    assert done.status_code == 204
    assert not DuesPayment.objects.filter(pk=payment.pk).exists() and DuesPayment.objects.filter(pk=other.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_type="dues.DuesPayment")
    assert "金额登记错误" in entry.note and entry.changes["amount"] == "50.00"
    assert api(dues.county.secretary_a).post(url, {"reason": "再次"}, format="json").status_code == 404
