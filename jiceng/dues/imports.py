"""Importing a month's dues payments from Excel, all-or-nothing (on jiceng/core/importing.py).

The template for a branch and a month lists its members who have not paid yet, with their
dues; the secretary fills in the amount and date of those who paid. A row with neither amount
nor date is a member who has not paid: it is skipped and counted in the preview. Every other
row must be right, or nothing is imported, and each error names its row and column.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.importing import Column, ImportOutcome, ImportPage, ParsedRow, RowError, parse_date, read_sheet, text
from jiceng.core.scoping import require_manager, visible
from jiceng.members.models import Member

from . import rules, summary
from .models import DuesBase, DuesConsent, DuesImportBatch, DuesPayment
from .services import lock_members, payment_problems

METHOD_BY_LABEL = {label: value for value, label in DuesPayment.Method.choices}
METHOD_BY_LABEL.update({"转账": "transfer", "微信": "online", "支付宝": "online", "代交": "proxy"})

COLUMNS = [
    Column("党员编号", "member", True, "平台内的党员编号，请从模板复制，勿修改", "1024"),
    Column("姓名", "name", True, "须与党员编号对应，用于核对", "张三"),
    Column("所属月份", "month", True, "交纳的是哪个月的党费，如 2026-11", "2026-11"),
    Column("实交金额（元）", "amount", True, "每月一行；与应交金额一致，多交须在备注说明；未交的留空", "15.00"),
    Column("交纳日期", "paid_on", True, "如 2026-11-15；未交的留空", "2026-11-15"),
    Column("交纳方式", "method", False, "、".join(DuesPayment.Method.labels) + "；留空为现金", "现金"),
    Column("收据号", "receipt", False, "", ""),
    Column("备注", "note", False, "多交、补交超过6个月等须说明原因", ""),
]
INFO_COLUMNS = ["公民身份号码", "所在党组织", "应交金额（元）"]  # in the template only, ignored on import
NOTES = [
    "第一行为列名，请勿修改；每行是一名党员一个月的党费。带 * 的列必填。",
    "未交纳的党员：实交金额和交纳日期都留空，该行不导入（预览时会列出跳过的行数）。",
    "预交以后月份的党费须事先在平台登记党支部同意按季度交纳；补交超过6个月的须在备注说明原因。",
    "任何一行有错误时整个文件都不会导入，错误会指明行号和列名。",
]
PREVIEW_ROWS = 20


@dataclass
class DuesImportOutcome(ImportOutcome):
    skipped: int = 0  # rows left blank: members who have not paid
    count: int = 0  # payments to import
    total: Decimal = Decimal("0.00")


FIELD_COLUMN = {"member": "党员编号", "months": "所属月份", "amount": "实交金额（元）", "paid_on": "交纳日期"}


def _amount(value) -> Decimal:
    if isinstance(value, float) and math.isfinite(value):  # Excel numbers come as floats: 15.0, 0.2
        value = Decimal(str(round(value, 6)))
    return rules.parse_money(value, "amount", "实交金额", maximum=rules.MAX_PAYMENT)


def _member_id(raw: str) -> int | None:
    """A member number as the template has it (ASCII digits that fit a database id)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def validate(rows: list[ParsedRow], actor, today: date) -> tuple[list[dict], list[RowError], int]:
    """(cleaned rows, errors, rows skipped as unpaid)."""
    errors: list[RowError] = []
    pending: list[dict] = []
    skipped = 0
    ids = set()
    for r in rows:
        member_id = _member_id(text(r.values.get("member")))
        if member_id is not None:
            ids.add(member_id)
    scope = Member.objects.all() if actor is None else visible(actor, Member.objects.all())
    members = {m.pk: m for m in scope.filter(pk__in=ids).select_related("organization")}
    for r in rows:
        v = r.values
        row_errors: list[RowError] = []

        def err(column: str, message: str, _row=r.row, _errs=row_errors) -> None:
            _errs.append(RowError(_row, column, message))

        amount_text, paid_text = text(v.get("amount")), text(v.get("paid_on"))
        if not amount_text and not paid_text:
            skipped += 1
            continue
        raw_id = text(v.get("member"))
        member = members.get(_member_id(raw_id))
        if member is None:
            err("党员编号", f"未找到党员编号 {raw_id or '（空）'}（或不在您的管理范围内）")
        elif text(v.get("name")) != member.name:
            err("姓名", f"与党员编号 {member.pk} 的姓名“{member.name}”不一致，请核对")
        month = None
        try:
            month = rules.parse_month(v.get("month"))
        except ValueError as exc:
            err("所属月份", str(exc))
        amount = None
        if not amount_text:
            err("实交金额（元）", "填写了交纳日期但没有金额；未交的请两项都留空")
        else:
            try:
                amount = _amount(v.get("amount"))
            except rules.DuesRuleError as exc:
                err("实交金额（元）", str(exc))
        paid_on = None
        if not paid_text:
            err("交纳日期", "填写了金额但没有交纳日期；未交的请两项都留空")
        else:
            try:
                paid_on = parse_date(v.get("paid_on"))
            except ValueError as exc:
                err("交纳日期", str(exc))
            except OverflowError:  # a year too large for a date (core.importing lets it through)
                err("交纳日期", "日期格式应为 2020-07-01")
        method_text = text(v.get("method"))
        method = METHOD_BY_LABEL.get(method_text or "现金")
        if method is None:
            err("交纳方式", f"“{method_text}”不是有效的交纳方式（{'、'.join(DuesPayment.Method.labels)}）")
        if row_errors:
            errors.extend(row_errors)
            continue
        pending.append(
            {
                "row": r.row,
                "member": member,
                "month": month,
                "amount": amount,
                "paid_on": paid_on,
                "method": method,
                "receipt": text(v.get("receipt"))[:50],
                "note": text(v.get("note"))[:200],
            }
        )
    # Rules that need the database, with everything loaded in bulk.
    member_ids = {p["member"].pk for p in pending}
    years = {p["month"].year for p in pending}
    bases: dict[int, dict[int, DuesBase]] = defaultdict(dict)
    for b in DuesBase.objects.filter(member_id__in=member_ids, year__in=years):
        bases[b.member_id][b.year] = b
    consents: dict[int, list[DuesConsent]] = defaultdict(list)
    for c in DuesConsent.objects.filter(member_id__in=member_ids):
        consents[c.member_id].append(c)
    months = {p["month"] for p in pending}
    paid: dict[int, set[date]] = defaultdict(set)
    for member_id, month in DuesPayment.objects.filter(member_id__in=member_ids, month__in=months).values_list(
        "member_id", "month"
    ):
        paid[member_id].add(month)
    seen: dict[tuple[int, date], int] = {}
    cleaned = []
    for p in pending:
        member, key = p["member"], (p["member"].pk, p["month"])
        row_errors = []
        if key in seen:
            row_errors.append(RowError(p["row"], "所属月份", f"与第 {seen[key]} 行重复（同一党员同一月份）"))
        else:
            seen[key] = p["row"]
        for field, message in payment_problems(
            member,
            [p["month"]],
            paid_on=p["paid_on"],
            amount=p["amount"],
            note=p["note"],
            bases=bases[member.pk],
            consents=consents[member.pk],
            paid_months=paid[member.pk],
            today=today,
        ):
            row_errors.append(RowError(p["row"], FIELD_COLUMN.get(field, ""), message))
        if row_errors:
            errors.extend(row_errors)
            continue
        base = bases[member.pk][p["month"].year]
        consent = None
        if p["month"] > rules.month_start(p["paid_on"]):
            consent = next(c for c in consents[member.pk] if c.covers(p["month"], p["paid_on"]))
        cleaned.append({**p, "due": base.monthly_amount, "consent": consent})
    errors.sort(key=lambda e: e.row)
    return cleaned, errors, skipped


def preview_row(item: dict) -> dict:
    return {
        "行号": item["row"],
        "姓名": item["member"].name,
        "所在党组织": item["member"].organization.name,
        "所属月份": f"{item['month']:%Y-%m}",
        "应交": item["due"],
        "实交": item["amount"],
        "交纳日期": item["paid_on"],
        "方式": DuesPayment.Method(item["method"]).label,
    }


def _scope_path(actor) -> str:
    org = getattr(actor, "organization", None)
    return org.path if org is not None else ""


def run_import(fileobj, *, actor=None, file_name: str = "", commit: bool = True) -> DuesImportOutcome:
    """Validate every row; only if all are valid (and `commit`) save them as one batch.
    Raises ImportFileError for an unreadable file."""
    if actor is not None:
        require_manager(actor)
    rows = read_sheet(fileobj, COLUMNS)
    outcome = DuesImportOutcome(kind="dues", rows=len(rows))
    cleaned, errors, skipped = validate(rows, actor, timezone.localdate())
    outcome.errors = errors
    outcome.preview = [preview_row(item) for item in cleaned[:PREVIEW_ROWS]]
    outcome.skipped = skipped
    outcome.count = len(cleaned)
    outcome.total = sum((item["amount"] for item in cleaned), Decimal("0.00"))
    if not cleaned and not errors:
        outcome.errors = [RowError(2, "", "文件中没有填写了金额和交纳日期的行")]
    if not outcome.ok or not commit:
        return outcome
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            # The same locks as recording one payment: a concurrent recording waits, then
            # the unique constraint refuses the second payment of a month.
            lock_members({item["member"].pk for item in cleaned})
            batch = DuesImportBatch.objects.create(
                file_name=file_name[:255],
                row_count=len(cleaned),
                total=outcome.total,
                created_by=user,
                org_path=_scope_path(actor),
            )
            DuesPayment.objects.bulk_create(
                [
                    DuesPayment(
                        member=item["member"],
                        month=item["month"],
                        amount=item["amount"],
                        due_amount=item["due"],
                        paid_on=item["paid_on"],
                        method=item["method"],
                        receipt=item["receipt"],
                        note=item["note"],
                        consent=item["consent"],
                        batch=batch,
                        recorded_by=user,
                    )
                    for item in cleaned
                ],
                batch_size=1000,
            )
            summary.recount({item["member"].pk for item in cleaned}, {item["month"].year for item in cleaned})
            audit.record(
                actor,
                "import",
                batch,
                changes={"rows": len(cleaned), "total": str(outcome.total), "file": file_name},
                org_path=batch.org_path,
            )
    except IntegrityError:
        # Someone recorded one of these months between validation and saving: nothing is kept.
        outcome.errors = [RowError(2, "", "导入期间有党费被他人登记，为避免重复交纳，本次未导入任何数据，请重新上传")]
        return outcome
    outcome.batch_id = batch.pk
    return outcome


def last_batch(actor) -> DuesImportBatch | None:
    qs = DuesImportBatch.objects.filter(status=DuesImportBatch.Status.DONE)
    if actor is not None:
        qs = visible(actor, qs)
    return qs.order_by("-created_at", "-id").first()


@transaction.atomic
def undo_last(actor) -> DuesImportBatch:
    """Remove the payments of the most recent batch (the audit log keeps the batch)."""
    if actor is not None:
        require_manager(actor)
    batch = last_batch(actor)
    if batch is None:
        raise ValidationError("没有可以撤销的党费导入批次")
    batch = DuesImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != DuesImportBatch.Status.DONE:
        raise ValidationError("该批次已撤销")
    touched = list(DuesPayment.objects.filter(batch=batch).values_list("member_id", "month"))
    removed, _ = DuesPayment.objects.filter(batch=batch).delete()
    summary.recount({m for m, _ in touched}, {month.year for _, month in touched})
    batch.status = DuesImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.save(update_fields=["status", "undone_at"])
    audit.record(actor, "undo_import", batch, changes={"rows": removed}, org_path=batch.org_path)
    return batch


IMPORTERS = [ImportPage("dues_payments", "党费交纳", "dues:import", "按月导入党费交纳记录，可撤销最后一批")]


def template_rows(members, month: date, dues: dict[int, Decimal | None]):
    for m in members:
        expected = dues.get(m.pk)
        yield [m.pk, m.name, f"{month:%Y-%m}", "", "", "", "", "", m.id_number_masked, m.organization.name, expected]
