"""The end of a request: the result (办结, 答复), the resident's rating or the staff's phone
call-back (回访) — which may reopen it (重办) — and closing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from .. import rules
from ..models import Request, RequestPhoto, RequestSettings
from .common import S, _clean_text, _is_user, _now
from .engine import _apply, _lock, _note, _reassignment, _version_of
from .events import _notify_holder
from .intake import _save_photos
from .permissions import _authorize


def _finish(actor, req: Request, action: str, *, note: str, version, photos: Iterable) -> Request:
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, action)
    if action == "answer" and req.kind not in rules.ANSWERABLE_KINDS:
        raise ValidationError("只有咨询和建议类诉求可以“答复”，其他类型请“办结”")
    now = _now()
    updates = {
        "resolved_at": now,
        "result": note,
        "resolved_level": req.level,
        "resolved_org": req.holder_org,
        "resolved_by": actor if _is_user(actor) else None,
        "rating": "",
        "solved": None,
        "rating_note": "",
        "rating_channel": "",
        "rated_at": None,
    }
    if rules.late_on_completion(now, req.done_due_at):
        updates["done_late"] = True
    if req.responded_at is None:
        # The result itself is the feedback to the resident.
        updates["responded_at"] = now
        if rules.late_on_completion(now, req.response_due_at):
            updates["response_late"] = True
    req = _apply(actor, req, action, version=expected, updates=updates, note=note, now=now)
    if photos:
        _save_photos(req, photos, RequestPhoto.Kind.RESULT, actor, RequestSettings.current().max_photos)
    return req


@transaction.atomic
def resolve_request(actor, req: Request, *, result: str, version=None, photos: Iterable = ()) -> Request:
    """办结 with the result the resident will read."""
    return _finish(actor, req, "resolve", note=result, version=version, photos=photos)


@transaction.atomic
def answer_request(actor, req: Request, *, result: str, version=None, photos: Iterable = ()) -> Request:
    """答复 (consultations and suggestions)."""
    return _finish(actor, req, "answer", note=result, version=version, photos=photos)


def _rating(
    actor,
    req: Request,
    action: str,
    *,
    rating: str,
    solved: bool,
    note: str,
    reopen: bool,
    channel: str,
    version,
    role: str | None,
) -> Request:
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    if rating not in dict(rules.RATINGS):
        raise ValidationError({"rating": "请选择满意、基本满意或不满意"})
    note = _clean_text(note, "评价意见", 500, field="note")
    message = rules.check_transition(action, req.state)
    if message:
        raise ValidationError(message)
    now = _now()
    config = RequestSettings.current()
    updates = {
        "rating": rating,
        "solved": bool(solved),
        "rating_note": note,
        "rating_channel": channel,
        "rated_at": now,
    }
    text = f"{dict(rules.RATINGS)[rating]}；问题{'已' if solved else '未'}解决" + (f"；{note}" if note else "")
    wants_reopen = reopen and rating == "unsatisfied"
    if wants_reopen and req.reopen_count >= config.reopen_limit:
        raise ValidationError(
            f"这件诉求已经重新办理过 {req.reopen_count} 次，不能再次重办；您的评价已可提交（不勾选重办）"
        )
    if wants_reopen:
        # The holder takes it up again with fresh deadlines (the earlier lateness stays).
        reassign = _reassignment(
            req,
            now,
            org=req.holder_org,
            department=req.holder_department,
            user=req.holder_user,
            depth=config.township_depth,
        )
        reassign.pop("sent_by_org")
        reassign.pop("sent_by_department")
        updates.update(reassign)
        updates.update({"resolved_at": None, "resolved_level": "", "resolved_org": None, "resolved_by": None})
        updates["reopen_count"] = F("reopen_count") + 1
        req = _apply(
            actor,
            req,
            action,
            version=expected,
            updates=updates,
            to_state=S.REOPENED,
            note=text + "；要求重新办理",
            role=role,
            now=now,
        )
        _notify_holder(req, "群众不满意，诉求需重新办理")
        return req
    updates["closed_at"] = now
    return _apply(actor, req, action, version=expected, updates=updates, note=text, role=role, now=now)


@transaction.atomic
def rate_request(
    req: Request, *, rating: str, solved: bool, note: str = "", reopen: bool = False, version=None
) -> Request:
    """The resident's own rating on the follow-up page (ticket + phone checked by the view)."""
    return _rating(
        None,
        req,
        "rate",
        rating=rating,
        solved=solved,
        note=note,
        reopen=reopen,
        channel="online",
        version=version,
        role="群众",
    )


@transaction.atomic
def record_callback(
    actor, req: Request, *, rating: str, solved: bool, note: str = "", reopen: bool = False, version=None
) -> Request:
    """电话回访: staff record what the resident said on the phone."""
    _authorize(actor, req, "callback")
    return _rating(
        actor,
        req,
        "callback",
        rating=rating,
        solved=solved,
        note=note,
        reopen=reopen,
        channel="phone",
        version=version,
        role=None,
    )


@transaction.atomic
def close_request(actor, req: Request, *, note: str, version=None, now: datetime | None = None) -> Request:
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "close")
    now = now or _now()
    return _apply(actor, req, "close", version=expected, updates={"closed_at": now}, note=note, now=now)
