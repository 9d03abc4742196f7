"""Households: status history, people with masked ID numbers and the audited reveal, income
against the monitoring line, guarantee checks, the help plan, and the three personas."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry
from jiceng.households import rules, services
from jiceng.households.models import GuaranteeCheck, Household, HouseholdsSettings, HouseholdStatusChange
from jiceng.households.testing import add_household
from jiceng.testing import client_for, make_id, make_user

NOW = "2026-05-10 10:00 +0800"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


# ---- status history ----------------------------------------------------------------------------


def test_a_new_household_starts_its_history(county):
    household = services.create_household(
        county.admin_a, village=county.village_a, number="H1", kind="registered", head_name="王一", cause="illness"
    )
    assert household.status == "poor"
    assert list(household.status_changes.values_list("from_status", "to_status", "reason")) == [("", "poor", "建档")]
    assert AuditEntry.objects.filter(action="create", object_type="households.Household").exists()
    monitored = services.create_household(
        None, village=county.village_a, number="H2", kind="monitored", head_name="王二", cause="disaster"
    )
    assert monitored.status == "monitored"


def test_status_changes_are_kept_in_order_and_checked(county):
    household = add_household(county.village_a)
    services.change_status(county.admin_a, household, to_status="out", on=date(2026, 1, 5), reason="收入稳定达标")
    services.change_status(county.admin_a, household, to_status="monitored", on=date(2026, 3, 1), reason="因病支出大")
    steps = list(household.status_changes.values_list("from_status", "to_status", "on"))
    assert steps[1:] == [("poor", "out", date(2026, 1, 5)), ("out", "monitored", date(2026, 3, 1))]
    household.refresh_from_db()
    assert household.status == "monitored" and household.revision >= 2
    with pytest.raises(ValidationError, match="已是"):
        services.change_status(county.admin_a, household, to_status="monitored", on=date(2026, 4, 1), reason="x")
    with pytest.raises(ValidationError, match="不能早于上一次"):
        services.change_status(county.admin_a, household, to_status="risk_removed", on=date(2026, 2, 1), reason="x")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.change_status(county.admin_a, household, to_status="risk_removed", on=date(2026, 6, 1), reason="x")
    with pytest.raises(ValidationError, match="原因"):
        services.change_status(county.admin_a, household, to_status="risk_removed", on=date(2026, 4, 1), reason=" ")
    row = HouseholdStatusChange.objects.filter(household=household).last()
    row.reason = "改写"
    with pytest.raises(ValidationError, match="只能追加"):
        row.save()


def test_transitions_rule():
    labels = dict(Household.Status.choices)
    assert rules.transition_error("poor", "out", labels) is None
    assert rules.transition_error("risk_removed", "monitored", labels) is None
    assert "不能从" in rules.transition_error("poor", "risk_removed", labels)
    assert "已是" in rules.transition_error("out", "out", labels)


def test_status_page_form_changes_the_status(county):
    household = add_household(county.village_a)
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:status", args=[household.pk]), {"to_status": "out", "on": "2026-05-01", "reason": "达标"}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == "out"
    html = c.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "状态：未脱贫 → 已脱贫" in html and "已脱贫" in html


# ---- income against the monitoring line -----------------------------------------------------------


@given(
    total=st.decimals(min_value=0, max_value=10**6, places=2),
    persons=st.integers(min_value=1, max_value=12),
    line=st.decimals(min_value=1, max_value=50000, places=2),
)
def test_below_line_is_strictly_below(total, persons, line):
    per = rules.income_per_person(total, persons)
    assert rules.below_line(per, line) == (per < line)
    assert not rules.below_line(line, line)
    assert rules.below_line(line - Decimal("0.01"), line)


def test_no_people_no_figure():
    assert rules.income_per_person(Decimal("1000"), 0) is None
    assert not rules.below_line(None, Decimal("7000"))


def test_income_at_the_line_is_not_flagged_and_a_fen_below_is(county):
    household = add_household(county.village_a, people=2)
    line = HouseholdsSettings.current().income_line  # 7,000 yuan per person a year by default
    services.set_income(county.admin_a, household, year=2025, amounts={"wages": line * 2})
    services.set_income(county.admin_a, household, year=2024, amounts={"wages": line * 2 - Decimal("0.02")})
    html = client_for(county.admin_a).get(reverse("households:detail", args=[household.pk])).content.decode()
    row_2025 = re.search(r'data-year="2025".*?</tr>', html, re.S).group(0)
    row_2024 = re.search(r'data-year="2024".*?</tr>', html, re.S).group(0)
    assert "7000.00" in row_2025 and "data-below-line" not in row_2025
    assert "6999.99" in row_2024 and "data-below-line" in row_2024


def test_income_replaces_a_source_and_is_audited(county):
    household = add_household(county.village_a)
    services.set_income(county.admin_a, household, year=2025, amounts={"wages": Decimal("100"), "transfer": None})
    services.set_income(county.admin_a, household, year=2025, amounts={"wages": Decimal("250.50")})
    assert list(household.incomes.values_list("source", "amount")) == [("wages", Decimal("250.50"))]
    with pytest.raises(ValidationError):
        services.set_income(county.admin_a, household, year=2025, amounts={"wages": Decimal("-1")})
    with pytest.raises(ValidationError, match="年度"):
        services.set_income(county.admin_a, household, year=2027, amounts={"wages": Decimal("1")})
    assert AuditEntry.objects.filter(note="2025年家庭收入").count() == 2


# ---- guarantee checks ------------------------------------------------------------------------------


def test_checks_are_appended_and_the_latest_counts(county):
    household = add_household(county.village_a)
    services.record_check(
        county.admin_a, household, item="water", checked_on=date(2026, 1, 2), met=False, checked_by="张核查",
        note="水源不稳定",
    )  # fmt: skip
    services.record_check(
        county.admin_a, household, item="water", checked_on=date(2026, 4, 2), met=True, checked_by="李核查"
    )
    html = client_for(county.admin_a).get(reverse("households:detail", args=[household.pk])).content.decode()
    water = re.search(r'data-item="water".*?</tr>', html, re.S).group(0)
    assert "达标" in water and "2026-04-02" in water and "李核查" in water and "未达标" not in water
    food = re.search(r'data-item="food".*?</tr>', html, re.S).group(0)
    assert "未核查" in food
    with pytest.raises(ValidationError, match="说明"):
        services.record_check(
            county.admin_a, household, item="food", checked_on=date(2026, 4, 2), met=False, checked_by="张"
        )
    with pytest.raises(ValidationError, match="核查人"):
        services.record_check(
            county.admin_a, household, item="food", checked_on=date(2026, 4, 2), met=True, checked_by=""
        )
    check = GuaranteeCheck.objects.filter(household=household).first()
    with pytest.raises(ValidationError, match="只能追加"):
        check.delete()
    assert rules.failed_items({"water": False, "food": True}) == ["water"]
    assert "housing" in rules.unchecked_items({"water": True})


def test_a_failed_check_is_on_the_timeline(county):
    household = add_household(county.village_a)
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:check_create", args=[household.pk]),
        {"item": "housing", "checked_on": "2026-05-01", "met": "0", "checked_by": "王村主任", "note": "屋顶漏雨"},
    )
    assert response.status_code == 302
    html = c.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "核查「住房安全有保障」：未达标" in html and "屋顶漏雨" in html
    response = c.post(
        reverse("households:check_create", args=[household.pk]),
        {"item": "housing", "checked_on": "2026-05-01", "met": "0", "checked_by": "王村主任"},
    )
    assert "未达标的，请说明情况" in response.content.decode()


# ---- help plan -------------------------------------------------------------------------------------


def test_measures_with_money_and_outcome(county):
    household = add_household(county.village_a)
    measure = services.save_measure(
        county.admin_a, household, category="industry", content="发展养牛", owner="县农业农村局",
        starts_on=date(2026, 3, 1), money=Decimal("5000.00"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="成效"):
        services.save_measure(county.admin_a, household, measure, state="done")
    with pytest.raises(ValidationError, match="完成期限"):
        services.save_measure(county.admin_a, household, measure, ends_on=date(2026, 1, 1))
    measure.refresh_from_db()
    services.save_measure(county.admin_a, household, measure, state="done", outcome="出栏5头，增收8000元")
    measure.refresh_from_db()
    assert measure.state == "done" and measure.revision == 1 and measure.money == Decimal("5000.00")
    c = client_for(county.admin_a)
    assert c.post(reverse("households:measure_delete", args=[measure.pk])).status_code == 302
    assert not household.measures.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="households.Measure").exists()


def test_a_duplicate_in_another_township_is_not_named(county):
    """The ID number typed by a township's manager is registered in another township: the form
    says so without the household's number (the importer's wording)."""
    number = make_id(date(1966, 5, 4))
    elsewhere = add_household(county.branch_b, people=0, number="SECRET-9")
    services.add_person(None, elsewhere, id_number=number, name="乙乡户主", relation="head")
    household = add_household(county.village_a, people=0)
    with pytest.raises(ValidationError) as refused:
        services.add_person(county.admin_a, household, id_number=number, name="重复", relation="head")
    assert refused.value.message_dict["id_number"] == ["该公民身份号码已登记在其他帮扶户中"]
    assert "SECRET-9" not in str(refused.value)


# ---- people, masking and the reveal ------------------------------------------------------------------


def test_people_get_birth_date_and_gender_from_the_id_number(county):
    household = add_household(county.village_a, people=0)
    number = make_id(date(1984, 2, 29), gender="female")
    person = services.add_person(county.admin_a, household, id_number=number, name="赵女", relation="head")
    assert person.birth_date == date(1984, 2, 29) and person.gender == "female"
    assert person.id_number_masked == idnumbers.mask(number) and number not in person.id_number_encrypted
    with pytest.raises(ValidationError, match="已登记在户编号"):
        services.add_person(county.admin_a, household, id_number=number, name="重复", relation="child")
    with pytest.raises(ValidationError, match="一户只有一名户主"):
        services.add_person(county.admin_a, household, id_number=make_id(), name="又一户主", relation="head")
    with pytest.raises(ValidationError, match="校验位"):
        wrong = number[:-1] + ("1" if number[-1] == "0" else "0")  # any other check digit
        services.add_person(county.admin_a, household, id_number=wrong, name="错号", relation="child")


def _full_numbers(household):
    return [idnumbers.decrypt(p.id_number_encrypted) for p in household.people.all()]


def test_id_numbers_are_masked_in_the_page_the_export_the_ledger_and_the_api(county):
    household = add_household(county.village_a, people=2, phone="13812345678")
    full = _full_numbers(household)
    c = client_for(county.admin_a)
    detail = c.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert all(idnumbers.mask(n) in detail and n not in detail for n in full)
    assert "138****5678" in detail and "13812345678" not in detail
    ledger = load_workbook(io.BytesIO(c.get(reverse("households:ledger", args=[household.pk])).content))
    cells = [str(v) for ws in ledger.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not any(n in cell for n in full for cell in cells) and idnumbers.mask(full[0]) in cells
    assert "13812345678" not in cells and "138****5678" in cells
    export = load_workbook(io.BytesIO(c.get(reverse("households:export")).content))
    cells = [str(v) for row in export.worksheets[0].iter_rows(values_only=True) for v in row if v]
    assert "13812345678" not in cells and "138****5678" in cells
    api = c.get(reverse("household-detail", args=[household.pk])).json()
    assert api["phone"] == "138****5678"
    assert [p["id_number"] for p in api["people"]] == [idnumbers.mask(n) for n in full]
    assert not any(n in str(api) for n in full)


def test_the_full_number_is_revealed_only_by_an_audited_post(county):
    household = add_household(county.village_a)
    person = household.people.get()
    (number,) = _full_numbers(household)
    url = reverse("households:person_reveal", args=[person.pk])
    assert client_for(county.admin_a).get(url).status_code == 405
    response = client_for(county.admin_a).post(url)
    assert number in response.content.decode()
    entry = AuditEntry.objects.get(action="view_full_id", object_type="households.HouseholdMember")
    assert entry.actor == county.admin_a and entry.org_path == county.village_a.path
    secretary = make_user("secretary-village-a", county.village_a, "branch_secretary")
    assert client_for(secretary).post(url).status_code == 403
    assert client_for(county.secretary_a).post(url).status_code == 404  # the village is above the branch
    assert client_for(county.admin_b).post(url).status_code == 404
    assert client_for(county.member_user).post(url).status_code == 403
    assert AuditEntry.objects.filter(action="view_full_id").count() == 1
    page = client_for(secretary).get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "查看完整身份证号" not in page and number not in page


# ---- three personas on the services and pages -----------------------------------------------------------


def test_personas_on_the_services(county):
    household = add_household(county.village_a)
    kwargs = {"village": county.village_a, "kind": "registered", "head_name": "某", "cause": "illness"}
    services.create_household(county.admin_a, number="OK-1", **kwargs)
    with pytest.raises(PermissionDenied):  # a branch's secretary manages the branch, not its village
        services.create_household(county.secretary_a, number="NO-1", **kwargs)
    for outsider in (county.admin_b, county.member_user):
        with pytest.raises(PermissionDenied):
            services.create_household(outsider, number="NO-1", **kwargs)
        with pytest.raises(PermissionDenied):
            services.change_status(outsider, household, to_status="out", on=date(2026, 5, 1), reason="x")
        with pytest.raises(PermissionDenied):
            services.reveal_id_number(outsider, household.people.get())
    with pytest.raises(PermissionDenied):
        services.update_settings(county.admin_a, pairs_per_cadre=9)
    services.update_settings(county.county_admin, pairs_per_cadre=9)
    assert HouseholdsSettings.current().pairs_per_cadre == 9
    assert not Household.objects.filter(number="NO-1").exists()


def test_personas_on_the_pages(county):
    household = add_household(county.village_a, head_name="甲村王户")
    url = reverse("households:detail", args=[household.pk])
    assert "甲村王户" in client_for(county.admin_a).get(url).content.decode()
    assert client_for(county.admin_b).get(url).status_code == 404
    assert client_for(county.member_user).get(url).status_code == 403
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client_for(county.member_user).get(reverse("household-list")).status_code == 403


def test_create_household_form_explains_errors_in_chinese(county):
    c = client_for(county.admin_a)
    add_household(county.village_a, number="DUP-1")
    response = c.post(
        reverse("households:create"),
        {
            "village": county.village_a.pk,
            "number": "DUP-1",
            "kind": "registered",
            "head_name": "某",
            "cause": "illness",
        },
    )
    assert response.status_code == 200 and "户编号" in response.content.decode()
    response = c.post(
        reverse("households:create"),
        {"village": county.village_a.pk, "number": "NEW-0", "kind": "registered", "head_name": "某", "cause": "illness",
         "phone": "123"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and "电话号码格式不对" in html
    response = c.post(
        reverse("households:create"),
        {"village": county.town_a.pk, "number": "NEW-1", "kind": "registered", "head_name": "某", "cause": "illness"},
    )
    assert response.status_code == 200 and not Household.objects.filter(number="NEW-1").exists()
    response = c.post(
        reverse("households:create"),
        {"village": county.village_a.pk, "number": "NEW-2", "kind": "registered", "head_name": "新户", "cause": "labour",
         "other_causes": ["skills", "capital"]},
    )  # fmt: skip
    created = Household.objects.get(number="NEW-2")
    assert response.status_code == 302 and created.other_causes == ["skills", "capital"]
    assert created.other_cause_labels == ["缺技术", "缺资金"]


def test_a_township_is_not_a_village(county):
    with pytest.raises(ValidationError, match="不是村或社区"):
        services.create_household(
            None, village=county.town_a, number="T-1", kind="registered", head_name="某", cause="illness"
        )
