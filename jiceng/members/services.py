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


def _account_follows(actor, member: Member, before_org_id: int | None) -> None:
    """A plain member's login account belongs to the member's organization: when the member
    moves (transfer, edit, re-admission), the account moves too, so the member still sees their
    own records and the old branch's users are not the ones the account is filed under."""
    if member.organization_id == before_org_id:
        return
    from jiceng.accounts.models import User

    for user in User.objects.filter(member=member, role=User.Role.MEMBER).exclude(
        organization_id=member.organization_id
    ):
        old = user.organization_id
        User.objects.filter(pk=user.pk).update(organization_id=member.organization_id)
        audit.record(
            actor,
            "update",
            user,
            changes={"organization": [old, member.organization_id]},
            note=f"账号随党员{member.name}的组织关系变更",
            org_path=member.organization.path,
        )


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
def create_member(
    actor,
    *,
    id_number: str,
    status: str = Member.Status.FULL,
    history_reason: str = "建档",
    history_on: date | None = None,
    **fields,
) -> Member:
    organization = fields["organization"]
    require_manager(actor, organization)
    member = prepare_member(id_number=id_number, status=status, **fields)
    _check_registration_on_record(member, None)
    if member.registered_community_id and not member.registered_on:
        member.registered_on = timezone.localdate()
    member.save()
    StatusChange.objects.create(
        member=member,
        from_status="",
        to_status=status,
        on=history_on or member.join_date or timezone.localdate(),
        reason=history_reason,
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
    before_org, before_community = member.organization_id, member.registered_community_id
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(member, name, value)
    _check_registration_on_record(member, before_community)
    if member.registered_community_id != before_community:
        member.registered_on = timezone.localdate() if member.registered_community_id else None
    require_manager(actor, member.organization)
    if member.status == Member.Status.IN_TRANSIT and member.organization_id != before_org:
        raise ValidationError({"organization": "该党员组织关系正在转接途中，所在党组织由转接的接收方确认后变更"})
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
        _account_follows(actor, member, before_org)
    return member


ALLOWED_TRANSITIONS = {
    Member.Status.PROBATIONARY: {
        Member.Status.FULL,
        Member.Status.REMOVED,
        Member.Status.DECEASED,
        Member.Status.TRANSFERRED_OUT,
    },
    Member.Status.FULL: {Member.Status.REMOVED, Member.Status.DECEASED, Member.Status.TRANSFERRED_OUT},
    # Only a transfer's receipt, return or cancellation ends the transit (jiceng.transfers).
    Member.Status.IN_TRANSIT: set(),
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
    if Member.Status.IN_TRANSIT in (member.status, to_status):
        raise ValidationError(
            "组织关系转接途中的状态由转接办理：转出方开具介绍信时进入，接收方确认接收、退回或转出方撤销时结束"
        )
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


@transaction.atomic
def readmit_after_cancelled_probation(actor, member: Member, *, join_date: date, organization, reason: str) -> Member:
    """A person whose probationary membership was cancelled (取消预备党员资格) applied again as a new
    applicant and is admitted again (jiceng.development, step 17): the same record — one per ID
    number — becomes probationary with the new 入党日期, with a history row."""
    require_manager(actor, organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != Member.Status.REMOVED or member.removal_reason != Member.RemovalReason.PROBATION_CANCELLED:
        raise ValidationError(
            f"只有被取消预备党员资格的人员可以重新接收为预备党员（当前为“{member.get_status_display()}”）"
        )
    before = {"status": member.status, "organization": member.organization_id, "join_date": str(member.join_date)}
    member.status, member.removal_reason = Member.Status.PROBATIONARY, ""
    member.join_date, member.full_date, member.organization = join_date, None, organization
    member.revision = F("revision") + 1
    member.save()
    member.refresh_from_db()
    StatusChange.objects.create(
        member=member,
        from_status=Member.Status.REMOVED,
        to_status=Member.Status.PROBATIONARY,
        on=join_date,
        reason=reason[:200],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    after = {"status": member.status, "organization": member.organization_id, "join_date": str(member.join_date)}
    audit.record(actor, "update", member, changes=audit.diff(before, after), note=reason)
    _account_follows(actor, member, before["organization"])
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


def apply_transfer_status(actor, member: Member, *, to_status: str, on: date, reason: str, organization=None) -> Member:
    """Move a member into or out of transit for jiceng.transfers, with the history row.

    The caller has already checked that the actor manages the side of the transfer that
    acts (the receiving side may not manage the member's current organization), and runs
    inside its transaction.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    from_status, before_org = member.status, member.organization_id
    changes = {"status": [from_status, to_status]}
    if organization is not None and organization.pk != member.organization_id:
        changes["organization"] = [member.organization_id, organization.pk]
        member.organization = organization
    member.status = to_status
    if to_status != Member.Status.REMOVED:
        member.removal_reason = ""
    member.revision = F("revision") + 1
    member.save()
    member.refresh_from_db()
    StatusChange.objects.create(
        member=member,
        from_status=from_status,
        to_status=to_status,
        on=on,
        reason=reason[:200],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor, "update", member, changes=changes, note=reason)
    _account_follows(actor, member, before_org)
    return member


# ---- political birthdays (政治生日) ---------------------------------------------------------


def birthday_key(member: Member, year: int) -> str:
    return f"members:political_birthday:{year}:{member.pk}"


def greeting_text(member: Member, year: int) -> tuple[str, str]:
    day = rules.political_birthday(member.join_date, year)
    years = year - member.join_date.year
    title = f"政治生日快乐：入党{years}周年"
    body = (
        f"{member.name}同志：{day.month}月{day.day}日是您的政治生日，您已入党{years}周年。"
        f"{member.organization.name}向您致以祝贺！愿您不忘入党初心，牢记党员身份，在岗位上继续发挥先锋模范作用。"
    )
    return title, body


def send_birthday_greeting(actor, member: Member, *, today: date | None = None):
    """Send this year's political-birthday greeting to the member's account (in-app, and by
    email where the installation has a mail server). Idempotent: once per member per year.

    Returns (notification, created). Refused for a member without an account, before the
    month of the anniversary, or in the join year itself.
    """
    today = today or timezone.localdate()
    require_manager(actor, member.organization)
    if member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError("只向在册党员（正式、预备）发送政治生日祝福")
    day = rules.political_birthday(member.join_date, today.year) if member.join_date else None
    if day is None:
        raise ValidationError(f"{member.name}今年入党，明年起才有政治生日")
    if day.month > today.month:
        raise ValidationError(f"{member.name}的政治生日在{day.month}月{day.day}日，到当月才能发送祝福")
    from jiceng.accounts.models import User
    from jiceng.core.notifications import notify

    user = User.objects.filter(member=member, is_active=True).first()
    if user is None:
        raise ValidationError(f"{member.name}没有系统账号，请当面或电话送上祝福")
    title, body = greeting_text(member, today.year)
    from django.urls import reverse

    notice, created = notify(
        user,
        kind="political_birthday",
        title=title,
        key=birthday_key(member, today.year),
        body=body,
        url=reverse("members:detail", args=[member.pk]),
        org_path=member.organization.path,
    )
    if created:
        audit.record(
            actor, "create", notice, note=f"发送政治生日祝福：{member.name}", org_path=member.organization.path
        )
    return notice, created


# ---- registration with a residential community (在职党员到社区报到) ----------------------------
# The registration is the member's own record (`registered_community`, `registered_on`): the
# member form sets it under the same rules as the community's desk, which lives in jiceng.dual
# and writes through `set_registration`.


def check_community(community) -> None:
    """A member registers with a village or community organization (or a branch or grid below one)."""
    parent_domain = community.parent.domain if community.parent_id else None
    error = rules.residential_place_error(community.type, community.domain, parent_domain)
    if error:
        raise ValidationError({"community": error})


def registration_error(member: Member, community, current) -> str | None:
    """Who may be registered with a community: a full or probationary member in office, not
    already registered (`current`: the community of an active registration, which is ended
    first, so that nobody counts for two communities in the same year)."""
    if not rules.registrable_status(member.status):
        return f"只有正式党员和预备党员可以到社区报到，{member.name}当前为“{member.get_status_display()}”"
    if not rules.in_office(member.occupation):
        occupation = member.get_occupation_display() if member.occupation else "未填写"
        return (
            f"只有在职党员（{rules.IN_OFFICE_LABEL}）到居住地社区报到，{member.name}的职业类别为“{occupation}”；"
            "如职业类别有误，请其所在党组织先更正党员信息"
        )
    if current is not None and current.pk == community.pk:
        return f"{member.name}已于{member.registered_on or '此前'}在本社区报到，不能重复报到"
    if current is not None:
        return (
            f"{member.name}已于{member.registered_on or '此前'}在{current.name}报到且仍有效，同一年度不能在两处报到；"
            "如已搬家，请先由原社区或其所在党组织注销原报到"
        )
    return None


def _check_registration_on_record(member: Member, before_community_id: int | None) -> None:
    """The member form may set the community too: the same rules as the community's desk."""
    from jiceng.orgs.models import Organization

    if not member.registered_community_id or member.registered_community_id == before_community_id:
        return
    community = Organization.objects.select_related("parent").get(pk=member.registered_community_id)
    try:
        check_community(community)
    except ValidationError as exc:
        raise ValidationError({"registered_community": exc.messages}) from exc
    current = Organization.objects.get(pk=before_community_id) if before_community_id else None
    error = registration_error(member, community, current)
    if error:
        raise ValidationError({"registered_community": error})


def set_registration(actor, member: Member, community, on: date | None, *, note: str) -> Member:
    """Write the member's registration (`community` None ends it) with its audit entry, for
    jiceng.dual. The caller has locked the member row, checked the permission and the rules,
    and runs inside its transaction (as for apply_transfer_status)."""
    changes = {"registered_community": [member.registered_community_id, community.pk if community else None]}
    if community is not None:
        changes["registered_on"] = [member.registered_on, on]
    member.registered_community = community
    member.registered_on = on if community is not None else None
    member.revision = F("revision") + 1
    member.save()
    member.refresh_from_db()
    audit.record(actor, "update", member, changes=changes, note=note[:255])
    return member
