"""Excel import of a month's payments: all-or-nothing, errors name the row and the column."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiceng.core.models import AuditEntry
from jiceng.dues import imports, services, summary
from jiceng.dues.models import DuesImportBatch, DuesPayment, DuesYear
from jiceng.dues.testing import at

pytestmark = pytest.mark.django_db

HEADER = ["党员编号", "姓名", "所属月份", "实交金额（元）", "交纳日期", "交纳方式", "收据号", "备注"]


def workbook(rows, header=HEADER) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_template_lists_the_unpaid_and_a_filled_template_imports(dues, client_as):
    client = client_as(dues.county.secretary_a)
    with at(2026, 3, 20):
        services.record_payment(None, dues.li, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 2))
        response = client.get(reverse("dues:import_template"), {"month": "2026-03"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["党员编号*", "姓名*", "所属月份*", "实交金额（元）*", "交纳日期*"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"张三", "王五"}  # 李四 has paid; 赵秘密 is in the other township
    assert rows["张三"][0] == dues.zhang.pk and rows["张三"][2] == "2026-03" and rows["张三"][10] == 50
    # The secretary fills in 张三 (paid) and leaves 王五 blank (not paid yet).
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "张三":
            row[3].value = 50
            row[4].value = date(2026, 3, 15)
            row[5].value = "线上支付"
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("三月党费.xlsx", buf.getvalue())
    with at(2026, 3, 20):
        preview = client.post(reverse("dues:import_preview"), {"file": upload})
        outcome = preview.context["outcome"]
        assert outcome.ok and outcome.count == 1 and outcome.skipped == 1 and outcome.total == Decimal("50.00")
        assert not DuesPayment.objects.filter(member=dues.zhang).exists()  # a preview saves nothing
        done = client.post(reverse("dues:import_confirm"), {"token": preview.context["token"]}, follow=True)
    assert "已导入 1 条党费记录" in done.content.decode()
    payment = DuesPayment.objects.get(member=dues.zhang)
    assert (payment.month, payment.amount, payment.paid_on, payment.method) == (
        date(2026, 3, 1),
        Decimal("50.00"),
        date(2026, 3, 15),
        "online",
    )
    batch = DuesImportBatch.objects.get()
    assert payment.batch == batch and batch.row_count == 1 and batch.created_by == dues.county.secretary_a
    assert AuditEntry.objects.filter(action="import", object_type="dues.DuesImportBatch").exists()


def test_one_bad_row_imports_nothing_and_names_row_and_column(dues):
    rows = [
        [dues.zhang.pk, "张三", "2026-03", 50, "2026-03-05", "现金", "", ""],
        [dues.li.pk, "李四", "2026-03", 40, "2026-03-05", "现金", "", ""],  # row 3: less than 50.00
        [dues.wang.pk, "王五", "2026-03", 0.2, "2026-03-05", "", "", ""],
    ]
    with at(2026, 3, 20):
        outcome = imports.run_import(workbook(rows), actor=dues.county.secretary_a, file_name="bad.xlsx")
    assert not outcome.ok
    assert [str(e) for e in outcome.errors] == [
        "第 3 行「实交金额（元）」列：2026年3月：应足额交纳50.00元（《关于中国共产党党费收缴、使用和管理的规定》"
        "（中组发〔2008〕3号））；交纳确有困难的，经党支部研究、上一级党委批准后在年度基数中登记少交或免交"
    ]
    assert not DuesPayment.objects.exists() and not DuesImportBatch.objects.exists()


def test_every_kind_of_row_error(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.li, months=[date(2026, 2, 1)], paid_on=date(2026, 2, 2))
        rows = [
            [dues.zhao.pk, "赵秘密", "2026-03", 0.5, "2026-03-05"],  # 2: other township
            [dues.zhang.pk, "张四", "2026-03", 50, "2026-03-05"],  # 3: name does not match
            [dues.zhang.pk, "张三", "2026-13", 50, "2026-03-05"],  # 4: bad month
            [dues.zhang.pk, "张三", "2026-03", "五十", "2026-03-05"],  # 5: bad amount
            [dues.zhang.pk, "张三", "2026-03", 50, "三月五日"],  # 6: bad date
            [dues.zhang.pk, "张三", "2026-03", 50, ""],  # 7: amount without date
            [dues.li.pk, "李四", "2026-02", 50, "2026-03-05"],  # 8: already paid
            [dues.zhang.pk, "张三", "2026-04", 50, "2026-03-05"],  # 9: advance without consent
            [dues.wang.pk, "王五", "2026-01", 0.2, "2026-03-05", "支票"],  # 10: method
            [dues.zhang.pk, "张三", "2026-02", 50, "2026-03-05"],  # 11: fine …
            [dues.zhang.pk, "张三", "2026-02", 50, "2026-03-06"],  # 12: … but twice in the file
            [dues.wang.pk, "王五", "2026-03", 0.2, "2026-03-21"],  # 13: in the future
            ["", "", "", "", ""],  # blank: skipped
        ]
        outcome = imports.run_import(workbook(rows, HEADER[:6]), actor=dues.county.secretary_a)
    where = [(e.row, e.column) for e in outcome.errors]
    assert where == [
        (2, "党员编号"),
        (3, "姓名"),
        (4, "所属月份"),
        (5, "实交金额（元）"),
        (6, "交纳日期"),
        (7, "交纳日期"),
        (8, "所属月份"),
        (9, "所属月份"),
        (10, "交纳方式"),
        (12, "所属月份"),
        (13, "交纳日期"),
    ]
    text = " ".join(str(e) for e in outcome.errors)
    assert "不在您的管理范围内" in text and "与第 11 行重复" in text and "第十二条" in text and "已登记" in text
    assert DuesPayment.objects.count() == 1


def test_missing_column_is_a_file_error(dues):
    from jiceng.core.importing import ImportFileError

    with pytest.raises(ImportFileError, match="交纳日期"):
        imports.run_import(workbook([], HEADER[:4]), actor=dues.county.secretary_a)


def test_a_concurrent_recording_between_check_and_save_keeps_nothing(dues, monkeypatch):
    """The unique constraint is the last guard: if another secretary records a month after the
    rows were checked, the whole file is rolled back."""
    rows = [
        [dues.zhang.pk, "张三", "2026-03", 50, "2026-03-05"],
        [dues.li.pk, "李四", "2026-03", 50, "2026-03-05"],
    ]
    real_validate = imports.validate

    def validate_then_someone_records(*args, **kwargs):
        result = real_validate(*args, **kwargs)
        services.record_payment(None, dues.li, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 6))
        return result

    monkeypatch.setattr(imports, "validate", validate_then_someone_records)
    with at(2026, 3, 20):
        outcome = imports.run_import(workbook(rows, HEADER[:5]), actor=dues.county.secretary_a)
    assert not outcome.ok and "未导入任何数据" in str(outcome.errors[0])
    assert list(DuesPayment.objects.values_list("member__name", flat=True)) == ["李四"]
    assert not DuesImportBatch.objects.exists()


def test_undo_last_batch(dues, client_as):
    rows = [[dues.zhang.pk, "张三", "2026-03", 50, "2026-03-05"]]
    with at(2026, 3, 20):
        outcome = imports.run_import(workbook(rows, HEADER[:5]), actor=dues.county.secretary_a, file_name="a.xlsx")
    assert outcome.ok and DuesPayment.objects.count() == 1
    assert summary.differences() == [] and DuesYear.objects.get(member=dues.zhang, year=2026).paid_03 == 1
    # The other township's admin has no batch to undo.
    client_as(dues.county.admin_b).post(reverse("dues:import_undo"))
    assert DuesPayment.objects.count() == 1
    response = client_as(dues.county.admin_a).post(reverse("dues:import_undo"), follow=True)
    assert "已撤销" in response.content.decode()
    assert not DuesPayment.objects.exists()
    assert summary.differences() == [] and not DuesYear.objects.filter(member=dues.zhang).exists()
    assert DuesImportBatch.objects.get().status == "undone"
    assert AuditEntry.objects.filter(action="undo_import").exists()


def test_preview_page_lists_errors_by_row_and_column(dues, client_as):
    rows = [[dues.zhang.pk, "张三", "2026-03", 10, "2026-03-05"]]
    upload = SimpleUploadedFile("坏文件.xlsx", workbook(rows, HEADER[:5]).getvalue())
    with at(2026, 3, 20):
        response = client_as(dues.county.secretary_a).post(reverse("dues:import_preview"), {"file": upload})
    html = response.content.decode()
    assert "整个文件不会导入" in html and "<td>2</td><td>实交金额（元）</td>" in html
    assert response.context["token"] == ""
    # A file that is not a workbook is refused without a trace.
    bad = SimpleUploadedFile("x.xlsx", b"not a workbook")
    response = client_as(dues.county.secretary_a).post(reverse("dues:import_preview"), {"file": bad}, follow=True)
    assert "无法读取文件" in response.content.decode()
