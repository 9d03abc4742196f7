"""Posting: where wishes are collected, a resident's wish (or staff's on their behalf, 代录)
with its ticket and first deadline, and the requester's lookup by ticket and phone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.core import audit
from jiceng.core.calendar import working_deadline
from jiceng.core.cases import save_with_ticket
from jiceng.core.scoping import require_manager
from jiceng.orgs.models import Organization

from .. import rules
from ..models import Wish, WishPhoto, WishSettings
from .common import ADDRESS_MAX, NAME_MAX, WISH_DOMAINS, S, _check_photos, _is_user, _now, _photos, _text
from .events import _event, _notify_staff


def wish_organization_error(organization: Organization | None) -> str | None:
    """Wishes are collected by villages and communities (and the townships above them)."""
    if organization is None:
        return "请选择村（社区）"
    if organization.parent_id is None or organization.domain not in WISH_DOMAINS:
        return "该组织不收集微心愿（仅限乡镇、街道、村和社区）"
    return None


@transaction.atomic
def post_wish(
    actor,
    *,
    organization: Organization,
    phone: str,
    description: str,
    category: str = rules.Category.OTHER,
    requester_name: str = "",
    address: str = "",
    photos: Iterable = (),
    channel: str | None = None,
    posted_at: datetime | None = None,
) -> Wish:
    """A resident posts a wish (`actor=None`, the public page) or staff record one for a
    resident (代录; `actor` must manage the organization). Returns the wish with its ticket."""
    staff = _is_user(actor)
    if staff:
        require_manager(actor, organization)
    errors = {}
    message = wish_organization_error(organization)
    if message:
        errors["organization"] = message
    phone = rules.normalize_phone(phone)
    message = rules.phone_error(phone, required=True)
    if message:
        errors["phone"] = message
    if category not in rules.Category.values:
        errors["category"] = "请选择心愿类别"
    channel = channel or (rules.Channel.STAFF if staff else rules.Channel.QR)
    if channel not in rules.Channel.values:
        errors["channel"] = "来源不正确"
    if errors:
        raise ValidationError(errors)
    description = _text(description, "心愿内容", rules.DESCRIPTION_MAX, "description", required=True)
    requester_name = _text(requester_name, "姓名", NAME_MAX, "requester_name")
    address = _text(address, "住址", ADDRESS_MAX, "address")
    config = WishSettings.current()
    photos = [p for p in photos if p]
    if len(photos) > config.max_photos:
        raise ValidationError({"photos": f"最多上传 {config.max_photos} 张照片"})
    _check_photos(photos)
    now = posted_at or _now()
    wish = Wish(
        organization=organization,
        requester_name=requester_name,
        phone=phone,
        address=address,
        category=category,
        description=description,
        channel=channel,
        state=S.POSTED,
        posted_at=now,
        accept_due_at=working_deadline(now, config.accept_working_days).at,
        created_by=actor if staff else None,
    )
    save_with_ticket(wish, now, rules.new_ticket)
    _photos(wish, photos, WishPhoto.Kind.REQUESTER, actor, config.max_photos)
    label = rules.Channel(channel).label
    _event(wish, actor, "post", "", S.POSTED, note=f"通过「{label}」提交", at=now, role=None if staff else "群众")
    audit.record(actor if staff else None, "create", wish, org_path=organization.path, note=f"微心愿 {wish.ticket}")
    _notify_staff(wish, "新的微心愿待审核", key=f"wishes:{wish.pk}:posted")
    return wish


def find_for_requester(ticket: str, phone: str) -> Wish | None:
    """The requester's own wish, by ticket and phone together (neither alone is enough)."""
    ticket, phone = rules.normalize_ticket(ticket), rules.normalize_phone(phone)
    if not ticket or not phone:
        return None
    return Wish.objects.filter(ticket=ticket, phone=phone).select_related("organization").first()
