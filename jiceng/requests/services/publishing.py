"""The public board (公开栏): the masked texts, publishing and taking down."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from jiceng.core import audit

from .. import rules
from ..models import Request
from .common import DESCRIPTION_MAX, _clean_text, _now
from .engine import _lock
from .events import _event
from .permissions import _authorize


def public_texts(req: Request, *, public_description: str, public_result: str) -> tuple[str, str]:
    """The description and result exactly as the public board will show them (masked): what
    `publish_request` stores, and what the publish page previews before staff confirm."""
    description = rules.mask_text(
        _clean_text(public_description, "公开的诉求内容", DESCRIPTION_MAX, required=True, field="public_description"),
        name=req.name,
        phone=req.phone,
    )
    result = rules.mask_text(
        _clean_text(public_result, "公开的办理结果", DESCRIPTION_MAX, required=True, field="public_result"),
        name=req.name,
        phone=req.phone,
    )
    return description, result


@transaction.atomic
def publish_request(
    actor, req: Request, *, public_description: str, public_result: str, photo_ids: Iterable[int] = ()
) -> Request:
    """Put a finished request on the public board, with the resident's details masked."""
    req = _lock(req)
    message = rules.check_transition("publish", req.state)
    if message:
        raise ValidationError(message)
    _authorize(actor, req, "publish")
    if req.kind == "report":
        raise ValidationError("举报类诉求涉及举报人保护，不能公开")
    description, result = public_texts(req, public_description=public_description, public_result=public_result)
    photo_ids = {int(p) for p in photo_ids}
    req.photos.update(public=False)
    req.photos.filter(pk__in=photo_ids).update(public=True)
    now = _now()
    Request.objects.filter(pk=req.pk).update(
        published=True,
        published_at=req.published_at or now,
        public_description=description,
        public_result=result,
        version=F("version") + 1,
    )
    _event(req, actor, "publish", req.state, req.state, note="在公开栏公开（已隐去姓名和电话）", public=True)
    audit.record(actor, "update", req, changes={"published": [req.published, True]}, org_path=req.organization.path)
    req.refresh_from_db()
    return req


@transaction.atomic
def unpublish_request(actor, req: Request) -> Request:
    req = _lock(req)
    _authorize(actor, req, "unpublish")
    if not req.published:
        raise ValidationError("这件诉求没有公开")
    Request.objects.filter(pk=req.pk).update(published=False, version=F("version") + 1)
    _event(req, actor, "unpublish", req.state, req.state, note="撤下公开栏", public=False)
    audit.record(actor, "update", req, changes={"published": [True, False]}, org_path=req.organization.path)
    req.refresh_from_db()
    return req
