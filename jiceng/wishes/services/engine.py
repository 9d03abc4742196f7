"""The transition engine: check the step against `rules.TRANSITIONS` and who may take it,
claim the wish with a conditional UPDATE on its version and state, record the event and the
audit entry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from jiceng.core import audit, params
from jiceng.core.scoping import require_manager

from .. import rules
from ..models import Wish
from .common import _is_user, _now, _text
from .events import _event


def is_manager_of(actor, wish: Wish) -> bool:
    if not _is_user(actor):
        return False
    try:
        require_manager(actor, wish.organization)
    except PermissionDenied:
        return False
    return True


def _authorize(actor, wish: Wish, action: str, *, by_requester: bool = False) -> None:
    who = rules.TRANSITIONS[action].who
    if by_requester:
        if rules.REQUESTER in who:
            return  # the page has checked ticket and phone
        raise PermissionDenied("群众不能进行该操作")
    if actor is None:
        return  # the system (demo, sweeps, management commands)
    if not _is_user(actor):
        raise PermissionDenied("需要登录")
    if rules.MANAGER in who and is_manager_of(actor, wish):
        return
    if rules.CLAIMANT in who and actor.member_id and actor.member_id == wish.claimed_member_id:
        return
    if rules.MEMBER_OR_MANAGER in who:
        return  # claim_wish checks who claims for whom
    raise PermissionDenied("无权办理该心愿")


def _apply(
    actor,
    wish: Wish,
    action: str,
    *,
    version=None,
    updates: dict | None = None,
    note: str = "",
    public=True,
    now=None,
    by_requester: bool = False,
) -> Wish:
    """Check, claim (conditional UPDATE) and record one step."""
    message = rules.check_transition(action, wish.state)
    if message:
        raise ValidationError(message)
    _authorize(actor, wish, action, by_requester=by_requester)
    role = "群众" if by_requester else None
    expected = wish.version if version in (None, "") else params.int_or_none(version)
    if expected is None:  # a mangled page ("abc", "1.5", "²") is refused like a stale one
        expected = -1
    if expected != wish.version:
        raise ValidationError("该心愿已被他人处理（页面不是最新的），请刷新后再试")
    new_state = rules.target_state(action, wish.state)
    now = now or _now()
    updates = updates or {}
    claimed = Wish.objects.filter(pk=wish.pk, version=expected, state=wish.state).update(
        state=new_state, version=F("version") + 1, updated_at=now, **updates
    )
    if not claimed:
        raise ValidationError("该心愿刚刚已被他人处理，请刷新后再试")
    from_state = wish.state
    _event(wish, actor, action, from_state, new_state, note=note, at=now, role=role, public=public)
    audit.record(
        actor if _is_user(actor) else None,
        "update",
        wish,
        changes={
            "state": [from_state, new_state],
            **{k: [None, _plain(v)] for k, v in updates.items() if k in AUDITED},
        },
        note=f"{rules.ACTION_LABELS.get(action, action)}：{note}"[:255],
        org_path=wish.organization.path,
    )
    wish.refresh_from_db()
    return wish


AUDITED = {
    "project",
    "claimant_type",
    "claimed_member",
    "claimed_org",
    "claimed_enterprise",
    "rating",
    "published",
    "category",
}


def _plain(value):
    return getattr(value, "pk", value)


def _note(note: str, action: str, *, required: bool | None = None) -> str:
    t = rules.TRANSITIONS[action]
    return _text(note, t.note_label, rules.NOTE_MAX, "note", required=t.note_required if required is None else required)


def _lock(wish: Wish) -> Wish:
    return Wish.objects.select_related("organization").get(pk=wish.pk)
