"""Running an import (all-or-nothing) and undoing the last batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.importing import ImportOutcome, ImportPage, RowError, read_sheet, registered, template_workbook
from jiceng.core.scoping import require_manager, visible
from jiceng.orgs.models import Organization

from .models import ImportBatch

PREVIEW_ROWS = 20


def importers() -> dict:
    """The importers run by these pages, by kind (jiceng.core.importing's registry)."""
    return {entry.kind: entry for entry in registered() if not isinstance(entry, ImportPage)}


def other_pages() -> list[ImportPage]:
    """Imports with their own pages, listed as links."""
    return [entry for entry in registered() if isinstance(entry, ImportPage)]


def kind_label(kind: str) -> str:
    importer = importers().get(kind)
    return importer.title if importer else kind


def get_importer(kind: str):
    try:
        return importers()[kind]
    except KeyError as exc:
        raise ValidationError(f"未知的导入类型：{kind}") from exc


# Columns whose example is an organization code: the template shows codes of the downloading
# user's own tree (the county's codes look like C0101, not the A0101 a fixed example would say).
ORG_CODE_EXAMPLES = {"org", "parent", "code"}


def _examples(columns, actor) -> list:
    root = getattr(actor, "organization", None)
    if root is None:
        root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return list(columns)
    children = list(Organization.objects.filter(parent=root).order_by("path").values_list("code", flat=True))
    free = (f"{root.code}{n:02d}" for n in range(1, 100) if f"{root.code}{n:02d}" not in children)
    sample = {"parent": root.code, "code": next(free, f"{root.code}99"), "org": children[0] if children else root.code}
    return [replace(c, example=sample[c.key]) if c.key in sample and c.example else c for c in columns]


def template(kind: str, actor=None):
    importer = get_importer(kind)
    return template_workbook(importer.title, _examples(importer.columns, actor), importer.notes)


def _preview_cell(value):
    """Dates as the application writes them everywhere (2010-07-01), not as 2010年7月1日."""
    return value.isoformat() if isinstance(value, date) else value


def _scope_path(actor) -> str:
    if actor is not None and getattr(actor, "organization", None) is not None:
        return actor.organization.path
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    return root.path[:4] if root else ""


def run_import(kind: str, fileobj, *, actor=None, file_name: str = "", commit: bool = True) -> ImportOutcome:
    """Validate every row; if all are valid and `commit`, save them as one batch.

    `actor=None` is the command line (whole database). Raises ImportFileError for an
    unreadable file; row problems come back in `outcome.errors` and nothing is saved.
    """
    importer = get_importer(kind)
    if actor is not None:
        require_manager(actor)
    rows = read_sheet(fileobj, importer.columns)
    outcome = ImportOutcome(kind=kind, rows=len(rows))
    today = timezone.localdate()
    cleaned, errors = importer.validate(rows, actor, today)
    outcome.errors = errors
    outcome.preview = [
        {k: _preview_cell(v) for k, v in importer.preview_row(item).items()} for item in cleaned[:PREVIEW_ROWS]
    ]
    if not rows:
        outcome.errors = [*errors]
        outcome.errors.append(RowError(2, "", "文件中没有数据行"))
    if not outcome.ok or not commit:
        return outcome
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=kind,
                file_name=file_name[:255],
                row_count=len(cleaned),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                org_path=_scope_path(actor),
            )
            importer.save(cleaned, actor, batch)
            audit.record(
                actor, "import", batch, changes={"rows": len(cleaned), "file": file_name}, org_path=batch.org_path
            )
    except ValidationError as exc:
        # A rule only the save could see (validation should have caught it): nothing is kept.
        outcome.errors = [RowError(2, "", "；".join(exc.messages))]
        return outcome
    outcome.batch_id = batch.pk
    return outcome


def last_batch(actor=None) -> ImportBatch | None:
    qs = ImportBatch.objects.filter(status=ImportBatch.Status.DONE)
    if actor is not None:
        qs = visible(actor, qs)
    return qs.order_by("-created_at", "-id").first()


@transaction.atomic
def undo_last(actor=None) -> ImportBatch:
    """Remove the last batch, provided nothing has changed or used its records since."""
    if actor is not None:
        require_manager(actor)
    batch = last_batch(actor)
    if batch is None:
        raise ValidationError("没有可以撤销的导入批次")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    importer = get_importer(batch.kind)
    objects = importer.batch_objects(batch)
    if objects.count() != batch.row_count:
        raise ValidationError(f"{batch}：部分记录已被删除或调整，不能撤销")
    if objects.filter(revision__gt=0).exists():
        raise ValidationError(f"{batch}：导入后已有记录被修改，不能撤销")
    try:
        importer.undo(batch, objects)
    except ProtectedError as exc:
        raise ValidationError(f"{batch}：导入的记录已被其他记录引用（如新增的党员或下级组织），不能撤销") from exc
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    audit.record(actor, "undo_import", batch, changes={"rows": batch.row_count}, org_path=batch.org_path)
    return batch


def max_bytes() -> int:
    from django.conf import settings

    return settings.IMPORT_MAX_BYTES
