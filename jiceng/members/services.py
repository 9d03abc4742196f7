"""Every write to member records goes through here (and is audit-logged)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.scoping import in_scope, require_manager
from jiceng.core.text import pinyin_keys

from . import rules
from .models import LeadHousehold, Member, StatusChange

EDITABLE_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "phone",
    "education",
    "occupation",
    "join_date",
    "full_date",
    "organization",
    "post",
    "is_mobile",
    "mobile_destination",
    "registered_community",
]


def apply_id_number(member: Member, raw: str, today: date | None = None) -> None:
    """Validate the ID number and set the encrypted, digest and masked forms plus birth date."""
    try:
        info = idnumbers.parse(raw, today=today)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    member.id_number_encrypted = idnumbers.encrypt(info.number)
    member.id_number_digest = idnumbers.digest(info.number)
    member.id_number_masked = idnumbers.mask(info.number)
    member.birth_date = info.birth_date
    if member.gender and member.gender != info.gender:
        raise ValidationError({"gender": "性别与公民身份号码第17位不一致"})
    member.gender = info.gender


def _validate(member: Member, today: date) -> None:
    errors = rules.record_errors(
        status=member.status,
        birth_date=member.birth_date,
        join_date=member.join_date,
        full_date=member.full_date,
        today=today,
    )
    if Member.objects.filter(id_number_digest=member.id_number_digest).exclude(pk=member.pk).exists():
        errors["id_number"] = "公民身份号码已存在（重复登记）"
    if errors:
        raise ValidationError(errors)


def prepare_member(*, id_number: str, status: str = Member.Status.FULL, today: date | None = None, **fields) -> Member:
    """Build (unsaved) and validate a member; used by the form, the API and the import."""
    today = today or timezone.localdate()
    member = Member(status=status, **fields)
    apply_id_number(member, id_number, today)
    member.name_pinyin, member.name_initials = pinyin_keys(member.name)
    _validate(member, today)
    return member


@transaction.atomic
def create_member(actor, *, id_number: str, status: str = Member.Status.FULL, **fields) -> Member:
    organization = fields["organization"]
    require_manager(actor, organization)
    member = prepare_member(id_number=id_number, status=status, **fields)
    member.save()
    StatusChange.objects.create(
        member=member,
        from_status="",
        to_status=status,
        on=member.join_date or timezone.localdate(),
        reason="建档",
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor, "create", member, changes=audit.snapshot(member, EDITABLE_FIELDS + ["status", "id_number_masked"])
    )
    return member


@transaction.atomic
def update_member(actor, member: Member, *, id_number: str | None = None, **fields) -> Member:
    require_manager(actor, member.organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = audit.snapshot(member, EDITABLE_FIELDS + ["id_number_masked"])
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(member, name, value)
    require_manager(actor, member.organization)
    if id_number:
        member.gender = fields.get("gender", "")
        apply_id_number(member, id_number)
    member.name_pinyin, member.name_initials = pinyin_keys(member.name)
    _validate(member, timezone.localdate())
    changes = audit.diff(before, audit.snapshot(member, EDITABLE_FIELDS + ["id_number_masked"]))
    if changes:
        member.revision = F("revision") + 1
        member.save()
        member.refresh_from_db()
        audit.record(actor, "update", member, changes=changes)
    return member


ALLOWED_TRANSITIONS = {
    Member.Status.PROBATIONARY: {
        Member.Status.FULL,
        Member.Status.REMOVED,
        Member.Status.DECEASED,
        Member.Status.TRANSFERRED_OUT,
    },
    Member.Status.FULL: {Member.Status.REMOVED, Member.Status.DECEASED, Member.Status.TRANSFERRED_OUT},
    Member.Status.TRANSFERRED_OUT: {Member.Status.FULL, Member.Status.PROBATIONARY},
    Member.Status.DECEASED: set(),
    Member.Status.REMOVED: set(),
}


@transaction.atomic
def change_status(
    actor, member: Member, *, to_status: str, on: date, reason: str = "", removal_reason: str = ""
) -> Member:
    """Change a member's status, keeping the history row in the same transaction."""
    require_manager(actor, member.organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if to_status not in ALLOWED_TRANSITIONS[member.status]:
        raise ValidationError(f"不能从“{member.get_status_display()}”变更为“{Member.Status(to_status).label}”")
    if on > timezone.localdate():
        raise ValidationError({"on": "变更日期不能晚于今天"})
    if to_status == Member.Status.REMOVED and not removal_reason:
        raise ValidationError({"removal_reason": "出党须注明方式（出党、除名、自行脱党、退党）"})
    if to_status == Member.Status.FULL and member.status == Member.Status.PROBATIONARY:
        if member.join_date and on < member.join_date:
            raise ValidationError({"on": "转正日期不能早于入党日期"})
        member.full_date = on
    from_status = member.status
    member.status = to_status
    member.removal_reason = removal_reason if to_status == Member.Status.REMOVED else ""
    member.revision = F("revision") + 1
    member.save()
    member.refresh_from_db()
    StatusChange.objects.create(
        member=member, from_status=from_status, to_status=to_status, on=on, reason=reason, recorded_by=actor
    )
    audit.record(actor, "update", member, changes={"status": [from_status, to_status]}, note=reason)
    return member


def reveal_id_number(actor, member: Member) -> str:
    """Full ID number, for authorised roles only; every reveal is audit-logged."""
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "role", None) in settings.FULL_ID_ROLES):
        raise PermissionDenied("当前角色无权查看完整公民身份号码")
    if not in_scope(actor, member):
        raise PermissionDenied("该党员不在您的管理范围内")
    audit.record(actor, "view_full_id", member, note="查看完整公民身份号码")
    return idnumbers.decrypt(member.id_number_encrypted)


@transaction.atomic
def set_lead_household(actor, member: Member, *, households: int, area: str = "") -> LeadHousehold:
    require_manager(actor, member.organization)
    Member.objects.filter(pk=member.pk).update(revision=F("revision") + 1)
    lead, created = LeadHousehold.objects.update_or_create(
        member=member, defaults={"households": households, "area": area}
    )
    audit.record(
        actor,
        "create" if created else "update",
        lead,
        changes={"households": households, "area": area},
        org_path=member.organization.path,
    )
    return lead
