"""Excel export.

Lists (every export) are written with XlsxWriter in constant-memory mode (`Book`, used by
`build_workbook`): about twice as fast as openpyxl's write-only mode and with as little memory,
rows going to a temporary file as they are appended (docs/decisions/0015-page-budget.md).
Import templates, which style and validate cells, stay on openpyxl (`put`).

Every cell of every export and import template is written through this module (`append`,
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

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
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
    return text.startswith(FORMULA_STARTS) or text[:1].isspace() and text.lstrip().startswith(FORMULA_STARTS)


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


class Sheet:
    """One sheet of a `Book`: rows are appended in order."""

    def __init__(self, book: Book, title: str):
        self.book = book
        self.ws = book.wb.add_worksheet(title[:31])
        self.next_row = 0

    def append(self, values, *, bold: bool = False) -> None:
        # The hot loop of every export (hundreds of thousands of cells): plain types first.
        ws, f, r = self.ws, self.book.formats, self.next_row
        write_string, write_number = ws.write_string, ws.write_number
        plain = f["bold"] if bold else None
        quoted = f["bold_quoted"] if bold else f["quoted"]
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:  # "" is no cell, as openpyxl writes an empty text
                    write_string(r, c, value, quoted if looks_like_formula(value) else plain)
                elif bold:
                    ws.write_blank(r, c, None, plain)
            elif kind is int or kind is float:
                write_number(r, c, value, plain)
            elif value is None:
                if bold:
                    ws.write_blank(r, c, None, plain)
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value, plain)
            elif isinstance(value, Decimal):
                write_number(r, c, float(value), plain)
            elif isinstance(value, (int, float)):
                write_number(r, c, value, plain)
            elif isinstance(value, datetime):
                ws.write_datetime(r, c, _value(value), f["datetime"])
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), f["date"])
            elif isinstance(value, str):  # SafeString and other str subclasses
                if value:
                    write_string(r, c, str(value), quoted if looks_like_formula(value) else plain)
            else:
                write_string(r, c, str(value), plain)
        self.next_row += 1


class Book:
    """A workbook written with XlsxWriter (constant memory): `create_sheet`, then `append`/
    `header` through this module, then `xlsx_response` (or `save`)."""

    def __init__(self):
        self.buffer = BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {"constant_memory": True, "in_memory": False})
        add = self.wb.add_format
        self.formats = {
            "bold": add({"bold": True}),
            "quoted": add({"quote_prefix": True}),
            "bold_quoted": add({"bold": True, "quote_prefix": True}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "datetime": add({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        self.closed = False

    def create_sheet(self, title: str) -> Sheet:
        return Sheet(self, title)

    def save(self, fileobj) -> None:
        if not self.closed:
            self.wb.close()
            self.closed = True
        fileobj.write(self.buffer.getvalue())


def append(ws, values) -> None:
    """Append one row of values to `ws` (a `Sheet` or an openpyxl sheet), every text a string cell."""
    if isinstance(ws, Sheet):
        ws.append(values)
    else:
        ws.append(row(ws, values))


def header(ws, names, *, font: Font | None = None) -> None:
    """Append a header row (bold by default)."""
    if isinstance(ws, Sheet):
        ws.append(names, bold=True)
        return
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


def build_workbook(title: str, headers: list[str], rows, notes: list[str] | None = None) -> Book:
    wb = Book()
    ws = wb.create_sheet(title[:31])
    header(ws, headers)
    for values in rows:
        append(ws, ["" if v is None else v for v in values])
    if notes:
        info = wb.create_sheet("说明")
        for line in notes:
            append(info, [line])
    return wb


def workbook_bytes(wb) -> bytes:
    """The file of an openpyxl workbook or a `Book`."""
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def download_name(filename: str) -> str:
    """The name a download of `filename` gets: the day it was written and the extension."""
    return f"{filename}-{timezone.localdate():%Y%m%d}.xlsx"


def xlsx_response(filename: str, wb) -> HttpResponse:
    response = HttpResponse(workbook_bytes(wb), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(download_name(filename))}"
    return response


def figures_workbook(report: dict, keys, labels: dict, root, notes: list[str]):
    """A report's table by unit: one row per unit (``report["rows"]``: ``.label`` and
    ``.figures``), then the total of the whole subtree (``report["total"]``), one column per key
    of the figures, headed by its label. The notes (period, sentence, definitions) go below."""
    headers = ["单位"] + [labels[k] for k in keys]
    rows = [[row.label] + [getattr(row.figures, k) for k in keys] for row in report["rows"]]
    rows.append([f"合计（{root.short_name or root.name}）"] + [getattr(report["total"], k) for k in keys])
    return build_workbook("报表", headers, rows, notes=notes)
