"""The import framework: columns, reading a sheet, row errors, templates, and the registry.

Imports are all-or-nothing: importers validate every row first and write nothing
unless every row is valid; each error names the sheet row number and the column header.

The registry: an app offers imports in its ``imports.py`` module, as ``IMPORTERS``, a list of

- importer objects run by the shared Excel import pages (``jiceng.imports``: upload, preview,
  confirm, undo the last batch). Each has ``kind``, ``title``, ``columns``, ``notes`` and the
  methods ``validate(rows, actor, today) -> (cleaned, errors)``, ``preview_row(item)``,
  ``save(cleaned, actor, batch)``, ``batch_objects(batch)`` and ``undo(batch, objects)`` (which
  raises ValidationError when the batch may no longer be undone);
- ``ImportPage`` entries for an import with its own pages (dues payments, test scores,
  representatives), so that the shared import page lists every import of the platform.

``registered()`` collects both, in the order of INSTALLED_APPS.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from jiceng.core import xlsx


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    help: str = ""
    example: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # row number as Excel shows it (header is row 1)
    column: str  # column header; "" for a whole-row problem
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class ParsedRow:
    row: int
    values: dict


@dataclass
class ImportOutcome:
    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file itself cannot be read (not an xlsx, missing columns...)."""


def read_sheet(fileobj: IO[bytes], columns: list[Column]) -> list[ParsedRow]:
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise ImportFileError("无法读取文件：请上传由模板填写的 .xlsx 文件") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip().rstrip("*") if h is not None else "" for h in next(rows)]
    except StopIteration as exc:
        raise ImportFileError("文件是空的") from exc
    positions = {}
    missing = []
    for col in columns:
        if col.header in header:
            positions[col.key] = header.index(col.header)
        elif col.required:
            missing.append(col.header)
    if missing:
        raise ImportFileError("缺少必填列：" + "、".join(missing) + "（请使用下载的模板）")
    parsed = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        parsed.append(
            ParsedRow(number, {key: (values[i] if i < len(values) else None) for key, i in positions.items()})
        )
    wb.close()
    return parsed


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value) -> date:
    """Accept real Excel dates and text such as 2020-07-01, 2020/7/1, 2020.7.1, 20200701."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if len(s) == 8 and s.isdigit():
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    try:
        y, m, d = (int(p) for p in s.split("-"))
        parsed = date(y, m, d)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError("日期格式应为 2020-07-01") from exc
    if not 1900 <= parsed.year <= 2100:
        raise ValueError("日期应在 1900 年至 2100 年之间")
    return parsed


def template_workbook(title: str, columns: list[Column], notes: list[str]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    for i, col in enumerate(columns, start=1):
        cell = xlsx.put(ws, 1, i, col.header + ("*" if col.required else ""))
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 2 + 4)
    help_ws = wb.create_sheet("填写说明")
    xlsx.append(help_ws, ["列名", "是否必填", "说明", "示例"])
    for col in columns:
        xlsx.append(help_ws, [col.header, "必填" if col.required else "选填", col.help, col.example])
    xlsx.append(help_ws, [])
    for line in notes:
        xlsx.append(help_ws, [line])
    return wb


@dataclass(frozen=True)
class ImportPage:
    """An import with its own pages: shown on the shared import page as a link."""

    kind: str
    title: str
    url_name: str
    note: str = ""


def registered() -> list:
    """Every app's ``imports.IMPORTERS`` (importer objects and ImportPage entries)."""
    from jiceng.core.registry import app_modules

    return [entry for module in app_modules("imports") for entry in getattr(module, "IMPORTERS", ())]


# ---- a previewed upload kept until it is confirmed -----------------------------------------------


def keep_pending(request, session_key: str, upload, folder: str, **meta) -> str:
    """Keep an upload that passed its preview until the user confirms it: stored under
    ``<folder>/<token>.xlsx`` with the token in the session (with the file's name and ``meta``).
    The confirm step reads it again, since the data may have changed in between."""
    import uuid

    from django.core.files.storage import default_storage

    token = uuid.uuid4().hex
    upload.seek(0)
    stored = default_storage.save(f"{folder}/{token}.xlsx", upload)
    pending = request.session.get(session_key, {})
    pending[token] = {"path": stored, "name": upload.name, **meta}
    request.session[session_key] = pending
    return token


def take_pending(request, session_key: str, token: str) -> dict | None:
    """The upload kept under `token`, taken out of the session (a token is used once); None when
    the preview has expired or the file is gone."""
    from django.core.files.storage import default_storage

    pending = request.session.get(session_key, {})
    item = pending.pop(token or "", None)
    request.session[session_key] = pending
    if item is None or not default_storage.exists(item["path"]):
        return None
    return item


@contextmanager
def opened_pending(item: dict):
    """The kept file, opened for reading; deleted afterwards whatever happens."""
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(item["path"], "rb") as fh:
            yield fh
    finally:
        default_storage.delete(item["path"])
