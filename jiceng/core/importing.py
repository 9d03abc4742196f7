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

Importers that write thousands of rows use ``insert_rows`` (COPY on PostgreSQL, one INSERT run
for every row elsewhere) and undo them with ``delete_rows`` (one statement per related table,
filtered by the batch), instead of ``bulk_create`` and ``QuerySet.delete()``: for 20,000 members
those built 700 INSERT statements on SQLite and hundreds of IN-lists of 20,000 ids
(docs/performance.md, "Importing 20,000 members").
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from django.db import connections, models, router, transaction
from django.db.models import signals
from django.db.models.deletion import ProtectedError, get_candidate_relations_to_delete
from django.utils import timezone
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


# ---- writing and removing many rows -----------------------------------------------------------


def _db_value(field, connection):
    """How a clean Python value of `field` goes to the database: None when the driver takes it
    as it is (text, numbers, booleans, ids), else a function."""
    if isinstance(field, models.ForeignKey):
        return _db_value(field.target_field, connection)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.CharField | models.TextField | models.BooleanField | models.IntegerField):
        return None
    if isinstance(field, models.DecimalField) and connection.vendor == "postgresql":
        return None  # psycopg sends a Decimal as a numeric; the column rounds it to its scale
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model, rows: list[dict]) -> int:
    """Insert `rows` of `model`, each a dict of field attname (``organization_id``) -> clean
    Python value, in one round of the database: COPY on PostgreSQL, one INSERT run for every row
    (executemany) elsewhere. A field a row leaves out takes its default; ``auto_now`` and
    ``auto_now_add`` fields the time of the call.

    Like ``bulk_create`` it calls no ``save()`` and sends no signal; unlike it, it builds no
    model instance and no SQL per batch (on SQLite ``bulk_create`` sends 37 rows of a 27-column
    table per statement) and returns no primary key: read the keys back by a column the rows
    share, such as their import batch."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    # What a row leaves out: the time of the call, a constant default, or a callable's value.
    fixed = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed[f.attname] = now
        elif not callable(f.default):
            fixed[f.attname] = f.get_default()
    plan = [(f.attname, f, _db_value(f, connection)) for f in fields]
    attnames = {f.attname for f in fields}
    values = []
    for row in rows:
        if not row.keys() <= attnames:  # a field name for an attname (organization) would be lost
            raise ValueError(f"{model.__name__} has no column {', '.join(sorted(row.keys() - attnames))}")
        out = []
        for attname, model_field, to_db in plan:
            if attname in row:
                value = row[attname]
            else:
                value = fixed[attname] if attname in fixed else model_field.get_default()
            out.append(value if to_db is None else to_db(value))
        values.append(out)
    _write(connection, model, fields, values)
    return len(values)


def insert_tuples(model, columns: list[str], rows: list[tuple]) -> int:
    """`insert_rows` for rows given as tuples of the values of ``columns`` (attnames), in that
    order: every row of one shape, so nothing is looked up per row and only the columns whose
    values the driver cannot take as they are (datetimes on SQLite) are converted: give each value
    as the field's Python type (``Decimal``, ``date``). The fields not in ``columns`` take their default (``auto_now``: the time of the
    call; a callable default is refused: it would be called once for every row)."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    by_name = {f.attname: f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)}
    if unknown := set(columns) - by_name.keys():
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    fields = [by_name[c] for c in columns]
    tail = []  # the other fields' one value, the same for every row
    for f in by_name.values():
        if f.attname in columns:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default() and callable(f.default):
            raise ValueError(f"{model.__name__}.{f.attname} has a callable default: give it in every row")
        else:
            value = f.get_default()
        to_db = _db_value(f, connection)
        fields.append(f)
        tail.append(value if to_db is None else to_db(value))
    convert = [(i, to_db) for i, f in enumerate(fields[: len(columns)]) if (to_db := _tuple_value(f, connection))]
    tail = tuple(tail)
    if convert:
        values = []
        for row in rows:
            out = list(row)
            for i, to_db in convert:
                out[i] = to_db(out[i])
            values.append((*out, *tail))
    else:
        values = [(*row, *tail) for row in rows] if tail else rows
    _write(connection, model, fields, values)
    return len(values)


def _tuple_value(field, connection):
    """`_db_value` for `insert_tuples`, whose values are of the field's Python type: a date and
    a Decimal go to every driver as they are (Django registers SQLite's adapters for both, the
    same text its conversions write), so only what else needs converting is converted."""
    if isinstance(field, models.DecimalField) or (
        isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)
    ):
        return None
    return _db_value(field, connection)


def _write(connection, model, fields, values) -> None:
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for out in values:
                    copy.write_row(out)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


def insert_select(model, columns: list[str], queryset) -> int:
    """``INSERT INTO`` the table of `model` (``columns``: attnames) the rows ``queryset`` selects,
    in its select order (a ``values()`` queryset with its annotations): the rows go from table to
    table in the database, not through Python. Returns the number of rows inserted."""
    connection = connections[router.db_for_write(model)]
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    names = ", ".join(qn(by_name[c].column) for c in columns)
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount


class _NeedsCollector(Exception):
    """delete_rows meets something only Django's collector does right."""


def _has_delete_listeners(model) -> bool:
    return signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model)


def _deletion_steps(queryset, steps: list, path: tuple = ()) -> None:
    """Append to `steps` what deleting `queryset` needs first, dependants before the rows they
    depend on; raise ProtectedError at once for a PROTECT reference (nothing written yet)."""
    opts = queryset.model._meta
    path = (*path, queryset.model)
    if opts.parents or _has_delete_listeners(queryset.model):
        raise _NeedsCollector
    if any(hasattr(f, "bulk_related_objects") for f in opts.private_fields):  # generic relations
        raise _NeedsCollector
    for relation in get_candidate_relations_to_delete(opts):
        fk = relation.field
        on_delete = fk.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model._base_manager.filter(**{f"{fk.name}__in": queryset})
        if on_delete is models.PROTECT:
            if related.exists():
                message = f"{opts.verbose_name} 被 {relation.related_model._meta.verbose_name} 引用"
                raise ProtectedError(message, list(related.order_by("pk")[:1]))
        elif on_delete is models.SET_NULL:
            steps.append(("update", related, {fk.name: None}))
        elif on_delete is models.CASCADE:
            if relation.related_model in path:  # a tree or a cycle: the collector follows it row by row
                raise _NeedsCollector
            _deletion_steps(related, steps, path)
            steps.append(("delete", related, None))
        else:  # RESTRICT, SET_DEFAULT, SET(...)
            raise _NeedsCollector


def delete_rows(queryset) -> None:
    """Delete the rows of `queryset` and, as their foreign keys' ``on_delete`` says, what refers
    to them: PROTECT raises ProtectedError (before anything is written), SET_NULL clears the
    reference, CASCADE deletes the referring rows (and theirs) first. Each step is one statement
    filtered by `queryset` as a subquery, so `queryset` must select its rows by their own columns
    (``import_batch``), which none of the steps changes.

    ``QuerySet.delete()`` does the same with Django's collector, which loads every row and sends
    its ids back in IN-lists, for every related table: 19 lists of 20,000 ids, 900 statements
    on SQLite, for an import of 20,000 members. Where the collector is needed (delete signals,
    multi-table inheritance, generic relations, RESTRICT, SET_DEFAULT, SET()) this falls back
    to it."""
    steps: list = []
    try:
        _deletion_steps(queryset, steps)
    except _NeedsCollector:
        queryset.delete()
        return
    with transaction.atomic(using=queryset.db, savepoint=False):
        for action, related, values in steps:
            if action == "update":
                related.update(**values)
            else:
                related._raw_delete(related.db)  # the collector's own fast path, without its checks
        queryset._raw_delete(queryset.db)


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
