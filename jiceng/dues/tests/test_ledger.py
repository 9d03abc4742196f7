"""The monthly ledger and completion rates, with a worked example, and the pages behind them."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.dues import queries, services
from jiceng.dues.models import DuesBase
from jiceng.dues.testing import at, bulk_members
from jiceng.members.models import Member
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


@pytest.fixture
def worked(dues):
    """January to March 2026, seen on 20 March:

    张三 (town A, 50.00) paid January, February and March (March 60.00, 自愿多交);
    李四 (town A, 50.00) paid January; 王五 (town A's party group, 0.20, joined 10 January)
    paid January and February; 赵秘密 (town B, farmer 0.50) paid nothing.
    """
    with at(2026, 3, 20):
        pay = services.record_payment
        pay(None, dues.zhang, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 5))
        pay(None, dues.zhang, months=[MARCH], paid_on=date(2026, 3, 5), amount=Decimal("60.00"), note="自愿多交")
        pay(None, dues.li, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 8))
        pay(None, dues.wang, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 20))
    return dues


def test_month_completion_worked_example(worked):
    start = queries.ledger_start()
    assert start == date(2026, 1, 1)
    c = queries.month_completion(Member.objects.all(), MARCH, start)[""]
    assert (c.due, c.paid, c.unpaid, c.no_base, c.exempt) == (4, 1, 3, 0, 0)
    assert c.rate == Decimal("25.0")
    assert c.due_amount == Decimal("100.70")  # 50 + 50 + 0.20 + 0.50
    assert c.paid_amount == Decimal("60.00")
    assert c.credited_amount == Decimal("50.00")  # the 10.00 extra does not cover anyone else
    assert c.extra_amount == Decimal("10.00")
    assert c.amount_rate == Decimal("49.7")  # 50.00 / 100.70 = 49.65…%
    feb = queries.month_completion(Member.objects.all(), date(2026, 2, 1), start)[""]
    assert (feb.due, feb.paid, feb.rate) == (4, 2, Decimal("50.0"))
    # Before the ledger starts nothing is due.
    assert queries.month_completion(Member.objects.all(), date(2025, 12, 1), start) == {}


def test_year_completion_worked_example(worked):
    start = queries.ledger_start()
    c = queries.year_completion(Member.objects.all(), 2026, MARCH, start)[""]
    # Member-months: four members × three months (王五 joined in January, so January counts).
    assert (c.due, c.paid, c.no_base) == (12, 6, 0)
    assert c.rate == Decimal("50.0")
    assert c.due_amount == Decimal("302.10")
    assert c.paid_amount == Decimal("210.40")  # 50 + 50 + 60 + 50 + 0.20 + 0.20
    assert c.credited_amount == Decimal("200.40")
    assert c.amount_rate == Decimal("66.3")


def test_completion_by_township_and_branch(worked):
    county = worked.county
    start = queries.ledger_start()
    width = len(county.root.path) + 4
    rows, total = queries.by_child(
        county.root, queries.month_completion(Member.objects.all(), MARCH, start, unit_width=width)
    )
    assert [(r.org.name, r.due, r.paid) for r in rows] == [("甲镇党委", 3, 1), ("乙乡党委", 1, 0)]
    assert (total.due, total.paid) == (4, 1)
    # Town A's village: the party group's member counts for the village (its subtree).
    village_rows, _ = queries.by_child(
        county.town_a,
        queries.month_completion(Member.objects.all(), MARCH, start, unit_width=len(county.town_a.path) + 4),
    )
    assert [(r.org.name, r.due, r.paid) for r in village_rows] == [("甲镇东村党总支", 3, 1)]


def test_exempt_and_missing_bases(worked):
    services.set_base(
        None,
        worked.li,
        year=2026,
        category="retired",
        income="5000.01",
        reduced_amount="0",
        reduction_note="镇党委批准",
    )
    DuesBase.objects.filter(member=worked.zhao).delete()
    start = queries.ledger_start()
    c = queries.month_completion(Member.objects.all(), MARCH, start)[""]
    assert (c.due, c.paid, c.exempt, c.no_base) == (3, 1, 1, 1)  # 李四 is exempt; 赵秘密 is due, amount unknown
    assert c.due_amount == Decimal("50.20")
    y = queries.year_completion(Member.objects.all(), 2026, MARCH, start)[""]
    assert (y.due, y.paid, y.exempt, y.no_base) == (9, 5, 1, 3)  # 李四's January payment no longer counts
    members = Member.objects.all()
    assert {m.name for m in queries.state_filter(queries.due_in_month(members, MARCH, start), "no_base")} == {"赵秘密"}
    assert {m.name for m in queries.state_filter(queries.due_in_month(members, MARCH, start), "exempt")} == {"李四"}
    assert {m.name for m in queries.state_filter(queries.due_in_month(members, MARCH, start), "unpaid")} == {
        "王五",
        "赵秘密",
    }


def test_ledger_page_shows_the_figures_and_links_to_the_members(worked, client_as):
    county = worked.county
    with at(2026, 3, 20):
        response = client_as(county.county_admin).get(reverse("dues:ledger"), {"year": 2026, "month": 3})
    assert response.status_code == 200
    total = response.context["total"]
    assert (total.due, total.paid, total.rate) == (4, 1, Decimal("25.0"))
    assert response.context["year_total"].rate == Decimal("50.0")
    html = response.content.decode()
    assert f'?org={county.town_a.pk}&year=2026&month=3&state=unpaid">2<' in html
    assert "张三" in html and "60.00" in html
    with at(2026, 3, 20):
        unpaid = client_as(county.county_admin).get(
            reverse("dues:ledger"), {"org": county.town_a.pk, "year": 2026, "month": 3, "state": "unpaid"}
        )
    names = [m.name for m, _ in unpaid.context["grid_rows"]]
    assert names == ["李四", "王五"]
    # The township admin sees only the township, and the member role is sent to their own page.
    with at(2026, 3, 20):
        own = client_as(county.admin_a).get(reverse("dues:ledger"), {"month": 3})
        assert own.context["total"].due == 3 and "赵秘密" not in own.content.decode()
        assert client_as(county.member_user).get(reverse("dues:ledger")).url == reverse("dues:mine")


def test_ledger_export_is_a_real_workbook(worked, client_as):
    with at(2026, 3, 20):
        response = client_as(worked.county.admin_a).get(reverse("dues:ledger_export"), {"year": 2026, "month": 3})
    assert response.status_code == 200
    import io

    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["完成率", "台账", "说明"]
    summary = [row for row in wb["完成率"].iter_rows(values_only=True)]
    assert summary[2][:4] == ("甲镇东村党总支", 3, 1, 2)
    ledger = {row[1]: row for row in wb["台账"].iter_rows(min_row=2, values_only=True)}
    assert set(ledger) == {"张三", "李四", "王五"}
    zhang = ledger["张三"]
    assert zhang[4] == "在职（按月领取工资）" and zhang[6:9] == (50, 50, 60) and zhang[9] is None and zhang[-1] == 160
    assert ledger["李四"][7] == "未交"
    assert "赵秘密" not in str(summary) + str(ledger)


@pytest.mark.parametrize("rows", [10, 300])
def test_ledger_and_api_have_fixed_query_counts(dues, rows, django_assert_max_num_queries):
    bulk_members(dues.county.branch_a, rows, paid_months=[date(2026, 1, 1), date(2026, 2, 1)])
    c = client_for(dues.county.county_admin)
    with at(2026, 3, 20):
        with django_assert_max_num_queries(17):
            response = c.get(reverse("dues:ledger"), {"year": 2026, "month": 2})
        assert response.context["total"].due == rows + 4
        assert response.context["total"].paid == rows
        # March: everyone is due and nobody has paid yet.
        with django_assert_max_num_queries(17):
            unpaid = c.get(reverse("dues:ledger"), {"state": "unpaid", "q": "批量"})
        assert unpaid.status_code == 200 and unpaid.context["page_obj"].paginator.count == rows
        with django_assert_max_num_queries(9):
            completion = c.get(reverse("dues-completion"))
        assert completion.status_code == 200
        assert (completion.json()["total"]["due"], completion.json()["total"]["paid"]) == (rows + 4, 0)
        with django_assert_max_num_queries(10):
            card = c.get(reverse("dues:panel"), {"org": dues.county.root.pk, "where": "command"})
        assert card.status_code == 200 and "党费收缴" in card.content.decode()
        month_completion = card.context["panel"]["month_completion"]
        assert (month_completion.due, month_completion.paid) == (rows + 4, 0)
        with django_assert_max_num_queries(6):
            payments = c.get(reverse("dues-payment-list"))
        assert payments.status_code == 200 and payments.json()["count"] == 2 * rows
        with django_assert_max_num_queries(14):
            bases = c.get(reverse("dues:bases"))
        assert bases.status_code == 200
        assert (bases.context["counts"]["active"], bases.context["counts"]["set"]) == (rows + 4, rows + 4)
