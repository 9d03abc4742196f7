"""Opening a development file (step 1), editing it, and closing or correcting it (不予发展,
revoking the last step, documents)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.calendar import working_day_roller
from jiceng.core.scoping import require_manager
from jiceng.core.text import pinyin_keys
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .. import rules
from ..models import DevelopmentFile, Document, Step
from .common import DEVELOPING_TYPES, PERSON_FIELDS, _add_document, _errors, _save_state, _user, file_state, store_state

# ---- opening a file (step 1) -----------------------------------------------------------------


def _may_apply_again(member: Member) -> bool:
    """A person whose probationary membership was cancelled (取消预备党员资格) is no longer a
    member and may apply again as a new applicant (《中国共产党发展党员工作细则》: development
    starts from a written application and runs through every step again). Other former members
    (expelled, struck off, lapsed, withdrawn) are not new applicants; re-joining has its own rules."""
    return member.status == Member.Status.REMOVED and member.removal_reason == Member.RemovalReason.PROBATION_CANCELLED


def _cancelled_on(member: Member) -> date | None:
    change = member.status_changes.filter(to_status=Member.Status.REMOVED).order_by("-on", "-id").first()
    return change.on if change else None


@transaction.atomic
def open_file(
    actor,
    *,
    organization: Organization,
    id_number: str,
    name: str,
    on: date,
    gender: str = "",
    ethnicity: str = "汉族",
    phone: str = "",
    education: str = "",
    occupation: str = "",
    workplace: str = "",
    note: str = "",
    document=None,
    document_title: str = "入党申请书",
    today: date | None = None,
) -> DevelopmentFile:
    """Step 1 (递交入党申请书): the branch receives a written application and opens the file."""
    require_manager(actor, organization)
    today = today or timezone.localdate()
    if organization.type not in DEVELOPING_TYPES:
        raise ValidationError({"organization": "发展党员由党支部（或联合党支部）办理，请选择党支部"})
    try:
        info = idnumbers.parse(id_number, today=today)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    if gender and gender != info.gender:
        raise ValidationError({"gender": "性别与公民身份号码第17位不一致"})
    digest = idnumbers.digest(info.number)
    existing = Member.objects.filter(id_number_digest=digest).first()
    if existing is not None and not _may_apply_again(existing):
        raise ValidationError(
            {"id_number": f"该公民身份号码已有党员档案（{existing.get_status_display()}），不能再作为入党申请人建档"}
        )
    if existing is not None:
        cancelled_on = _cancelled_on(existing)
        if cancelled_on and on < cancelled_on:
            raise ValidationError(
                {
                    "on": f"递交入党申请书的日期不能早于取消预备党员资格的日期（{rules.fmt(cancelled_on)}）；"
                    "被取消预备党员资格的，可作为新的入党申请人重新申请，按发展党员程序从头办理"
                    f"（{rules.REGULATION}）"
                }
            )
    if DevelopmentFile.objects.filter(id_number_digest=digest, status=DevelopmentFile.Status.OPEN).exists():
        raise ValidationError({"id_number": "该申请人已有进行中的发展党员档案（同一人只能有一份进行中的档案）"})
    if not name.strip():
        raise ValidationError({"name": "请填写姓名"})
    refusals = rules.check_step(rules.FileState(birth_date=info.birth_date), rules.StepFact(1, on), today)
    if refusals:
        raise _errors(refusals)
    file = DevelopmentFile(
        name=name.strip(),
        gender=info.gender,
        ethnicity=ethnicity or "汉族",
        birth_date=info.birth_date,
        id_number_encrypted=idnumbers.encrypt(info.number),
        id_number_digest=digest,
        id_number_masked=idnumbers.mask(info.number),
        phone=phone,
        education=education,
        occupation=occupation,
        workplace=workplace,
        organization=organization,
        note=note,
    )
    file.name_pinyin, file.name_initials = pinyin_keys(file.name)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError as exc:  # the same person's file opened at the same moment elsewhere
        raise ValidationError(
            {"id_number": "该申请人已有进行中的发展党员档案（同一人只能有一份进行中的档案）"}
        ) from exc
    step = Step.objects.create(file=file, number=1, on=on, recorded_by=_user(actor))
    store_state(file, rules.fold(file.birth_date, [step.fact], roll=working_day_roller()))
    file.save()
    if document:
        _add_document(actor, file, document, document_title, step)
    audit.record(
        actor,
        "create",
        file,
        changes=audit.snapshot(file, ["name", "id_number_masked", "organization", "applied_on"]),
    )
    return file


@transaction.atomic
def update_file(actor, file: DevelopmentFile, **fields) -> DevelopmentFile:
    """Correct the person's details (not the ID number, which identifies the file)."""
    require_manager(actor, file.organization)
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    before = audit.snapshot(file, PERSON_FIELDS)
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(file, name, value)
    if not file.name.strip():
        raise ValidationError({"name": "请填写姓名"})
    file.name_pinyin, file.name_initials = pinyin_keys(file.name)
    changes = audit.diff(before, audit.snapshot(file, PERSON_FIELDS))
    if changes:
        file.revision = F("revision") + 1
        file.save()
        file.refresh_from_db()
        audit.record(actor, "update", file, changes=changes)
    return file


# ---- closing and correcting ------------------------------------------------------------------


@transaction.atomic
def reject_file(actor, file: DevelopmentFile, *, on: date, reason: str, today: date | None = None) -> DevelopmentFile:
    """不予发展: close the file before admission; the file and its steps are kept."""
    require_manager(actor, file.organization)
    today = today or timezone.localdate()
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DevelopmentFile.Status.OPEN:
        raise ValidationError(f"该档案已结束（{file.get_status_display()}）")
    if file.last_step >= 17:
        raise ValidationError(
            "已批准为预备党员，不能“不予发展”；不具备党员条件的，应经支部大会讨论取消预备党员资格（第23步）"
        )
    if not reason.strip():
        raise ValidationError({"reason": "请填写不予发展的原因"})
    if on > today:
        raise ValidationError({"on": f"日期（{rules.fmt(on)}）不能晚于今天（{rules.fmt(today)}）"})
    if file.last_step_on and on < file.last_step_on:
        raise ValidationError({"on": f"日期不能早于最近一步的日期（{rules.fmt(file.last_step_on)}）"})
    state = replace(file_state(file), status=rules.REJECTED, closed_on=on)
    file.close_reason = reason.strip()[:200]
    _save_state(file, state)
    audit.record(actor, "update", file, changes={"status": ["open", "rejected"], "reason": file.close_reason})
    return file


@transaction.atomic
def revoke_last_step(actor, file: DevelopmentFile, *, reason: str) -> Step:
    """Undo a step recorded by mistake: it stays in the timeline, struck out with the reason."""
    require_manager(actor, file.organization)
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DevelopmentFile.Status.OPEN:
        raise ValidationError(f"该档案已结束（{file.get_status_display()}），不能撤销步骤")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    step = file.steps.filter(revoked_at=None).order_by("-id").first()
    if step is None or step.number == 1:
        raise ValidationError("第1步不能撤销；申请人撤回申请或不予发展的，请使用“不予发展”")
    if step.number in (17, 24):
        raise ValidationError(f"{step.label}已据此建立或变更党员档案，不能撤销；如有错误，请在党员名册中更正并记录原因")
    Step.objects.filter(pk=step.pk).update(
        revoked_at=timezone.now(), revoked_by=_user(actor), revoke_reason=reason[:200]
    )
    _save_state(file, file_state(file))
    audit.record(
        actor, "update", step, changes={"revoked": True}, note=f"撤销：{reason}"[:255], org_path=file.organization.path
    )
    step.refresh_from_db()
    return step


@transaction.atomic
def add_document(actor, file: DevelopmentFile, upload, *, title: str, step: Step | None = None) -> Document:
    require_manager(actor, file.organization)
    if step is not None and step.file_id != file.pk:
        raise PermissionDenied("步骤不属于该档案")
    return _add_document(actor, file, upload, title, step)
