"""Every write to transfers goes through here, each step in one transaction with its timeline
event, the member's status history and an audit entry.

Who acts (both sides are checked with require_manager):

| step | within the county | out of the county | into the county |
|---|---|---|---|
| issue / record | sending side | sending side | receiving side |
| extend (重开/延期) | sending side | sending side | receiving side (new letter from outside) |
| confirm | receiving side | sending side, when the receipt (回执) is back | receiving side |
| return (退回) | receiving side | sending side (letter came back unused) | receiving side |
| cancel (撤销) | sending side | sending side | receiving side |

A step is claimed with a conditional UPDATE (``WHERE state = 'in_transit'``) on a row locked
with SELECT … FOR UPDATE, so a confirmation and a cancellation at the same moment never both
win: the second one finds the transfer closed and is refused.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.calendar import working_day_roller
from jiceng.core.notifications import notify_organization
from jiceng.core.scoping import require_manager
from jiceng.development import services as development_services
from jiceng.members import rules as member_rules
from jiceng.members import services as member_services
from jiceng.members.models import Member

from . import rules
from .models import Transfer, TransferEvent, TransferSettings

SNAPSHOT = ["kind", "state", "letter_number", "issued_on", "valid_until", "due_on", "from_org_id", "to_org_id"]


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(transfer: Transfer, action: str, on: date, actor, note: str = "") -> TransferEvent:
    return TransferEvent.objects.create(transfer=transfer, action=action, on=on, actor=_user(actor), note=note[:255])


def _url(transfer: Transfer) -> str:
    return reverse("transfers:detail", args=[transfer.pk])


def _notify(org, transfer: Transfer, what: str, title: str) -> None:
    if org is not None:
        notify_organization(
            org,
            kind="transfer",
            title=title,
            key=f"transfers:{what}:{transfer.pk}:{transfer.reissues}",
            url=_url(transfer),
        )


def next_letter_number(year: int) -> str:
    """The county's next letter number for the year, e.g. 2026-0007."""
    prefix = f"{year}-"
    taken = set(
        Transfer.objects.filter(
            kind__in=[Transfer.Kind.WITHIN, Transfer.Kind.OUT], letter_number__startswith=prefix
        ).values_list("letter_number", flat=True)
    )
    n = len(taken) + 1
    while f"{prefix}{n:04d}" in taken:
        n += 1
    return f"{prefix}{n:04d}"


def _check_letter_number(number: str, kind: str, exclude_pk=None) -> None:
    if kind == Transfer.Kind.IN:
        return
    clash = Transfer.objects.filter(kind__in=[Transfer.Kind.WITHIN, Transfer.Kind.OUT], letter_number=number)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"letter_number": f"介绍信编号“{number}”已经用过，请换一个编号或留空自动编号"})


# ---- issue ------------------------------------------------------------------------------


@transaction.atomic
def issue_transfer(
    actor,
    member: Member,
    *,
    kind: str,
    issued_on: date,
    valid_until: date | None = None,
    to_org=None,
    to_name: str = "",
    region: str = "",
    letter_number: str = "",
    reason: str = Transfer.Reason.WORK,
    note: str = "",
) -> Transfer:
    """The sending organization issues a letter; the member goes in transit. The letter's 党费交至
    is read from the dues ledger (`Transfer.dues_month`), not entered."""
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    require_manager(actor, member.organization)
    today = timezone.localdate()
    config = TransferSettings.current()
    if kind not in (Transfer.Kind.WITHIN, Transfer.Kind.OUT):
        raise ValidationError({"kind": "请选择县内转接或转出县外"})
    if member.status == Member.Status.IN_TRANSIT:
        raise ValidationError("该党员的组织关系已在转接途中，须等接收、退回或撤销后才能再次转接")
    if member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError(
            f"只有在册党员（正式、预备）可以转接组织关系，该党员状态为“{member.get_status_display()}”"
        )
    errors: dict[str, str] = {}
    if kind == Transfer.Kind.WITHIN:
        if to_org is None:
            errors["to_org"] = "县内转接须选择接收党组织"
        elif to_org.pk == member.organization_id:
            errors["to_org"] = "接收党组织与所在党组织相同"
        elif to_org.type == "group":
            errors["to_org"] = "党员组织关系转入党支部（党总支、党委），不能直接转入党小组"
    else:
        to_org = None
        if not to_name.strip():
            errors["to_name"] = "转出县外须填写接收党组织名称"
        if not region.strip():
            errors["region"] = "转出县外须填写去往地区（省、市、县）"
    valid_until = valid_until or min(
        rules.default_valid_until(issued_on, config.default_validity_days),
        rules.latest_valid_until(issued_on, config.max_validity_months),
    )
    errors.update(rules.validity_errors(issued_on, valid_until, today, config.max_validity_months))
    if member.join_date and issued_on < member.join_date:
        errors["issued_on"] = "开具日期不能早于入党日期"
    if errors:
        raise ValidationError(errors)
    letter_number = letter_number.strip() or next_letter_number(issued_on.year)
    _check_letter_number(letter_number, kind)
    transfer = Transfer.objects.create(
        kind=kind,
        member=member,
        member_name=member.name,
        gender=member.gender,
        birth_date=member.birth_date,
        id_number_masked=member.id_number_masked,
        id_number_digest=member.id_number_digest,
        phone=member.phone,
        member_status=member.status,
        join_date=member.join_date,
        full_date=member.full_date,
        from_org=member.organization,
        to_org=to_org,
        to_name=to_name.strip() if to_org is None else "",
        region=region.strip() if to_org is None else "",
        letter_number=letter_number,
        issued_on=issued_on,
        valid_until=valid_until,
        due_on=rules.due_on(kind, valid_until, config.receipt_months, working_day_roller()),
        reason=reason,
        note=note.strip(),
        issued_by=_user(actor),
    )
    member_services.apply_transfer_status(
        actor,
        member,
        to_status=Member.Status.IN_TRANSIT,
        on=issued_on,
        reason=f"组织关系转出（介绍信{letter_number}，转往{transfer.to_label}）",
    )
    _event(transfer, TransferEvent.Action.ISSUE, issued_on, actor, f"有效期至{valid_until:%Y-%m-%d}")
    audit.record(
        actor, "create", transfer, changes=audit.snapshot(transfer, SNAPSHOT), org_path=member.organization.path
    )
    _notify(to_org, transfer, "issued", f"组织关系转入待接收：{member.name}")
    return transfer


@transaction.atomic
def record_incoming(
    actor,
    *,
    to_org,
    name: str,
    id_number: str,
    member_status: str,
    join_date: date | None,
    full_date: date | None,
    from_name: str,
    region: str,
    letter_number: str,
    issued_on: date,
    valid_until: date,
    phone: str = "",
    dues_paid_until: date | None = None,
    reason: str = Transfer.Reason.WORK,
    note: str = "",
) -> Transfer:
    """The receiving organization records a letter from outside the county; the person is
    not counted anywhere in the county until the receipt is confirmed."""
    require_manager(actor, to_org)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    try:
        info = idnumbers.parse(id_number, today=today)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    if member_status not in (Member.Status.FULL, Member.Status.PROBATIONARY):
        errors["member_status"] = "请选择正式党员或预备党员"
    errors.update(
        member_rules.record_errors(
            status=member_status, birth_date=info.birth_date, join_date=join_date, full_date=full_date, today=today
        )
    )
    if to_org.type == "group":
        errors["to_org"] = "党员组织关系转入党支部（党总支、党委），不能直接转入党小组"
    if not name.strip():
        errors["name"] = "请填写姓名"
    if not from_name.strip():
        errors["from_name"] = "请填写转出党组织"
    if not letter_number.strip():
        errors["letter_number"] = "请填写介绍信编号"
    if issued_on > today:
        errors["issued_on"] = "开具日期不能晚于今天"
    if valid_until < issued_on:
        errors["valid_until"] = "有效期不能早于开具日期"
    if errors:
        raise ValidationError(errors)
    digest = idnumbers.digest(info.number)
    existing = Member.objects.filter(id_number_digest=digest).first()
    if existing is not None and existing.status != Member.Status.TRANSFERRED_OUT:
        if existing.status in (*Member.ACTIVE_STATUSES, Member.Status.IN_TRANSIT):
            raise ValidationError(
                {"id_number": "该党员的组织关系在本县，县内调动请由所在党组织办理“县内转接”，不必登记县外转入"}
            )
        raise ValidationError({"id_number": "系统中该公民身份号码的档案不能恢复（已去世或已出党），请核对"})
    if Transfer.objects.filter(
        kind=Transfer.Kind.IN, state=Transfer.State.IN_TRANSIT, id_number_digest=digest
    ).exists():
        raise ValidationError({"id_number": "该党员已有一份待接收的县外转入介绍信"})
    transfer = Transfer.objects.create(
        kind=Transfer.Kind.IN,
        member_name=name.strip(),
        gender=info.gender,
        birth_date=info.birth_date,
        id_number_masked=idnumbers.mask(info.number),
        id_number_digest=digest,
        id_number_encrypted=idnumbers.encrypt(info.number),
        phone=phone.strip(),
        member_status=member_status,
        join_date=join_date,
        full_date=full_date if member_status == Member.Status.FULL else None,
        dues_paid_until=dues_paid_until,
        from_name=from_name.strip(),
        region=region.strip(),
        to_org=to_org,
        letter_number=letter_number.strip(),
        issued_on=issued_on,
        valid_until=valid_until,
        due_on=rules.due_on(Transfer.Kind.IN, valid_until, 0, working_day_roller()),
        reason=reason,
        note=note.strip(),
        issued_by=_user(actor),
    )
    note_text = f"来自{transfer.from_name}，有效期至{valid_until:%Y-%m-%d}"
    if existing is not None:
        note_text += "；系统中有该党员此前转出的档案，接收后恢复"
    _event(transfer, TransferEvent.Action.RECORD, today, actor, note_text)
    audit.record(actor, "create", transfer, changes=audit.snapshot(transfer, SNAPSHOT), org_path=to_org.path)
    return transfer


# ---- steps on an open transfer ------------------------------------------------------------


def _acting_org(transfer: Transfer, step: str):
    receiving_steps = {"confirm", "return"}
    if transfer.kind == Transfer.Kind.IN:
        return transfer.to_org
    if transfer.kind == Transfer.Kind.OUT:
        return transfer.from_org
    return transfer.to_org if step in receiving_steps else transfer.from_org


def can_take_step(user, transfer: Transfer, step: str) -> bool:
    """Whether `user` may take `step` on `transfer`: a manager of the side that takes it (whether
    the transfer is still open is checked by the page and by the step itself)."""
    from django.core.exceptions import PermissionDenied

    try:
        require_manager(user, _acting_org(transfer, step))
    except PermissionDenied:
        return False
    return True


def _lock_open(actor, transfer: Transfer, step: str) -> Transfer:
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("from_org", "to_org").get(pk=transfer.pk)
    require_manager(actor, _acting_org(transfer, step))
    if transfer.state != Transfer.State.IN_TRANSIT:
        raise ValidationError(f"该转接已{transfer.get_state_display()}，不能再办理（可能已被他人处理，请刷新页面）")
    return transfer


def _claim(transfer: Transfer, **values) -> None:
    claimed = Transfer.objects.filter(pk=transfer.pk, state=Transfer.State.IN_TRANSIT).update(
        revision=F("revision") + 1, **values
    )
    if claimed != 1:
        raise ValidationError("该转接已被他人处理，请刷新页面")
    for key, value in values.items():
        setattr(transfer, key, value)


@transaction.atomic
def confirm_transfer(actor, transfer: Transfer, *, on: date, receipt_on: date | None = None) -> Transfer:
    """Receipt: the member reported on `on`, within the letter's validity.

    Within the county the receiving side confirms and the member moves there; into the
    county the member record is created or reactivated; out of the county the sending side
    records the returned receipt (`receipt_on`) and the member becomes 已转出.
    """
    transfer = _lock_open(actor, transfer, "confirm")
    today = timezone.localdate()
    errors = rules.reporting_errors(transfer.issued_on, transfer.valid_until, on, today, working_day_roller())
    if transfer.kind == Transfer.Kind.OUT:
        receipt_on = receipt_on or today
        if receipt_on > today:
            errors["receipt_on"] = "回执收到日期不能晚于今天"
        elif receipt_on < on:
            errors["receipt_on"] = "回执收到日期不能早于接收日期"
    if errors:
        raise ValidationError(errors)
    _claim(
        transfer,
        state=Transfer.State.COMPLETED,
        completed_on=on,
        receipt_on=receipt_on if transfer.kind == Transfer.Kind.OUT else on,
    )
    letter = f"介绍信{transfer.letter_number}"
    if transfer.kind == Transfer.Kind.WITHIN:
        member = member_services.apply_transfer_status(
            actor,
            transfer.member,
            to_status=transfer.member_status,
            on=on,
            reason=f"组织关系由{transfer.from_org.name}转入{transfer.to_org.name}（{letter}）",
            organization=transfer.to_org,
        )
        # A probationary member's open development file follows them to the receiving organization.
        development_services.follow_member(
            actor, member, to_org=transfer.to_org, on=on, letter_number=transfer.letter_number
        )
        _event(transfer, TransferEvent.Action.CONFIRM, on, actor, f"{transfer.to_org.name}确认接收")
        _notify(transfer.from_org, transfer, "completed", f"组织关系已接收：{member.name}")
    elif transfer.kind == Transfer.Kind.OUT:
        member_services.apply_transfer_status(
            actor,
            transfer.member,
            to_status=Member.Status.TRANSFERRED_OUT,
            on=on,
            reason=f"组织关系转出县外：{transfer.to_name}（{transfer.region}，{letter}，回执{receipt_on:%Y-%m-%d}收到）",
        )
        # A probationary member's open development file goes with them; it is closed here.
        development_services.leave_county(
            actor, transfer.member, on=on, letter_number=transfer.letter_number, to_name=transfer.to_name
        )
        _event(transfer, TransferEvent.Action.RECEIPT, receipt_on, actor, f"{transfer.to_name}于{on:%Y-%m-%d}接收")
    else:
        member = _receive_from_outside(actor, transfer, on)
        Transfer.objects.filter(pk=transfer.pk).update(member=member)
        transfer.member = member
        _event(transfer, TransferEvent.Action.CONFIRM, on, actor, f"{transfer.to_org.name}确认接收")
    audit.record(
        actor,
        "update",
        transfer,
        changes={"state": [Transfer.State.IN_TRANSIT, Transfer.State.COMPLETED], "completed_on": on},
        org_path=_acting_org(transfer, "confirm").path,
    )
    return transfer


def _receive_from_outside(actor, transfer: Transfer, on: date) -> Member:
    reason = f"县外转入：来自{transfer.from_name}（介绍信{transfer.letter_number}）"
    existing = Member.objects.select_for_update().filter(id_number_digest=transfer.id_number_digest).first()
    if existing is None:
        return member_services.create_member(
            actor,
            id_number=idnumbers.decrypt(transfer.id_number_encrypted),
            status=transfer.member_status,
            name=transfer.member_name,
            gender=transfer.gender,
            phone=transfer.phone,
            join_date=transfer.join_date,
            full_date=transfer.full_date,
            organization=transfer.to_org,
            history_reason=reason,
            history_on=on,
        )
    if existing.status != Member.Status.TRANSFERRED_OUT:
        raise ValidationError("该公民身份号码的党员已在本县在册，不能重复接收，请撤销这份县外转入登记")
    # A member who once left the county comes back: the same record, reactivated.
    updates = {}
    if transfer.member_status == Member.Status.FULL and existing.full_date is None:
        updates["full_date"] = transfer.full_date
    if transfer.member_status == Member.Status.PROBATIONARY and existing.full_date is not None:
        updates["full_date"] = None
    if updates:
        Member.objects.filter(pk=existing.pk).update(**updates)
    return member_services.apply_transfer_status(
        actor, existing, to_status=transfer.member_status, on=on, reason=reason, organization=transfer.to_org
    )


@transaction.atomic
def return_transfer(actor, transfer: Transfer, *, reason: str, on: date | None = None) -> Transfer:
    """退回: the receiving side refuses (or, out of the county, the letter comes back unused);
    the member is restored to the sending organization with their former status."""
    return _close(actor, transfer, "return", reason, on)


@transaction.atomic
def cancel_transfer(actor, transfer: Transfer, *, reason: str, on: date | None = None) -> Transfer:
    """撤销: the side that started it withdraws it before receipt; the member is restored."""
    return _close(actor, transfer, "cancel", reason, on)


def _close(actor, transfer: Transfer, step: str, reason: str, on: date | None) -> Transfer:
    transfer = _lock_open(actor, transfer, step)
    today = timezone.localdate()
    on = on or today
    label = "退回" if step == "return" else "撤销"
    if not reason.strip():
        raise ValidationError({"reason": f"请填写{label}原因"})
    if on > today or on < transfer.issued_on:
        raise ValidationError({"on": f"{label}日期须在开具日期和今天之间"})
    state = Transfer.State.RETURNED if step == "return" else Transfer.State.CANCELLED
    _claim(transfer, state=state, closed_on=on, closed_reason=reason.strip()[:200])
    if transfer.member_id and transfer.kind != Transfer.Kind.IN:
        member_services.apply_transfer_status(
            actor,
            transfer.member,
            to_status=transfer.member_status,
            on=on,
            reason=f"组织关系转接已{label}（介绍信{transfer.letter_number}）：{reason.strip()}",
        )
    action = TransferEvent.Action.RETURN if step == "return" else TransferEvent.Action.CANCEL
    _event(transfer, action, on, actor, reason.strip())
    audit.record(
        actor,
        "update",
        transfer,
        changes={"state": [Transfer.State.IN_TRANSIT, state]},
        note=reason.strip(),
        org_path=_acting_org(transfer, step).path,
    )
    if transfer.kind == Transfer.Kind.WITHIN:
        other = transfer.from_org if step == "return" else transfer.to_org
        _notify(
            other,
            transfer,
            "returned" if step == "return" else "cancelled",
            f"组织关系转接已{label}：{transfer.member_name}",
        )
    return transfer


@transaction.atomic
def extend_transfer(
    actor,
    transfer: Transfer,
    *,
    valid_until: date,
    reason: str,
    letter_number: str = "",
    reissued_on: date | None = None,
) -> Transfer:
    """重开/延期: a new validity (and, if re-issued, a new letter number) for an open transfer,
    e.g. when the member could not report in time for a reason the branch certifies."""
    transfer = _lock_open(actor, transfer, "extend")
    today = timezone.localdate()
    reissued_on = reissued_on or today
    config = TransferSettings.current()
    max_months = config.max_validity_months
    if transfer.kind == Transfer.Kind.IN:
        max_months = 1200  # a letter from outside the county: its issuer sets the validity
    errors = rules.extension_errors(transfer.valid_until, valid_until, reissued_on, today, max_months)
    if not reason.strip():
        errors["reason"] = "请填写延期或重开的原因（如党支部出具的证明、本人申请）"
    if errors:
        raise ValidationError(errors)
    new_number = letter_number.strip() or transfer.letter_number
    if new_number != transfer.letter_number:
        _check_letter_number(new_number, transfer.kind, exclude_pk=transfer.pk)
    before = audit.snapshot(transfer, SNAPSHOT)
    _claim(
        transfer,
        valid_until=valid_until,
        due_on=rules.due_on(transfer.kind, valid_until, config.receipt_months, working_day_roller()),
        letter_number=new_number,
        reissues=transfer.reissues + 1,
    )
    note = f"有效期延至{valid_until:%Y-%m-%d}"
    if new_number != before["letter_number"]:
        note += f"，重开介绍信{new_number}（原{before['letter_number']}）"
    _event(transfer, TransferEvent.Action.EXTEND, reissued_on, actor, f"{note}：{reason.strip()}")
    audit.record(
        actor,
        "update",
        transfer,
        changes=audit.diff(before, audit.snapshot(transfer, SNAPSHOT)),
        note=reason.strip(),
        org_path=_acting_org(transfer, "extend").path,
    )
    if transfer.kind == Transfer.Kind.WITHIN:
        _notify(transfer.to_org, transfer, "extended", f"转入介绍信已延期：{transfer.member_name}")
    return transfer


@transaction.atomic
def update_settings(actor, **values) -> TransferSettings:
    from jiceng.core.scoping import require_county_admin

    require_county_admin(actor)
    config = TransferSettings.current()
    before = {k: getattr(config, k) for k in values}
    for key, value in values.items():
        setattr(config, key, value)
    config.save()
    audit.record(
        actor,
        "update",
        config,
        changes=audit.diff(before, values),
        org_path=getattr(getattr(actor, "organization", None), "path", ""),
    )
    return config


@transaction.atomic
def refresh_due_dates(years) -> int:
    """Recompute `due_on` of the transfers in transit after holidays or make-up working days of
    `years` changed (`core.calendar.calendar_changed`, connected in `apps.py`); runs in the calendar
    change's transaction. Only a due date on or after 1 January of the earliest year can move. A
    letter out of the county keeps the receipt period it was issued with (`rules.receipt_months_of`).
    Closed transfers keep their record. Returns how many changed."""
    if not years:
        return 0
    since = date(min(years), 1, 1)
    roll = working_day_roller()
    changed = 0
    open_ = Transfer.objects.select_for_update().filter(state=Transfer.State.IN_TRANSIT, due_on__gte=since)
    for transfer in open_.order_by("id"):
        months = rules.receipt_months_of(transfer.valid_until, transfer.due_on) if transfer.kind == "out" else 0
        due = rules.due_on(transfer.kind, transfer.valid_until, months, roll)
        if due != transfer.due_on:
            Transfer.objects.filter(pk=transfer.pk).update(due_on=due, revision=F("revision") + 1)
            changed += 1
    return changed
