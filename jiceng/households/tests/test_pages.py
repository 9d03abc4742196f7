"""The forms of the household pages, each through its page: what it shows and what it writes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from jiceng.core.models import AuditEntry
from jiceng.households import services
from jiceng.households.models import Cadre, HouseholdsSettings, Responsibility
from jiceng.households.testing import add_cadre, add_household
from jiceng.testing import client_for, make_id

NOW = "2026-05-10 10:00 +0800"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def test_people_forms(county):
    household = add_household(county.village_a)
    c = client_for(county.admin_a)
    page = c.get(reverse("households:person_create", args=[household.pk])).content.decode()
    assert "登记家庭成员" in page and "公民身份号码" in page
    number = make_id(date(2010, 9, 1), gender="female")
    response = c.post(
        reverse("households:person_create", args=[household.pk]),
        {"name": "王小妹", "id_number": number, "relation": "child", "health": "healthy", "schooling": "in_school"},
    )
    assert response.status_code == 302
    person = household.people.get(name="王小妹")
    assert person.birth_date == date(2010, 9, 1)
    response = c.post(
        reverse("households:person_create", args=[household.pk]),
        {"name": "错号", "id_number": "123", "relation": "child", "health": "healthy"},
    )
    assert "公民身份号码应为18位" in response.content.decode()
    page = c.get(reverse("households:person_edit", args=[person.pk])).content.decode()
    assert person.id_number_masked in page and number not in page
    response = c.post(
        reverse("households:person_edit", args=[person.pk]),
        {"name": "王小妹", "id_number": "", "relation": "child", "health": "chronic", "work_place": ""},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.health == "chronic" and person.birth_date == date(2010, 9, 1)
    assert c.post(reverse("households:person_delete", args=[person.pk])).status_code == 302
    assert not household.people.filter(name="王小妹").exists()
    assert AuditEntry.objects.filter(action="delete", object_type="households.HouseholdMember").exists()


def test_income_form_shows_a_year_again(county):
    household = add_household(county.village_a)
    services.set_income(None, household, year=2025, amounts={"business": Decimal("1234.50")})
    c = client_for(county.admin_a)
    page = c.get(reverse("households:income", args=[household.pk]), {"year": "2025"}).content.decode()
    assert 'value="1234.50"' in page and 'value="2025"' in page
    response = c.post(reverse("households:income", args=[household.pk]), {"year": "2025", "wages": "800"})
    assert response.status_code == 302
    assert sorted(household.incomes.values_list("source", flat=True)) == ["business", "wages"]


def test_measure_forms(county):
    household = add_household(county.village_a)
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:measure_create", args=[household.pk]),
        {"category": "employment", "content": "推荐到工业园就业", "owner": "县人社局", "starts_on": "2026-04-01",
         "money": "", "state": "ongoing"},
    )  # fmt: skip
    assert response.status_code == 302
    measure = household.measures.get()
    response = c.post(
        reverse("households:measure_edit", args=[measure.pk]),
        {"category": "employment", "content": "推荐到工业园就业", "owner": "县人社局", "starts_on": "2026-04-01",
         "state": "done", "outcome": ""},
    )  # fmt: skip
    assert "已完成的措施请填写成效" in response.content.decode()
    page = c.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "推荐到工业园就业" in page and "就业帮扶" in page and 'data-confirm="确定删除这条帮扶措施？"' in page


def test_cadre_register(county):
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:cadre_create"),
        {"organization": county.town_a.pk, "name": "刘干部", "unit": "县水利局", "phone": "13812340000",
         "member": county.member_a.pk, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    cadre = Cadre.objects.get(name="刘干部")
    assert cadre.member == county.member_a
    page = c.get(reverse("households:cadres")).content.decode()
    assert "刘干部" in page and "138****0000" in page and "13812340000" not in page
    response = c.post(
        reverse("households:cadre_edit", args=[cadre.pk]),
        {"organization": county.town_a.pk, "name": "刘干部", "unit": "", "is_active": "on"},
    )
    assert response.status_code == 200 and not Cadre.objects.filter(unit="").exists()
    add_cadre(county.town_b, "乙乡干部")
    assert "乙乡干部" not in c.get(reverse("households:cadres")).content.decode()


def test_pair_form_offers_only_cadres_in_scope(county):
    household = add_household(county.village_a)
    mine, theirs = add_cadre(county.town_a, "甲镇干部"), add_cadre(county.town_b, "乙乡干部")
    c = client_for(county.admin_a)
    page = c.get(reverse("households:pair_create", args=[household.pk])).content.decode()
    assert "甲镇干部" in page and "乙乡干部" not in page
    response = c.post(
        reverse("households:pair_create", args=[household.pk]), {"cadre": theirs.pk, "starts_on": "2026-05-01"}
    )
    assert response.status_code == 200 and not household.pairs.exists()
    response = c.post(
        reverse("households:pair_create", args=[household.pk]), {"cadre": mine.pk, "starts_on": "2026-05-01"}
    )
    assert response.status_code == 302 and household.pairs.get().cadre == mine


def test_responsibility_pages(county):
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:responsibility_create"),
        {"kind": "department_village", "organization": county.village_a.pk, "person": "赵局长", "unit": "县财政局",
         "starts_on": "2026-01-01"},
    )  # fmt: skip
    assert response.status_code == 302
    item = Responsibility.objects.get()
    response = c.post(
        reverse("households:responsibility_edit", args=[item.pk]),
        {"kind": "department_village", "organization": county.village_a.pk, "person": "赵局长", "unit": "县财政局",
         "starts_on": "2026-01-01", "ends_on": "2025-01-01"},
    )  # fmt: skip
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert "赵局长" in c.get(reverse("households:responsibilities")).content.decode()


def test_settings_page_is_for_the_county(county):
    assert client_for(county.admin_a).get(reverse("households:settings")).status_code == 403
    c = client_for(county.county_admin)
    assert "每名干部结对户数上限" in c.get(reverse("households:settings")).content.decode()
    response = c.post(
        reverse("households:settings"),
        {
            "pairs_per_cadre": "3",
            "income_line": "7200.00",
            "visit_late_days": "3",
            "visit_edit_days": "7",
            "exit_check_days": "365",
            "village_exit_poor_share": "2",
        },
    )
    assert response.status_code == 302
    config = HouseholdsSettings.current()
    assert config.pairs_per_cadre == 3 and config.income_line == Decimal("7200.00")
    assert AuditEntry.objects.filter(note="帮扶工作设置").exists()


def test_the_list_is_empty_with_a_pointer(county):
    page = client_for(county.admin_a).get(reverse("households:list")).content.decode()
    assert "没有符合条件的帮扶户" in page and "Excel 批量导入" in page


def test_search_by_head_number_or_a_member_s_full_name(county):
    first = add_household(county.village_a, number="TA01-007", head_name="欧阳大海", people=2)
    add_household(county.village_a, number="TA01-008", head_name="李小河")
    c = client_for(county.admin_a)

    def found(q):
        html = c.get(reverse("households:list"), {"q": q}).content.decode()
        return re.findall(r'data-household="([^"]+)"', html)

    assert found("欧阳") == ["TA01-007"]
    assert found("TA01-00") == ["TA01-007", "TA01-008"]
    assert found("成员1") == ["TA01-007"]  # a member's full name (the builder's second person)
    assert found("成员") == []  # not a part of it
    assert first.people.count() == 2
