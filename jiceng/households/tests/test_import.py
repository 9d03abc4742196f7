"""The household import: one row per person in the layout counties keep, all-or-nothing, each
error naming the row and the column, the template, and undo of the last batch."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.core import idnumbers
from jiceng.households import services
from jiceng.households.models import Household, HouseholdMember
from jiceng.households.testing import import_file
from jiceng.imports import services as imports
from jiceng.testing import client_for, make_id

NOW = "2026-05-10 10:00 +0800"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _household_rows(number, village_code, people=((True, "王大山"), (False, "王小山")), **overrides):
    rows = []
    for head, name in people:
        rows.append(
            {
                "number": number,
                "village": village_code,
                "kind": "建档立卡户",
                "head_name": people[0][1],
                "phone": "13800001111",
                "address": "东村3组",
                "cause": "因病",
                "other_causes": "缺技术、缺资金",
                "year": "2016",
                "status": "已脱贫",
                "name": name,
                "id_number": make_id(date(1970 if head else 1998, 5, 6)),
                "relation": "户主" if head else "子女",
                "health": "健康",
                "schooling": "初中",
                "work": "普通劳动力",
                **overrides,
            }
        )
    return rows


def test_a_good_file_imports_households_with_their_people(county):
    rows = _household_rows("IMP-1", "TA01") + _household_rows("IMP-2", "TA01", people=((True, "李四海"),))
    outcome = imports.run_import("households", import_file(rows), actor=county.admin_a, file_name="帮扶户.xlsx")
    assert outcome.ok, [str(e) for e in outcome.errors]
    first = Household.objects.get(number="IMP-1")
    assert first.status == "out" and first.other_causes == ["skills", "capital"] and first.identified_year == 2016
    assert first.village == county.village_a and first.people.count() == 2
    person = first.people.get(relation="head")
    assert person.id_number_masked == idnumbers.mask(rows[0]["id_number"])
    assert idnumbers.decrypt(person.id_number_encrypted) == rows[0]["id_number"]
    assert person.birth_date == date(1970, 5, 6)
    assert list(first.status_changes.values_list("to_status", "reason")) == [("out", "Excel导入建档")]
    assert outcome.preview[0]["家庭人口"] == 2 and "**" in outcome.preview[0]["成员身份证号"]


def test_one_bad_row_imports_nothing_and_names_row_and_column(county):
    rows = _household_rows("IMP-1", "TA01") + _household_rows("IMP-2", "TA01")
    rows[3]["id_number"] = rows[3]["id_number"][:-1] + ("0" if rows[3]["id_number"][-1] != "0" else "1")
    rows[2]["cause"] = "懒"
    outcome = imports.run_import("households", import_file(rows), actor=county.admin_a)
    messages = [str(e) for e in outcome.errors]
    assert "第 4 行「主要致贫原因」列：“懒”不是可选的致贫原因" in messages
    assert any(m.startswith("第 5 行「公民身份号码」列：公民身份号码校验位错误") for m in messages)
    assert not Household.objects.exists() and not HouseholdMember.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: rows[1].update(head_name="别人"), "第 3 行「户主姓名」列：与同一户第 2 行不一致"),
        (lambda rows: rows[1].update(relation="户主"), "第 2 行「与户主关系」列：该户有 2 名户主，一户只有一名户主"),
        (lambda rows: rows[0].update(relation="配偶"), "第 2 行「与户主关系」列：该户没有户主"),
        (lambda rows: rows[1].update(id_number=rows[0]["id_number"]), "第 3 行「公民身份号码」列：与第 2 行重复"),
        (
            lambda rows: rows[0].update(village="TB01"),
            "第 2 行「所在村编码」列：未知的组织编码 TB01（或不在您的管理范围内）",
        ),
        (lambda rows: rows[0].update(village="TA"), "第 2 行「所在村编码」列：甲镇党委不是村或社区党组织"),
        (lambda rows: rows[0].update(phone="12"), "第 2 行「联系电话」列：电话号码格式不对"),
        (lambda rows: rows[0].update(status="好了"), "第 2 行「状态」列：请填写"),
    ],
)
def test_row_and_column_errors(county, change, expected):
    rows = _household_rows("IMP-1", "TA01")
    change(rows)
    outcome = imports.run_import("households", import_file(rows), actor=county.admin_a)
    assert any(str(e).startswith(expected) for e in outcome.errors), [str(e) for e in outcome.errors]
    assert not Household.objects.exists()


def test_existing_numbers_and_people_are_refused(county):
    services.create_household(
        None, village=county.village_a, number="IMP-1", kind="registered", head_name="某", cause="illness"
    )
    rows = _household_rows("IMP-1", "TA01") + _household_rows("IMP-2", "TA01")
    existing = Household.objects.get(number="IMP-1")
    services.add_person(None, existing, id_number=rows[2]["id_number"], name="已登记", relation="head")
    outcome = imports.run_import("households", import_file(rows), actor=county.admin_a)
    messages = [str(e) for e in outcome.errors]
    assert "第 2 行「户编号」列：户编号 IMP-1 已登记，不能重复导入" in messages
    assert "第 4 行「公民身份号码」列：该公民身份号码已登记在其他帮扶户中" in messages
    assert Household.objects.count() == 1


def test_undo_the_last_batch_until_a_household_is_changed(county):
    outcome = imports.run_import("households", import_file(_household_rows("IMP-1", "TA01")), actor=county.admin_a)
    assert outcome.ok
    imports.undo_last(county.admin_a)
    assert not Household.objects.exists() and not HouseholdMember.objects.exists()
    imports.run_import("households", import_file(_household_rows("IMP-2", "TA01")), actor=county.admin_a)
    household = Household.objects.get(number="IMP-2")
    services.change_status(county.admin_a, household, to_status="monitored", on=date(2026, 5, 10), reason="因病")
    with pytest.raises(ValidationError, match="不能撤销"):
        imports.undo_last(county.admin_a)


def test_the_template_and_the_import_page(county):
    c = client_for(county.admin_a)
    response = c.get(reverse("imports:template", args=["households"]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in ws[1]]
    assert headers[:2] == ["户编号*", "所在村编码*"] and "公民身份号码*" in headers
    assert "帮扶户及家庭成员" in c.get(reverse("imports:index")).content.decode()
