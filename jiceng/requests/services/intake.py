"""Intake: where residents may file, and taking in a request (ticket number, routing, first
deadlines, photos)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiceng.core import audit
from jiceng.core.cases import save_with_ticket
from jiceng.core.scoping import require_manager
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Category, Department, Request, RequestPhoto, RequestSettings
from .common import (
    DESCRIPTION_MAX,
    NAME_MAX,
    PLACE_MAX,
    S,
    _clean_text,
    _coordinate,
    _is_user,
    _level_of,
    _now,
)
from .events import _event, _notify_holder


def intake_organization_error(organization: Organization, depth: int | None = None) -> str | None:
    """Residents file at a village, community, grid or township (not at the county or an agency)."""
    depth = queries.township_depth() if depth is None else depth
    if organization.domain not in (Organization.Domain.RURAL, Organization.Domain.COMMUNITY):
        return "该组织不受理群众诉求（仅限村、社区、乡镇和街道）"
    if organization.depth < depth:
        return "请选择具体的乡镇（街道）或村（社区）"
    return None


def _save_photos(req: Request, photos: Iterable, kind: str, actor, max_photos: int) -> int:
    photos = [p for p in photos if p]
    already = req.photos.filter(kind=kind).count() if req.pk and photos else 0
    return RequestPhoto.save_uploads(
        photos,
        max_photos=max_photos,
        already=already,
        uploaded_by=actor if _is_user(actor) else None,
        request=req,
        kind=kind,
    )


def _first_contact(actor, organization: Organization) -> tuple[Organization | None, Department | None]:
    """A staff member who takes a request owns it (首问负责): their organization, when the
    request is in their territory, or their department."""
    department = queries.department_of(actor)
    if department is not None and not actor.can_manage:
        return None, department
    if actor.organization is not None and queries.in_user_subtree(actor, organization):
        return actor.organization, None
    return organization, None


@transaction.atomic
def create_request(
    actor,
    *,
    organization: Organization,
    category: Category,
    kind: str,
    description: str,
    channel: str,
    phone: str = "",
    name: str = "",
    place: str = "",
    source_label: str = "",
    priority: str = "normal",
    tier: str = "study",
    latitude=None,
    longitude=None,
    photos: Iterable = (),
    recorded_by=None,
    received_at: datetime | None = None,
) -> Request:
    """Take in a request and route it; returns the saved request with its ticket number.

    `actor=None` is a resident (public page, Open311) or another app that has already
    checked its own permissions (then pass the person in `recorded_by`). A staff `actor`
    must manage `organization` (or be a department handler) and owns the request from now on
    (first-contact responsibility) until a recorded transfer.
    """
    now = _now()
    received_at = received_at or now
    config = RequestSettings.current()
    staff = _is_user(actor)
    if staff:
        department = queries.department_of(actor)
        if department is None or actor.can_manage:
            require_manager(actor, organization)
        elif not (department.county.path <= organization.path < department.county.path_end):
            raise PermissionDenied("该地不在本部门服务的县（区）内")
    errors = {}
    if kind not in dict(rules.KINDS):
        errors["kind"] = "请选择诉求类型"
    if channel not in dict(rules.CHANNELS):
        errors["channel"] = "来源渠道不正确"
    if priority not in dict(rules.PRIORITIES):
        errors["priority"] = "紧急程度不正确"
    if tier not in dict(rules.TIERS):
        errors["tier"] = "办理方式不正确"
    if category is None or not category.is_active:
        errors["category"] = "请选择类别"
    where = intake_organization_error(organization, config.township_depth)
    if where:
        errors["organization"] = where
    phone = rules.normalize_phone(phone)
    if phone or channel in rules.PUBLIC_CHANNELS:
        message = rules.phone_error(phone)
        if message:
            errors["phone"] = message
    if errors:
        raise ValidationError(errors)
    description = _clean_text(description, "诉求内容", DESCRIPTION_MAX, required=True, field="description")
    place = _clean_text(place, "地点", PLACE_MAX, field="place")
    name = _clean_text(name, "姓名", NAME_MAX, field="name")
    source_label = _clean_text(source_label, "来源说明", 100, field="source_label")
    latitude = _coordinate(latitude, -90, 90, "纬度", "latitude")
    longitude = _coordinate(longitude, -180, 180, "经度", "longitude")

    if staff:
        holder_org, holder_department = _first_contact(actor, organization)
        holder_user = actor
    else:
        holder_org, holder_department = queries.route(organization, category)
        holder_user = None
    level = _level_of(holder_org, holder_department, config.township_depth)
    picked = rules.pick_deadlines(queries.deadline_rules(), category.pk, tier, priority)
    dues, estimated = rules.due_dates(received_at, picked, queries.calendar_for(received_at))

    req = Request(
        kind=kind,
        category=category,
        priority=priority,
        tier=tier,
        channel=channel,
        source_label=source_label,
        description=description,
        place=place,
        latitude=latitude,
        longitude=longitude,
        name=name,
        phone=phone,
        organization=organization,
        state=S.RECEIVED,
        level=level,
        holder_org=holder_org,
        holder_department=holder_department,
        holder_user=holder_user,
        held_since=received_at,
        received_at=received_at,
        assign_due_at=dues["assign"],
        response_due_at=dues["response"],
        done_due_at=dues["done"],
        deadline_estimated=estimated,
        created_by=actor if staff else recorded_by,
    )
    save_with_ticket(req, received_at, rules.new_ticket)
    if photos:
        _save_photos(req, photos, RequestPhoto.Kind.RESIDENT, actor, config.max_photos)
    channel_label = dict(rules.CHANNELS)[channel]
    _event(
        req,
        actor if staff else recorded_by,
        "receive",
        "",
        S.RECEIVED,
        note=f"通过「{channel_label}」受理" + (f"（{source_label}）" if source_label else ""),
        at=received_at,
        target_org=holder_org,
        target_department=holder_department,
        role="群众" if not staff and recorded_by is None else ("党代表" if channel == "liaison" else None),
    )
    audit.record(actor if staff else None, "create", req, org_path=organization.path, note=f"受理诉求 {req.ticket}")
    _notify_holder(req, "新诉求待签收")
    return req
