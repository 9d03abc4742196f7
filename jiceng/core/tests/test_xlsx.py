"""Exports are safe to open (issue 11): text is never written as a formula, numbers and dates
stay numeric, and no module writes cells without `core/xlsx.py`."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jiceng.core import xlsx
from jiceng.core.importing import Column, template_workbook

# Text a resident might type that a spreadsheet would otherwise read as a formula.
TRIGGERS = [
    '=HYPERLINK("http://evil.example/","点我")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    '  =HYPERLINK("http://evil.example/")',
    "=****",
    "＝1+1",
]


def assert_text_cells(ws, texts):
    """Every cell holding one of `texts` is a string cell with exactly that text; no cell at all
    is a formula."""
    seen = set()
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", (c.coordinate, c.value)
            if c.value in texts:
                assert c.data_type == "s" and c.value in texts
                seen.add(c.value)
    return seen


@pytest.mark.parametrize("make", [lambda: Workbook(write_only=True), xlsx.Book], ids=["openpyxl", "xlsxwriter"])
def test_cell_writes_text_as_text_and_keeps_numbers_and_dates(make):
    wb = make()
    ws = wb.create_sheet("表")
    xlsx.header(ws, ["=标题", "数"])
    values = [
        *TRIGGERS,
        42,
        Decimal("3.50"),
        1.5,
        date(2026, 5, 1),
        datetime(2026, 5, 1, 9, 30),
        True,
        None,
        "普通文字",
    ]
    xlsx.append(ws, values)
    back = load_workbook(io.BytesIO(xlsx.workbook_bytes(wb)))["表"]
    header, row = list(back.iter_rows(min_row=1, max_row=1))[0], list(back.iter_rows(min_row=2, max_row=2))[0]
    assert header[0].value == "=标题" and header[0].data_type == "s" and header[0].font.b
    for c, text in zip(row, TRIGGERS, strict=False):
        assert c.data_type == "s" and c.value == text
        assert c.quotePrefix  # Excel keeps it text when the cell is edited
    rest = row[len(TRIGGERS) :]
    assert [c.data_type for c in rest[:5]] == ["n", "n", "n", "d", "d"]
    assert rest[0].value == 42 and rest[1].value == 3.5 and rest[3].value == datetime(2026, 5, 1)
    assert rest[5].data_type == "b" and rest[5].value is True
    assert rest[6].value is None
    assert rest[7].value == "普通文字" and rest[7].data_type == "s" and not rest[7].quotePrefix


def test_put_and_template_workbook_write_text_as_text():
    columns = [Column('=HYPERLINK("http://evil.example/")', "a", True, "@说明", "+示例")]
    wb = template_workbook("模板", columns, ["-说明一行"])
    xlsx.put(wb.active, 2, 1, "=1+1")
    xlsx.put(wb.active, 2, 2, 7)
    back = load_workbook(io.BytesIO(xlsx.workbook_bytes(wb)))
    sheet, notes = back["模板"], back["填写说明"]
    assert sheet["A1"].value == '=HYPERLINK("http://evil.example/")*' and sheet["A1"].data_type == "s"
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 7 and sheet["B2"].data_type == "n"
    assert assert_text_cells(notes, {"@说明", "+示例", "-说明一行"}) == {"@说明", "+示例", "-说明一行"}


def test_build_workbook_with_a_formula_like_text_in_every_column():
    wb = xlsx.build_workbook("导出", ["列"] * len(TRIGGERS), [TRIGGERS], notes=["=说明"])
    back = load_workbook(io.BytesIO(xlsx.workbook_bytes(wb)))
    assert assert_text_cells(back["导出"], set(TRIGGERS)) == set(TRIGGERS)
    assert back["说明"]["A1"].data_type == "s" and back["说明"]["A1"].value == "=说明"


# Ways of writing a cell without core/xlsx.py. Worksheets are called ws, sheet, summary, notes,
# info or help_ws in this project; a list named rows is not a sheet.
RAW_WRITES = re.compile(
    r"WriteOnlyCell\(|\.cell\([^)]*value\s*=|\b(ws|sheet|worksheet|summary|help_ws|info)\.append\(|"
    r"\bnotes\.append\(\[line\]\)|\.value\s*=\s*"
)


def test_no_module_writes_excel_cells_itself():
    root = Path(xlsx.__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "xlsx.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl" not in text and "template_workbook" not in text and "Workbook" not in text:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if RAW_WRITES.search(line):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not offenders, "write cells through jiceng.core.xlsx (cell, append, header, put):\n" + "\n".join(offenders)
