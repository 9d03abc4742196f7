"""Pay: the county's income entered by a county admin, post coefficients as data, and the
township's pay sheet of a quarter — to the fen, every amount explained, exported to Excel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.cadres import queries, services
from jiceng.cadres.models import CountyIncome
from jiceng.cadres.testing import add_cadre, manual_scores
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
NOW = "2027-01-10 10:00 +0800"


def scored_quarter(county, scores: dict, year=2026, quarter=4):
    round = services.open_round(county.admin_a, county.town_a, year=year, quarter=quarter)
    for cadre, percent in scores.items():
        services.score(county.admin_a, round, cadre, manual=manual_scores(round.scheme, percent), computed={})
    services.close_round(county.admin_a, round)
    return round


@time_machine.travel(NOW)
def test_only_a_county_admin_enters_the_income(county):
    with pytest.raises(PermissionDenied):
        services.set_income(county.admin_a, county=county.root, year=2025, amount=Decimal("18000"))
    assert client_for(county.admin_a).get(reverse("cadres:income")).status_code == 403
    response = client_for(county.county_admin).post(reverse("cadres:income"), {"year": "2025", "amount": "18123.45"})
    assert response.status_code == 302
    assert CountyIncome.objects.get(year=2025).amount == Decimal("18123.45")
    with pytest.raises(PermissionDenied):
        services.set_coefficients(county.admin_a, {"secretary": Decimal("1.2")})


@time_machine.travel(NOW)
def test_the_pay_sheet_to_the_fen(county):
    services.set_income(None, county=county.root, year=2025, amount=Decimal("17123.45"))
    secretary = add_cadre(county.village_a, "李书记", "secretary", starts_on=date(2021, 1, 1))
    member = add_cadre(county.village_a, "钱委员", "committee_member", starts_on=date(2026, 11, 20))
    add_cadre(county.village_a, "后备甲", "reserve")
    scored_quarter(county, {secretary: 90, member: 80})
    sheet = queries.pay_sheet(county.town_a, 2026, 4)
    assert sheet.problem == ""
    rows = {r.cadre.name: r.pay for r in sheet.rows}
    # Reserve cadres are not paid; the committee is listed secretary first (not by the posts' codes).
    assert [r.cadre.name for r in sheet.rows] == ["李书记", "钱委员"]
    # Secretary: basis 2 × 17,123.45 × 1.10 = 37,671.59; monthly 37,671.59 × 70% ÷ 12 = 2,197.509…
    # → 2,197.51, × 3; performance at 90 = 37,671.59 × 30% ÷ 4 × 0.9 = 2,542.832… → 2,542.83.
    s = rows["李书记"]
    assert (s.monthly_basic, s.quarter_basic, s.performance, s.total) == (
        Decimal("2197.51"), Decimal("6592.53"), Decimal("2542.83"), Decimal("9135.36"))  # fmt: skip
    # Committee member since 20 November: basis 34,246.90; monthly 1,997.74 × 2 months; performance
    # at 80 = 34,246.90 × 30% ÷ 4 × 0.8 = 2,054.814 → 2,054.81.
    m = rows["钱委员"]
    assert (m.monthly_basic, m.months, m.quarter_basic, m.performance, m.total) == (
        Decimal("1997.74"), 2, Decimal("3995.48"), Decimal("2054.81"), Decimal("6050.29"))  # fmt: skip
    assert sheet.totals["total"] == Decimal("15185.65")

    client = client_for(county.admin_a)
    page = client.get(reverse("cadres:pay") + f"?org={county.town_a.pk}&quarter=2026-Q4").content.decode()
    assert "9135.36" in page and "15185.65" in page and "2197.51 元/月 × 3 个月" in page
    response = client.get(reverse("cadres:pay_export") + f"?org={county.town_a.pk}&quarter=2026-Q4")
    sheet_rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    secretary_row = next(r for r in sheet_rows if "李书记" in r)
    assert Decimal(str(secretary_row[12])) == Decimal("9135.36") and "2542.83" in secretary_row[13]
    assert any(r[0] == "合计" and Decimal(str(r[12])) == Decimal("15185.65") for r in sheet_rows)


@time_machine.travel(NOW)
def test_the_sheet_says_what_is_missing(county):
    add_cadre(county.village_a, "李书记")
    assert "尚未录入 2025 年" in queries.pay_sheet(county.town_a, 2026, 4).problem
    services.set_income(None, county=county.root, year=2025, amount=Decimal("18000"))
    sheet = queries.pay_sheet(county.town_a, 2026, 4)
    assert "尚未开展考核" in sheet.problem
    assert sheet.rows[0].pay.total == Decimal("6930.00")  # 2,310.00 × 3, no performance yet
    services.set_coefficients(county.county_admin, {"secretary": Decimal("1.20")})
    assert queries.pay_sheet(county.town_a, 2026, 4).rows[0].pay.monthly_basic == Decimal("2520.00")


@time_machine.travel(NOW)
def test_one_shoulder_is_paid_as_secretary(county):
    services.set_income(None, county=county.root, year=2025, amount=Decimal("18000"))
    add_cadre(county.village_a, "一肩挑", "one_shoulder")
    add_cadre(county.village_a, "主任", "director")
    pays = {r.cadre.name: r.pay for r in queries.pay_sheet(county.town_a, 2026, 4).rows}
    assert pays["一肩挑"].monthly_basic == Decimal("2310.00") and pays["主任"].monthly_basic == Decimal("2100.00")


@pytest.mark.parametrize("n", [3, 30])
def test_the_pay_sheet_has_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    with time_machine.travel(NOW):
        services.set_income(None, county=county.root, year=2025, amount=Decimal("18000"))
        for i in range(n):
            add_cadre(county.village_a, f"干部{i}", "committee_member")
        client = client_for(county.admin_a)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("cadres:pay") + f"?org={county.town_a.pk}&quarter=2026-Q4")
    assert f"合计（{n} 人）" in response.content.decode()
