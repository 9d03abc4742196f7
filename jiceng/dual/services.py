"""Every write of dual registration goes through here (and is audit-logged).

The registration itself is the member's record (`Member.registered_community`,
`registered_on`): the desk below checks who may register where with the member's own rules and
writes through `jiceng.members.services.set_registration`. Party days are recorded in jiceng.life
(the community adds the member to one of its themed party days, life.dual_sources.add_present),
wishes are claimed in jiceng.wishes; only service projects are entered here.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.scoping import require_manager
from jiceng.members import services as member_services
from jiceng.members.models import Member

from .models import DualRegistrationRecord


@transaction.atomic
def register_with_community(actor, *, community, name: str, id_number: str, on: date) -> Member:
    """The community records that an in-office member reported to it (到社区报到).

    The community cannot see members of other organizations, so it names the member by name
    and full ID number, exactly as on the ID card the member shows at the desk.
    """
    require_manager(actor, community)
    member_services.check_community(community)
    try:
        number = idnumbers.parse(id_number).number
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("registered_community")
        .filter(id_number_digest=idnumbers.digest(number))
        .first()
    )
    if member is None or member.name != name.strip():
        raise ValidationError("未找到姓名与公民身份号码都相符的本县党员，请核对；县外党员须先办理组织关系转入")
    error = member_services.registration_error(member, community, member.registered_community)
    if error:
        raise ValidationError(error)
    if on > timezone.localdate():
        raise ValidationError({"on": "报到日期不能晚于今天"})
    return member_services.set_registration(actor, member, community, on, note=f"到{community.name}报到")


def _manages_registration(actor, member: Member) -> None:
    """The community's managers, or the managers of the member's own organization."""
    try:
        require_manager(actor, member.registered_community)
    except PermissionDenied:
        require_manager(actor, member.organization)


@transaction.atomic
def end_registration(actor, member: Member, *, reason: str) -> Member:
    """Close a registration (moved house, retired…); the records already kept stay."""
    member = Member.objects.select_for_update(of=("self",)).select_related("registered_community").get(pk=member.pk)
    if member.registered_community is None:
        raise ValidationError("该党员没有到社区报到")
    _manages_registration(actor, member)
    if not reason.strip():
        raise ValidationError({"reason": "请填写注销报到的原因"})
    return member_services.set_registration(actor, member, None, None, note=f"注销社区报到：{reason}")


@transaction.atomic
def record_dual_activity(
    actor,
    member: Member,
    *,
    on: date,
    title: str,
    note: str = "",
    kind: str = DualRegistrationRecord.Kind.SERVICE_PROJECT,
) -> DualRegistrationRecord:
    """Record a service project the member took for their community. Party days and wishes
    are not entered here: they are counted from the themed party days' attendance (jiceng.life)
    and the wishes the member claimed (jiceng.wishes)."""
    member = Member.objects.select_related("registered_community").get(pk=member.pk)
    community = member.registered_community
    if community is None:
        raise ValidationError("该党员没有到社区报到，不能登记双报到活动")
    require_manager(actor, community)
    if member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError("只为在册党员（正式、预备）登记双报到活动")
    if kind != DualRegistrationRecord.Kind.SERVICE_PROJECT:
        raise ValidationError(
            {"kind": "主题党日按社区主题党日的出勤记录统计、微心愿按认领记录统计，无需手工登记；这里只登记服务项目"}
        )
    if on > timezone.localdate():
        raise ValidationError({"on": "日期不能晚于今天"})
    if member.registered_on and on < member.registered_on:
        raise ValidationError({"on": f"日期早于报到日期（{member.registered_on:%Y-%m-%d}），报到前的活动不计入"})
    if not title.strip():
        raise ValidationError({"title": "请填写内容"})
    record = DualRegistrationRecord.objects.create(
        member=member,
        community=community,
        kind=kind,
        on=on,
        title=title.strip(),
        note=note.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor,
        "create",
        record,
        changes={"member": member.pk, "kind": kind, "on": on, "title": record.title},
        org_path=community.path,
    )
    return record


@transaction.atomic
def delete_dual_activity(actor, record: DualRegistrationRecord) -> None:
    require_manager(actor, record.community)
    audit.record(
        actor,
        "delete",
        record,
        changes={"member": record.member_id, "kind": record.kind, "on": record.on, "title": record.title},
        org_path=record.community.path,
    )
    record.delete()
