"""The request's trail (`RequestEvent`, as the resident reads it) and the notices to whoever
holds it."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from jiceng.core.notifications import managers_of, notify

from .. import queries
from ..models import Request, RequestEvent
from .common import _is_user, _now


def _role_label(actor, req: Request | None = None) -> str:
    """How a step appears to the resident: a role, never a staff member's name."""
    if actor is None:
        return "系统"
    if queries.department_of(actor) is not None and not actor.can_manage:
        return "县直部门"
    level = queries.user_level(actor)
    return {"village": "村（社区）工作人员", "township": "乡镇（街道）工作人员", "county": "县级工作人员"}.get(
        level or "", "工作人员"
    )


def _event(
    req: Request,
    actor,
    action: str,
    from_state: str,
    to_state: str,
    *,
    note: str = "",
    at: datetime | None = None,
    target_org=None,
    target_department=None,
    public: bool = True,
    role: str | None = None,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=req,
        at=at or _now(),
        actor=actor if _is_user(actor) else None,
        actor_role=role if role is not None else _role_label(actor if _is_user(actor) else None, req),
        action=action,
        from_state=from_state,
        to_state=to_state,
        target_org=target_org,
        target_department=target_department,
        note=note,
        public=public,
    )


def _recipients(req: Request):
    if req.holder_user_id and req.holder_user.is_active:
        return [req.holder_user]
    if req.holder_department_id:
        from jiceng.accounts.models import User

        return list(User.objects.filter(department_staff__department_id=req.holder_department_id, is_active=True))
    if req.holder_org_id:
        return list(managers_of(req.holder_org))
    return []


def _notify_holder(req: Request, title: str, key_suffix: str = "") -> None:
    key = f"requests:{req.pk}:v{req.version}:{title}{key_suffix}"
    for user in _recipients(req):
        notify(
            user,
            kind="requests",
            title=f"{title}：{req.category.name} {req.ticket}",
            key=key,
            body=req.description[:200],
            url=reverse("requests:detail", args=[req.pk]),
            org_path=req.organization.path,
        )
