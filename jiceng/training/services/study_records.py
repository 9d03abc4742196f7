"""Study records on a member's card (online and self-study hours)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.scoping import require_manager
from jiceng.members.models import Member

from ..models import StudyRecord


@transaction.atomic
def add_study_record(
    actor, member: Member, *, on: date, hours: Decimal, title: str, source: str = StudyRecord.Source.ONLINE
) -> StudyRecord:
    require_manager(actor, member.organization)
    errors = {}
    if member.status not in Member.ACTIVE_STATUSES:
        errors["member"] = f"{member.name} 不是在册党员"
    if on > timezone.localdate():
        errors["on"] = "学习日期不能晚于今天"
    if hours > 24:
        errors["hours"] = "一条记录不超过24学时；多日学习请分条登记"
    if errors:
        raise ValidationError(errors)
    by = actor if getattr(actor, "is_authenticated", False) else None
    record = StudyRecord(
        member=member, organization=member.organization, on=on, hours=hours, title=title, source=source, recorded_by=by
    )
    record.full_clean()
    record.save()
    audit.record(actor, "create", record, changes={"member": member.pk, "on": on, "hours": hours, "title": title})
    return record


@transaction.atomic
def delete_study_record(actor, record: StudyRecord) -> None:
    # The record is on the member's card, which the member's organization now manages.
    require_manager(actor, record.member.organization)
    audit.record(actor, "delete", record, changes={"member": record.member_id, "hours": record.hours})
    record.delete()
