"""Every write to organizations goes through here (and is audit-logged)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Substr

from jiceng.core import audit
from jiceng.core.scoping import require_manager

from . import rules
from .models import Enterprise, Organization

EDITABLE_FIELDS = [
    "code",
    "name",
    "short_name",
    "type",
    "domain",
    "founded_on",
    "has_committee",
    "term_start",
    "term_end",
    "secretary_name",
    "contact_phone",
    "venue",
    "grid",
    "grid_households",
]
# Fields that only other services change (not on the organization form): the approved
# postponement of an election (jiceng.elections.services).
SYSTEM_FIELDS = ["term_postponed_to"]


def next_child_path(parent: Organization | None) -> tuple[str, int]:
    """Path and depth for a new child of `parent` (None: a new root)."""
    if parent is None:
        siblings = Organization.objects.filter(parent__isnull=True)
        prefix, depth = "", 0
    else:
        siblings = Organization.objects.filter(parent=parent)
        prefix, depth = parent.path, parent.depth + 1
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    index = int(last[-rules.SEGMENT :]) + 1 if last else 1
    return rules.child_path(prefix, index), depth


def _check(org: Organization) -> None:
    if org.parent_id and org.parent.type == Organization.Type.GROUP:
        raise ValidationError({"parent": "党小组下不能再设立党组织"})
    if org.term_start and org.term_end and org.term_end <= org.term_start:
        raise ValidationError({"term_end": "任期届满日期应晚于任期开始日期"})
    if Organization.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ValidationError({"code": f"组织编码 {org.code} 已存在"})


@transaction.atomic
def create_organization(actor, *, parent: Organization | None, batch=None, **fields) -> Organization:
    require_manager(actor, parent)
    if parent is not None:
        # Serialize concurrent creation of siblings under one parent.
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    org = Organization(parent=parent, import_batch=batch, **fields)
    org.path, org.depth = next_child_path(parent)
    _check(org)
    org.save()
    if batch is None:
        audit.record(actor, "create", org, changes=audit.snapshot(org, EDITABLE_FIELDS))
    return org


@transaction.atomic
def update_organization(actor, org: Organization, **fields) -> Organization:
    require_manager(actor, org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = audit.snapshot(org, EDITABLE_FIELDS + SYSTEM_FIELDS)
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS + SYSTEM_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(org, name, value)
    _check(org)
    changes = audit.diff(before, audit.snapshot(org, EDITABLE_FIELDS + SYSTEM_FIELDS))
    if changes:
        org.revision = F("revision") + 1
        org.save()
        org.refresh_from_db()
        audit.record(actor, "update", org, changes=changes)
    return org


@transaction.atomic
def move_organization(actor, org: Organization, new_parent: Organization) -> Organization:
    """Re-attach `org` (and its whole subtree) under `new_parent`, rewriting paths in one UPDATE."""
    require_manager(actor, org)
    require_manager(actor, new_parent)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    if org.path <= new_parent.path < org.path_end:
        raise ValidationError({"parent": "不能把组织移到它自己或其下级组织之下"})
    if new_parent.type == Organization.Type.GROUP:
        raise ValidationError({"parent": "党小组下不能再设立党组织"})
    old_path, old_parent = org.path, org.parent
    new_path, new_depth = next_child_path(new_parent)
    Organization.objects.filter(org.subtree_filter()).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + (new_depth - org.depth),
        revision=F("revision") + 1,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    audit.record(actor, "update", org, changes={"parent": [str(old_parent), str(new_parent)]}, note="调整隶属关系")
    return org


@transaction.atomic
def delete_organization(actor, org: Organization) -> None:
    require_manager(actor, org)
    if org.children.exists():
        raise ValidationError("该组织还有下级组织，不能删除")
    if org.members.exists():
        raise ValidationError("该组织还有党员，请先转移党员")
    audit.record(actor, "delete", org, changes=audit.snapshot(org, EDITABLE_FIELDS))
    try:
        with transaction.atomic():
            org.delete()
    except ProtectedError as exc:
        # Meetings, transfers, requests… keep their organization: name what still refers to it.
        kinds = sorted({obj._meta.verbose_name for obj in exc.protected_objects})
        raise ValidationError(f"该组织已被其他记录引用（{'、'.join(map(str, kinds))}），不能删除") from exc


@transaction.atomic
def save_enterprise(actor, enterprise: Enterprise) -> Enterprise:
    require_manager(actor, enterprise.township)
    creating = enterprise.pk is None
    if not creating:
        enterprise.revision = F("revision") + 1
    enterprise.save()
    enterprise.refresh_from_db()
    audit.record(actor, "create" if creating else "update", enterprise)
    return enterprise
