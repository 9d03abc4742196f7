"""Excel import of the representatives' register: all or nothing, errors by row and column."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiceng.core.models import AuditEntry
from jiceng.liaison.models import Representative
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
HEADER = ["姓名*", "代表层级*", "服务队*", "届次", "工作单位及职务", "联系电话", "对应党员", "工作室（联络站）", "备注"]


def sheet(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("党代表.xlsx", out.getvalue())


def test_template_has_the_columns(county, register):
    response = client_for(county.admin_a).get(reverse("liaison:representatives_template"))
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    assert wb["填写说明"]["A2"].value == "姓名"


def test_one_bad_row_imports_nothing_and_names_row_and_column(county, register, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    c = client_for(county.admin_a)
    upload = sheet(
        [
            ["新代表甲", "县党代表", "甲镇党代表服务队", "", "", "13800005555", "", "", ""],
            ["新代表乙", "市长", "甲镇党代表服务队"],
            ["新代表丙", "县党代表", "乙乡党代表服务队"],
            ["钱代表", "县党代表", "甲镇党代表服务队"],
            ["新代表丁", "县党代表", "甲镇党代表服务队", "", "", "123"],
            ["新代表戊", "县党代表", "甲镇党代表服务队", "", "", "", "李四"],
            ["新代表己", "县党代表", "甲镇党代表服务队", "", "", "", "李四"],
        ]
    )
    html = c.post(reverse("liaison:representatives_import"), {"file": upload}).content.decode()
    assert "没有导入任何一行" in html
    assert "第 3 行「代表层级」列：应为" in html
    assert "第 4 行「服务队」列：没有名为「乙乡党代表服务队」的服务队" in html
    assert "第 5 行「姓名」列：该服务队已有同名的在册党代表" in html
    assert "第 6 行「联系电话」列：电话号码格式不对" in html
    assert "第 8 行「对应党员」列：与第 7 行是同一名党员" in html
    assert Representative.objects.filter(name__startswith="新代表").count() == 0


def test_preview_then_confirm(county, register, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    c = client_for(county.admin_a)
    rows = [["新代表甲", "县党代表", "甲镇党代表服务队", "第十五次", "教师", "13800005555", "李四", "甲镇党代表工作室"]]
    rows += [[f"新代表{i}", "乡镇党代表", "甲镇党代表服务队"] for i in range(30)]
    response = c.post(reverse("liaison:representatives_import"), {"file": sheet(rows)})
    html = response.content.decode()
    assert "全部 31 行检查无误" in html and "只显示前 20 行" in html and "138****5555" in html
    assert Representative.objects.filter(name__startswith="新代表").count() == 0
    token = response.context["token"]
    c.post(reverse("liaison:representatives_import"), {"token": token})
    created = Representative.objects.filter(name__startswith="新代表")
    assert created.count() == 31
    first = created.get(name="新代表甲")
    assert (first.organization, first.member.name, first.station.name) == (county.town_a, "李四", "甲镇党代表工作室")
    assert AuditEntry.objects.filter(action="import", object_type="liaison.Representative").count() == 1
    # The token is used up.
    response = c.post(reverse("liaison:representatives_import"), {"token": token}, follow=True)
    assert "导入已过期" in response.content.decode()


def test_members_and_outsiders_cannot_import(county, register):
    assert client_for(county.member_user).get(reverse("liaison:representatives_import")).status_code == 403
