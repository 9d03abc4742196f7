import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiceng.core.models import AuditEntry
from jiceng.imports.models import ImportBatch
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.testing import client_for, make_id

MEMBER_HEADERS = ["姓名", "公民身份号码", "性别", "手机号码", "所在党组织编码", "人员类别", "入党日期", "转正日期"]


def xlsx(path: Path, headers, rows) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def good_rows():
    return [
        [
            "钱一",
            make_id(date(1980, 1, 2), "male"),
            "男",
            "13700000001",
            "TA0101",
            "正式党员",
            "2005-07-01",
            "2006-07-01",
        ],
        ["孙二", make_id(date(1990, 3, 4), "female"), "女", "", "TA010101", "预备党员", date(2026, 5, 1), None],
    ]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_xlsx", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_template_has_the_required_columns(tmp_path, db):
    run("members", "--template", str(tmp_path / "t.xlsx"))
    header = [c.value for c in load_workbook(tmp_path / "t.xlsx").active[1]]
    for column in MEMBER_HEADERS:
        assert column in header or column + "*" in header
    run("orgs", "--template", str(tmp_path / "o.xlsx"))
    assert load_workbook(tmp_path / "o.xlsx").active["A1"].value == "组织编码*"


def test_good_file_imports_and_undo_removes_it(county, tmp_path):
    before = Member.objects.count()
    out, _ = run("members", str(xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, good_rows())))
    assert "已导入 2 行" in out
    assert Member.objects.count() == before + 2
    m = Member.objects.get(name="孙二")
    assert m.status == "probationary" and m.organization == county.group_a and m.status_changes.count() == 1
    assert AuditEntry.objects.filter(action="import").count() == 1
    out, _ = run("--undo-last")
    assert Member.objects.count() == before
    assert ImportBatch.objects.get().status == "undone"
    assert AuditEntry.objects.filter(action="undo_import").count() == 1
    with pytest.raises(CommandError, match="没有可以撤销"):
        run("--undo-last")


def test_undo_refused_after_a_change(county, tmp_path):
    run("members", str(xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, good_rows())))
    member = Member.objects.get(name="钱一")
    member_services.update_member(county.admin_a, member, post="组织委员")
    with pytest.raises(CommandError, match="已有记录被修改"):
        run("--undo-last")
    assert Member.objects.filter(name="钱一").exists()


@pytest.mark.parametrize(
    "row, column, message",
    [
        (
            ["坏号", "110105194912310021", "女", "", "TA0101", "正式党员", "2000-01-01", "2001-01-01"],
            "公民身份号码",
            "校验位",
        ),
        (
            ["无组织", None, "男", "", "NOPE", "正式党员", "2000-01-01", "2001-01-01"],
            "所在党组织编码",
            "未知的组织编码",
        ),
        (["未来", None, "男", "", "TA0101", "正式党员", "2099-01-01", "2099-06-01"], "入党日期", "不能晚于今天"),
        (["预备", None, "男", "", "TA0101", "预备党员", None, None], "入党日期", "须填写入党日期"),
        (["正式", None, "男", "", "TA0101", "正式党员", "2000-01-01", None], "转正日期", "须填写转正日期"),
        (["性别", None, "女", "", "TA0101", "正式党员", "2000-01-01", "2001-01-01"], "性别", "不一致"),
        (["类别", None, "男", "", "TA0101", "党员", "2000-01-01", "2001-01-01"], "人员类别", "正式党员"),
        (["日期", None, "男", "", "TA0101", "正式党员", "昨天", "2001-01-01"], "入党日期", "日期格式"),
        (["手机", None, "男", "123", "TA0101", "正式党员", "2000-01-01", "2001-01-01"], "手机号码", "11位"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_and_column(county, tmp_path, row, column, message):
    if row[1] is None:
        row[1] = make_id(date(1970, 1, 1), "male")
    rows = good_rows() + [row]
    before = Member.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command(
            "import_xlsx",
            "members",
            str(xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, rows)),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert Member.objects.count() == before
    assert f"第 4 行「{column}」列" in err.getvalue() and message in err.getvalue(), err.getvalue()


def test_duplicates_inside_file_and_against_database(county, tmp_path):
    from jiceng.core import idnumbers

    taken = idnumbers.decrypt(county.member_a.id_number_encrypted)
    rows = good_rows()
    rows.append(["重复库", taken, "男", "", "TA0101", "正式党员", "2000-01-01", "2001-01-01"])
    rows.append(["重复行", rows[0][1], "男", "", "TA0101", "正式党员", "2000-01-01", "2001-01-01"])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_xlsx",
            "members",
            str(xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, rows)),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "第 4 行「公民身份号码」列：该公民身份号码已登记" in err.getvalue()
    assert "第 5 行「公民身份号码」列：与第 2 行重复" in err.getvalue()


def test_command_exit_status_is_non_zero(county, tmp_path, settings):
    """Through the real command line: a bad file exits non-zero."""
    path = xlsx(tmp_path / "bad.xlsx", MEMBER_HEADERS, [["x", "123", "男", "", "TA0101", "正式党员", "2000-01-01", ""]])
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_xlsx", "members", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.returncode != 0


def test_orgs_import_with_parent_defined_earlier_in_file(county, tmp_path):
    headers = ["组织编码", "组织名称", "上级组织编码", "组织类型", "所属领域", "任期开始", "任期届满"]
    rows = [
        ["TA02", "甲镇西村党总支", "TA", "党总支", "农村", "2024-01-01", "2027-01-01"],
        ["TA0201", "西村第一党支部", "TA02", "党支部", "农村", None, None],
    ]
    run("orgs", str(xlsx(tmp_path / "o.xlsx", headers, rows)))
    child = Organization.objects.get(code="TA0201")
    assert child.parent.code == "TA02" and child.path.startswith(county.town_a.path)
    rows = [["TA03", "坏组织", "TA", "支部", "农业", "2024-01-01", "2023-01-01"]]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_xlsx", "orgs", str(xlsx(tmp_path / "o2.xlsx", headers, rows)), stderr=err, stdout=io.StringIO()
        )
    for expected in ("「组织类型」列", "「所属领域」列", "「任期届满」列"):
        assert expected in err.getvalue()
    run("--undo-last")
    assert not Organization.objects.filter(code__in=["TA02", "TA0201"]).exists()


def test_undo_orgs_refused_once_used(county, tmp_path):
    headers = ["组织编码", "组织名称", "上级组织编码", "组织类型", "所属领域"]
    run("orgs", str(xlsx(tmp_path / "o.xlsx", headers, [["TA05", "新支部", "TA", "党支部", "农村"]])))
    member_services.create_member(
        None,
        id_number=make_id(),
        name="新人",
        organization=Organization.objects.get(code="TA05"),
        join_date=date(2010, 1, 1),
        full_date=date(2011, 1, 1),
    )
    with pytest.raises(CommandError, match="引用"):
        run("--undo-last")
    assert Organization.objects.filter(code="TA05").exists()


def test_ui_preview_then_confirm_then_undo(county, tmp_path):
    c = client_for(county.admin_a)
    blank = c.get(reverse("imports:template", args=["members"]))
    assert blank.status_code == 200
    header = next(load_workbook(io.BytesIO(blank.content)).worksheets[0].iter_rows(max_row=1, values_only=True))
    assert [h.rstrip("*") for h in header[: len(MEMBER_HEADERS)]] == MEMBER_HEADERS
    path = xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, good_rows())
    before = Member.objects.count()
    with path.open("rb") as fh:
        response = c.post(reverse("imports:preview"), {"kind": "members", "file": fh})
    html = response.content.decode()
    assert "校验通过，共 2 行" in html and Member.objects.count() == before
    token = response.context["token"]
    c.post(reverse("imports:confirm"), {"token": token})
    assert Member.objects.count() == before + 2
    batch = ImportBatch.objects.get()
    assert batch.created_by == county.admin_a
    # The sibling township cannot undo it.
    client_for(county.admin_b).post(reverse("imports:undo"))
    assert Member.objects.count() == before + 2
    c.post(reverse("imports:undo"))
    assert Member.objects.count() == before


def test_ui_preview_lists_errors(county, tmp_path):
    c = client_for(county.admin_a)
    rows = good_rows() + [["外乡", make_id(), "男", "", "TB01", "正式党员", "2000-01-01", "2001-01-01"]]
    with xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, rows).open("rb") as fh:
        html = c.post(reverse("imports:preview"), {"kind": "members", "file": fh}).content.decode()
    assert "整个文件不会导入" in html and "不在您的管理范围内" in html and "确认导入" not in html
    response = c.post(reverse("imports:preview"), {"kind": "members", "file": io.BytesIO(b"not excel")})
    assert response.status_code == 302


def test_orgs_under_a_group_defined_in_the_same_file_are_refused(county, tmp_path):
    headers = ["组织编码", "组织名称", "上级组织编码", "组织类型", "所属领域"]
    rows = [["TA07", "新小组", "TA0101", "党小组", "农村"], ["TA0701", "小组下的支部", "TA07", "党支部", "农村"]]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_xlsx", "orgs", str(xlsx(tmp_path / "g.xlsx", headers, rows)), stderr=err, stdout=io.StringIO()
        )
    assert "第 3 行「上级组织编码」列：党小组下不能再设立党组织" in err.getvalue()
    assert not Organization.objects.filter(code="TA07").exists()


@pytest.mark.parametrize(
    "value", ["99999-01-01", "100000000000000000000-1-1", "1800-01-01", "2101-1-1", "²020-01-01", "2020-13-01"]
)
def test_a_date_outside_the_calendar_is_a_row_error_not_a_crash(value):
    from jiceng.core.importing import parse_date

    with pytest.raises(ValueError):
        parse_date(value)


def test_dates_people_write_are_read():
    from jiceng.core.importing import parse_date

    assert parse_date("2020/7/1") == parse_date("2020年7月1日") == parse_date("20200701") == date(2020, 7, 1)


def test_the_member_template_example_is_a_valid_id_number():
    """Issue 11 item 15: the example in 填写说明 must pass the check it describes (it had a wrong check digit)."""
    from jiceng.core import idnumbers
    from jiceng.members import imports as member_imports

    examples = {c.header: c.example for c in member_imports.COLUMNS}
    info = idnumbers.parse(examples["公民身份号码"])
    assert info.gender == "male" and examples["性别"] == "男"


def test_template_examples_use_this_countys_codes_and_the_preview_writes_dates_as_the_app_does(county, tmp_path):
    """Issue 11 item 15: the example codes are the downloading user's (T… here, not A0101), and the
    preview writes 2010-07-01 like every other page (it wrote 2010年7月1日)."""
    c = client_for(county.admin_a)
    for kind, column, expected in (("members", "所在党组织编码", "TA01"), ("orgs", "上级组织编码", "TA")):
        wb = load_workbook(io.BytesIO(c.get(reverse("imports:template", args=[kind])).content))
        examples = {row[0].value: row[3].value for row in wb["填写说明"].iter_rows(min_row=2) if row[0].value}
        assert examples[column] == expected
    wb = load_workbook(io.BytesIO(c.get(reverse("imports:template", args=["orgs"])).content))
    examples = {row[0].value: row[3].value for row in wb["填写说明"].iter_rows(min_row=2) if row[0].value}
    assert examples["组织编码"] == "TA02"  # the first free code under 甲镇 (TA01 exists)
    path = xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, good_rows())
    with path.open("rb") as fh:
        page = c.post(reverse("imports:preview"), {"kind": "members", "file": fh}).content.decode()
    assert "2005-07-01" in page and "2026-05-01" in page
    assert "2005年7月1日" not in page


def test_every_import_of_the_platform_is_in_the_registry_and_on_the_page(county):
    from jiceng.core.importing import ImportPage, registered
    from jiceng.imports import services

    assert list(services.importers()) == ["orgs", "members", "households"]  # INSTALLED_APPS order
    for importer in services.importers().values():
        for method in ("validate", "preview_row", "save", "batch_objects", "undo"):
            assert callable(getattr(importer, method)), (importer.kind, method)
    pages = {p.kind: p for p in registered() if isinstance(p, ImportPage)}
    assert {"dues_payments", "exam_scores", "representatives"} <= set(pages)
    html = client_for(county.admin_a).get(reverse("imports:index")).content.decode()
    assert "其他导入" in html
    for page in pages.values():
        assert f'href="{reverse(page.url_name)}"' in html and page.title in html
    assert reverse("imports:template", args=["orgs"]) in html and "党员导入模板" in html
    assert reverse("imports:template", args=["households"]) in html
    assert client_for(county.admin_a).get(reverse("imports:template", args=["dues_payments"])).status_code == 404
