"""Every write to dues records goes through here (and is audit-logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.scoping import path_q, require_county_admin, require_manager, visible
from jiceng.members.models import Member

from . import rules, summary
from .models import DuesBase, DuesConsent, DuesPayment, DuesSettings

SETTINGS_FIELDS = ["farmer_amount", "ledger_start", "reminder_day"]
BASE_FIELDS = ["category", "income", "rate", "standard_amount", "monthly_amount", "reduction_note", "note"]


def lock_members(ids) -> list[Member]:
    """Lock members' rows (in id order, so two writers never wait on each other in a circle).

    FOR NO KEY UPDATE, and only the member table: inserting a payment checks its foreign key
    with FOR KEY SHARE, which this lock lets through, so a writer holding it and another
    inserting rows for the same member cannot deadlock.
    """
    return list(
        Member.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def update_settings(actor, **fields) -> DuesSettings:
    require_county_admin(actor)
    current = DuesSettings.for_update()
    before = audit.snapshot(current, SETTINGS_FIELDS)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        if name == "ledger_start" and value is not None:
            value = rules.month_start(value)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    changes = audit.diff(before, audit.snapshot(current, SETTINGS_FIELDS))
    if changes:
        audit.record(actor, "update", current, changes=changes, org_path="")
    return current


# ---------------------------------------------------------------------------------------------
# Yearly base
# ---------------------------------------------------------------------------------------------


def compute_base(
    *,
    category: str,
    income=None,
    farmer_amount=None,
    reduced_amount=None,
    reduction_note: str = "",
    farmer_default: Decimal | None = None,
) -> dict:
    """The stored fields of a base, computed by the rules; raises ValidationError by field."""
    if farmer_default is None:
        farmer_default = DuesSettings.current().farmer_amount
    category = rules.normalize_category(category)  # a Chinese name (退休) is stored as its code
    try:
        dues = rules.monthly_dues(
            category,
            income if category in rules.INCOME_CATEGORIES else None,
            farmer_amount=farmer_amount,
            farmer_default=farmer_default,
        )
    except rules.DuesRuleError as exc:
        field = {"amount": "farmer_amount"}.get(exc.field, exc.field) or "category"
        raise ValidationError({field: str(exc)}) from exc
    monthly = dues.monthly_amount
    if reduced_amount not in (None, ""):
        try:
            reduced = rules.parse_money(reduced_amount, "reduced_amount", "少交后的月交纳额")
        except rules.DuesRuleError as exc:
            raise ValidationError({"reduced_amount": str(exc)}) from exc
        if reduced >= dues.monthly_amount:
            raise ValidationError({"reduced_amount": f"少交后的金额应低于按规定应交的{dues.monthly_amount}元"})
        if not reduction_note.strip():
            raise ValidationError(
                {"reduction_note": "少交或免交须经党支部研究、报上一级党委批准，请填写批准文号或说明"}
            )
        monthly = reduced
    return {
        "category": category,
        "income": dues.income,
        "rate": dues.rate,
        "standard_amount": dues.monthly_amount,
        "monthly_amount": monthly,
        "reduction_note": reduction_note.strip() if monthly < dues.monthly_amount else "",
    }


@transaction.atomic
def set_base(
    actor,
    member: Member,
    *,
    year: int,
    category: str,
    income=None,
    farmer_amount=None,
    reduced_amount=None,
    reduction_note: str = "",
    note: str = "",
) -> DuesBase:
    """Set (or correct) a member's base for `year`. Payments already recorded keep the amount
    they were recorded with (`due_amount`)."""
    require_manager(actor, member.organization)
    member = lock_members([member.pk])[0]
    today = timezone.localdate()
    if not 2008 <= year <= today.year + 1:
        raise ValidationError({"year": f"年度应在2008年（现行规定施行）至{today.year + 1}年之间"})
    if not member.is_active:
        raise ValidationError("只有在册党员（正式党员、预备党员）才能核定党费基数")
    fields = compute_base(
        category=category,
        income=income,
        farmer_amount=farmer_amount,
        reduced_amount=reduced_amount,
        reduction_note=reduction_note,
    )
    fields["note"] = note.strip()[:200]
    base = DuesBase.objects.filter(member=member, year=year).first()
    if base is None:
        base = DuesBase.objects.create(member=member, year=year, set_by=_user(actor), **fields)
        audit.record(
            actor,
            "create",
            base,
            changes=audit.snapshot(base, ["year", *BASE_FIELDS]),
            org_path=member.organization.path,
        )
        return base
    before = audit.snapshot(base, BASE_FIELDS)
    for name, value in fields.items():
        setattr(base, name, value)
    changes = audit.diff(before, audit.snapshot(base, BASE_FIELDS))
    if changes:
        base.set_by = _user(actor)
        base.revision = F("revision") + 1
        base.save()
        base.refresh_from_db()
        audit.record(actor, "update", base, changes=changes, org_path=member.organization.path)
    return base


# ---------------------------------------------------------------------------------------------
# Consent to quarterly payment
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    actor, member: Member, *, first_month: date, last_month: date, decided_on: date, decision: str
) -> DuesConsent:
    require_manager(actor, member.organization)
    first, last = rules.month_start(first_month), rules.month_start(last_month)
    errors = {}
    if last < first:
        errors["last_month"] = "截止月份不能早于起始月份"
    elif rules.months_between(first, last) > 24:
        errors["last_month"] = "一次同意最长24个月，到期后由支部重新研究"
    if decided_on > timezone.localdate():
        errors["decided_on"] = "支部同意日期不能晚于今天"
    if not decision.strip():
        errors["decision"] = "请填写支部同意的依据（如会议及日期）"
    if not member.is_active:
        errors["__all__"] = "只有在册党员才能登记"
    if errors:
        raise ValidationError(errors)
    consent = DuesConsent.objects.create(
        member=member,
        first_month=first,
        last_month=last,
        decided_on=decided_on,
        decision=decision.strip()[:200],
        recorded_by=_user(actor),
    )
    audit.record(
        actor,
        "create",
        consent,
        changes=audit.snapshot(consent, ["first_month", "last_month", "decided_on", "decision"]),
        org_path=member.organization.path,
    )
    return consent


@transaction.atomic
def revoke_consent(actor, consent: DuesConsent, *, on: date | None = None) -> DuesConsent:
    require_manager(actor, consent.member.organization)
    on = on or timezone.localdate()
    updated = DuesConsent.objects.filter(pk=consent.pk, revoked_on=None).update(
        revoked_on=on, revision=F("revision") + 1
    )
    if not updated:
        raise ValidationError("该同意记录已撤销")
    consent.refresh_from_db()
    audit.record(
        actor, "update", consent, changes={"revoked_on": [None, on]}, org_path=consent.member.organization.path
    )
    return consent


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------


def payment_problems(
    member: Member,
    months: list[date],
    *,
    paid_on: date,
    amount: Decimal | None,
    note: str,
    bases: dict[int, DuesBase],
    consents: list[DuesConsent],
    paid_months: set[date],
    today: date,
) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with paying `months` for `member`; shared by the
    form and the Excel import, which load `bases`, `consents` and `paid_months` in bulk."""
    problems: list[tuple[str, str]] = []
    if member.status not in Member.ACTIVE_STATUSES:
        problems.append(("member", f"{member.name}不是在册党员（{member.get_status_display()}），不能登记党费"))
        return problems
    if paid_on > today:
        problems.append(("paid_on", "交纳日期不能晚于今天"))
        return problems
    if paid_on.year < rules.FIRST_YEAR:
        problems.append(("paid_on", f"交纳日期不能早于{rules.FIRST_YEAR}年（现行党费规定施行）"))
        return problems
    if amount is not None:
        try:
            amount = rules.parse_money(amount, "amount", "实交金额", maximum=rules.MAX_PAYMENT)
        except rules.DuesRuleError as exc:
            problems.append(("amount", str(exc)))
            return problems
    if not months:
        problems.append(("months", "请选择所属月份"))
        return problems
    has_note = bool(note.strip())
    consent_months = {m for m in months if any(c.covers(m, paid_on) for c in consents)}
    for message in rules.payment_month_errors(
        months, paid_on=paid_on, join_date=member.join_date, consent_months=consent_months, has_note=has_note
    ):
        problems.append(("months", message))
    for month in months:
        label = f"{month.year}年{month.month}月"
        if month in paid_months:
            problems.append(("months", f"{label}党费已登记，不能重复交纳"))
            continue
        base = bases.get(month.year)
        if base is None:
            problems.append(("months", f"尚未核定{member.name}{month.year}年度党费基数，请先核定"))
            continue
        message = rules.amount_error(
            base.monthly_amount if amount is None else amount, base.monthly_amount, has_note=has_note
        )
        if message:
            problems.append(("amount", f"{label}：{message}"))
    # One message per text (a missing base is reported once per year, not per month).
    return list(dict.fromkeys(problems))


@transaction.atomic
def record_payment(
    actor,
    member: Member,
    *,
    months: list[date],
    paid_on: date,
    method: str = DuesPayment.Method.CASH,
    amount: Decimal | None = None,
    receipt: str = "",
    note: str = "",
) -> list[DuesPayment]:
    """Record `member`'s dues for each month of `months` paid on `paid_on` (one row per month).

    `amount` is per month and defaults to the month's dues. The member row is locked, so two
    people recording the same member wait for each other; the unique (member, month)
    constraint is the last guard, also against the Excel import.
    """
    require_manager(actor, member.organization)
    member = lock_members([member.pk])[0]
    months = sorted({rules.month_start(m) for m in months})
    if method not in DuesPayment.Method.values:
        raise ValidationError({"method": "请选择交纳方式"})
    bases = {b.year: b for b in DuesBase.objects.filter(member=member, year__in={m.year for m in months})}
    consents = list(DuesConsent.objects.filter(member=member))
    paid = set(DuesPayment.objects.filter(member=member, month__in=months).values_list("month", flat=True))
    problems = payment_problems(
        member,
        months,
        paid_on=paid_on,
        amount=amount,
        note=note,
        bases=bases,
        consents=consents,
        paid_months=paid,
        today=timezone.localdate(),
    )
    if problems:
        errors: dict[str, list[str]] = {}
        for field, message in problems:
            errors.setdefault(field if field in ("paid_on", "amount", "method") else "__all__", []).append(message)
        raise ValidationError(errors)
    if amount is not None:
        amount = rules.parse_money(amount, "amount", "实交金额", maximum=rules.MAX_PAYMENT)
    rows = []
    for month in months:
        due = bases[month.year].monthly_amount
        consent = next((c for c in consents if month > rules.month_start(paid_on) and c.covers(month, paid_on)), None)
        rows.append(
            DuesPayment(
                member=member,
                month=month,
                amount=due if amount is None else amount,
                due_amount=due,
                paid_on=paid_on,
                method=method,
                receipt=receipt.strip()[:50],
                note=note.strip()[:200],
                consent=consent,
                recorded_by=_user(actor),
            )
        )
    try:
        with transaction.atomic():
            DuesPayment.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise ValidationError("该党员所选月份的党费刚刚已由他人登记，请刷新后查看") from exc
    summary.recount([member.pk], {m.year for m in months})
    audit.record(
        actor,
        "create",
        member,
        changes={
            "months": [f"{m:%Y-%m}" for m in months],
            "amount": str(sum((r.amount for r in rows), Decimal("0"))),
            "paid_on": paid_on,
            "method": method,
        },
        note="登记党费",
        org_path=member.organization.path,
    )
    return rows


@transaction.atomic
def delete_payment(actor, payment: DuesPayment, *, reason: str) -> None:
    """Remove a wrongly recorded payment (the audit log keeps what it was)."""
    require_manager(actor, payment.member.organization)
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    snapshot = audit.snapshot(payment, ["month", "amount", "due_amount", "paid_on", "method", "receipt", "note"])
    path = payment.member.organization.path
    deleted, _ = DuesPayment.objects.filter(pk=payment.pk).delete()
    if not deleted:
        raise ValidationError("该记录已被撤销")
    summary.recount([payment.member_id], [payment.month.year])
    audit.record(
        actor, "delete", payment, changes=snapshot, note=f"撤销党费登记：{reason.strip()}"[:255], org_path=path
    )


@dataclass
class CarryResult:
    created: int
    skipped: int  # last year reduced or exempt: needs a new approval, so set by hand


@transaction.atomic
def carry_forward_bases(actor, root, year: int) -> CarryResult:
    """Give every active member of `root`'s subtree who has no base for `year` last year's
    category and income, recomputed by the rules (the yearly review, 每年核定). A reduction
    (少交或免交) is not carried: it needs the higher committee's approval again."""
    require_manager(actor, root)
    today = timezone.localdate()
    if not 2009 <= year <= today.year + 1:
        raise ValidationError(f"年度应在2009年至{today.year + 1}年之间")
    members = Member.objects.filter(path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES)
    if actor is not None:
        members = visible(actor, members)
    previous = DuesBase.objects.filter(
        year=year - 1, member__in=members.exclude(dues_bases__year=year).values("pk")
    ).select_related("member")
    farmer_default = DuesSettings.current().farmer_amount
    rows, skipped = [], 0
    for prior in previous:
        if prior.is_reduced:
            skipped += 1
            continue
        fields = compute_base(
            category=prior.category,
            income=prior.income,
            farmer_amount=prior.standard_amount if prior.category == rules.FARMER else None,
            farmer_default=farmer_default,
        )
        rows.append(
            DuesBase(member=prior.member, year=year, set_by=_user(actor), note=f"按{year - 1}年度结转", **fields)
        )
    try:
        with transaction.atomic():
            DuesBase.objects.bulk_create(rows, batch_size=1000)
    except IntegrityError as exc:
        raise ValidationError("结转期间有基数被他人核定，请刷新后重试") from exc
    audit.record(
        actor,
        "create",
        root,
        object_type="dues.DuesBase",
        changes={"year": year, "created": len(rows), "skipped": skipped},
        note=f"按{year - 1}年度结转{year}年度党费基数",
        org_path=root.path,
    )
    return CarryResult(len(rows), skipped)
