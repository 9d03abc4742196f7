"""The transition engine: check the step against `rules.TRANSITIONS` and the actor, claim the
request with a conditional UPDATE on its version and state, record the event and the audit
entry; and the new holder and deadlines when a request changes hands."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import F

from jiceng.core import audit, params
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Department, Request
from .common import NOTE_MAX, _clean_text, _is_user, _level_of, _now
from .events import _event
from .permissions import _authorize


def _apply(
    actor,
    req: Request,
    action: str,
    *,
    version: int | None,
    updates: dict,
    to_state: str | None = None,
    note: str = "",
    target_org=None,
    target_department=None,
    event_public: bool = True,
    event_action: str | None = None,
    role: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Check, claim (conditional UPDATE) and record one step."""
    message = rules.check_transition(action, req.state)
    if message:
        raise ValidationError(message)
    _authorize(actor, req, action)
    expected = req.version if version is None else _version_of(req, version)
    if expected != req.version:
        raise ValidationError("该诉求已被他人处理（页面不是最新的），请刷新后再试")
    new_state = to_state or rules.target_state(action, req.state)
    now = now or _now()
    claimed = Request.objects.filter(pk=req.pk, version=expected, state=req.state).update(
        state=new_state, version=F("version") + 1, updated_at=now, **updates
    )
    if not claimed:
        raise ValidationError("该诉求刚刚已被他人处理，请刷新后再试")
    from_state = req.state
    _event(
        req,
        actor,
        event_action or action,
        from_state,
        new_state,
        note=note,
        at=now,
        target_org=target_org,
        target_department=target_department,
        public=event_public,
        role=role,
    )
    audit.record(
        actor if _is_user(actor) else None,
        "update",
        req,
        changes={"state": [from_state, new_state], **{k: [None, v] for k, v in updates.items() if k in AUDITED}},
        note=f"{rules.ACTION_LABELS.get(event_action or action, action)}：{note}"[:255],
        org_path=req.organization.path,
    )
    req.refresh_from_db()
    return req


AUDITED = {"holder_org", "holder_department", "holder_user", "tier", "rating", "published", "level"}


def _note(note: str, action: str) -> str:
    t = rules.TRANSITIONS[action]
    return _clean_text(note, t.note_label, NOTE_MAX, required=t.note_required, field="note")


def _reassignment(
    req: Request,
    now: datetime,
    *,
    org: Organization | None,
    department: Department | None,
    user=None,
    tier: str | None = None,
    depth: int,
) -> dict:
    """New holder, and new deadlines for every stage still open, from `now`.

    Lateness that has already happened is frozen first (ADR 0012): a stage that is open and
    past its deadline keeps `*_late` even though its deadline moves.
    """
    tier = tier or req.tier
    updates = {
        "holder_org": org,
        "holder_department": department,
        "holder_user": user,
        "sent_by_org": req.holder_org,
        "sent_by_department": req.holder_department,
        "held_since": now,
        "accepted_at": None,
        "level": _level_of(org, department, depth),
        "tier": tier,
    }
    for stage in rules.overdue_stages(
        now,
        state=req.state,
        accepted_at=req.accepted_at,
        responded_at=req.responded_at,
        resolved_at=req.resolved_at,
        dues={"assign": req.assign_due_at, "response": req.response_due_at, "done": req.done_due_at},
    ):
        updates[f"{stage}_late"] = True
    open_stages = ["assign"]
    if req.responded_at is None:
        open_stages.append("response")
    if req.resolved_at is None or req.state in rules.DONE:
        open_stages.append("done")
    picked = rules.pick_deadlines(queries.deadline_rules(), req.category_id, tier, req.priority)
    dues, estimated = rules.due_dates(now, picked, queries.calendar_for(now), stages=open_stages)
    for stage, due in dues.items():
        updates[f"{stage}_due_at"] = due
    updates["deadline_estimated"] = estimated
    return updates


def _lock(req: Request) -> Request:
    """A fresh copy to decide on (the caller's copy may be stale)."""
    return Request.objects.select_related("holder_org", "holder_department", "organization", "category").get(pk=req.pk)


def _version_of(req: Request, version) -> int | None:
    """The page's version of the request (a hidden field); anything but a whole number is a
    page that was tampered with or mangled, and is refused like a stale one."""
    if version in (None, ""):
        return None
    number = params.int_or_none(version)
    if number is None:
        raise ValidationError("页面已失效（版本号不正确），请刷新后再试")
    return number
