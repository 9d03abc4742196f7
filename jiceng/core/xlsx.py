"""Excel export (openpyxl, write-only mode so large lists stream with little memory).

Every cell of every export and import template is written through `cell()` (`append`,
`put`, `header`, `build_workbook` and `template_workbook` use it): text is always a string
cell, never a formula. openpyxl makes a formula of any str starting with "=", so a resident's
「=HYPERLINK("http://evil.example/","点我")」 would become a live link; `cell()` sets the data
type to "s" instead, and marks text that starts (maybe after spaces) with = + - @ or a tab as
quoted (Excel's quotePrefix), so that editing the cell in Excel does not turn it into a formula
either. The value itself is kept as typed. Numbers, dates and booleans stay numeric cells.
Exports never contain formulas; `core/tests/test_xlsx.py` checks that no other module writes
cells itself.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What spreadsheet programs read as the start of a formula (or of a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def _value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def cell(ws, value, *, font: Font | None = None):
    """The cell to append for `value` in sheet `ws`: a string cell for text (never a formula),
    the value itself for numbers, dates and booleans (unless a font is wanted)."""
    value = _value(value)
    if not isinstance(value, str) and font is None:
        return value
    c = WriteOnlyCell(ws)  # a detached cell; both kinds of sheet place it when the row is appended
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"  # openpyxl made it "f" if it starts with "="
        if looks_like_formula(value):
            c.quotePrefix = True
    if font is not None:
        c.font = font
    return c


def row(ws, values) -> list:
    return [cell(ws, v) for v in values]


def append(ws, values) -> None:
    """Append one row of values to `ws`, every text a string cell."""
    ws.append(row(ws, values))


def header(ws, names, *, font: Font | None = None) -> None:
    """Append a header row (bold by default)."""
    font = font or Font(bold=True)
    ws.append([cell(ws, n, font=font) for n in names])


def put(ws, row: int, column: int, value):
    """Set one cell of a normal (not write-only) sheet; returns the cell for styling."""
    target = ws.cell(row=row, column=column)
    target.value = _value(value)
    if isinstance(target.value, str):
        target.data_type = "s"
        if looks_like_formula(target.value):
            target.quotePrefix = True
    return target


def build_workbook(title: str, headers: list[str], rows, notes: list[str] | None = None) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    header(ws, headers)
    for values in rows:
        append(ws, ["" if v is None else v for v in values])
    if notes:
        info = wb.create_sheet("说明")
        for line in notes:
            append(info, [line])
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, wb: Workbook) -> HttpResponse:
    response = HttpResponse(workbook_bytes(wb), content_type=XLSX_TYPE)
    stamp = f"{timezone.localdate():%Y%m%d}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response
