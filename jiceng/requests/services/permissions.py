"""Who may take a step: the check every service makes, and what the pages offer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .. import queries, rules
from ..models import Request


def _authorize(actor, req: Request, action: str) -> None:
    who = rules.TRANSITIONS[action].who
    if actor is None:  # the system (sweeps) and other apps after their own checks
        return
    if who == rules.HOLDER and not queries.can_handle(actor, req):
        raise PermissionDenied("只有承办单位（或其上级）可以办理该诉求")
    if who == rules.MANAGER and not queries.can_manage_request(actor, req):
        raise PermissionDenied("无权办理该诉求")
    if who == rules.SUPERVISOR and not (queries.is_supervisor(actor) and queries.can_manage_request(actor, req)):
        raise PermissionDenied("不予受理需由乡镇（街道）及以上决定")


STAFF_ACTIONS = [
    "accept",
    "start",
    "contact",
    "assign",
    "transfer",
    "escalate",
    "return",
    "resolve",
    "answer",
    "callback",
    "close",
    "dismiss",
    "publish",
    "unpublish",
]


def can_take_step(actor, req: Request, action: str) -> bool:
    """Whether `actor` may take the step `action` on `req` now, so the page offers it (the
    services check again)."""
    if actor is None or rules.check_transition(action, req.state):
        return False
    try:
        _authorize(actor, req, action)
    except PermissionDenied:
        return False
    if action == "return":
        return bool(req.sent_by_org_id or req.sent_by_department_id)
    if action == "escalate":
        return rules.escalation_target_level(req.level) is not None
    if action == "answer":
        return req.kind in rules.ANSWERABLE_KINDS
    if action == "publish":
        return req.kind != "report"
    if action == "unpublish":
        return req.published
    return True
