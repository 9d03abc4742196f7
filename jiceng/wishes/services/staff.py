"""The staff's steps: accept into the pool (with the public text) or reject, withdraw,
correct the public text, category or project, and show a fulfilled wish on the public wall."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from jiceng.core import audit, params

from .. import rules
from ..models import Wish
from .common import S, _is_user, _now, _text
from .engine import _apply, _authorize, _lock, _note
from .events import _event


def public_text_for(wish: Wish, public_description: str = "") -> str:
    """The text the public wish pool and wall will show for `public_description` as staff typed
    it (the resident's words when blank), masked: what `accept_wish` stores, and what the
    staff page previews."""
    text = _text(public_description, "公开的心愿内容", rules.PUBLIC_TEXT_MAX, "public_description")
    return rules.mask_text(
        text or wish.description[: rules.PUBLIC_TEXT_MAX], name=wish.requester_name, phone=wish.phone
    )


@transaction.atomic
def accept_wish(
    actor, wish: Wish, *, project: str, public_description: str = "", category: str | None = None, version=None
) -> Wish:
    """Sort a posted wish into the pool as a basic or key project, with the text the public
    wish pool shows (masked automatically when left blank)."""
    wish = _lock(wish)
    if project not in rules.Project.values:
        raise ValidationError({"project": "请选择项目类别"})
    if category is not None and category not in rules.Category.values:
        raise ValidationError({"category": "请选择心愿类别"})
    text = public_text_for(wish, public_description)
    now = _now()
    updates = {
        "project": project,
        "public_description": text,
        "accepted_at": now,
        "accepted_by": actor if _is_user(actor) else None,
    }
    if category:
        updates["category"] = category
    return _apply(actor, wish, "accept", version=version, updates=updates, note="已进入心愿池，等待认领", now=now)


@transaction.atomic
def reject_wish(actor, wish: Wish, *, note: str, version=None) -> Wish:
    wish = _lock(wish)
    note = _note(note, "reject")
    return _apply(
        actor, wish, "reject", version=version, updates={"closed_at": _now(), "closed_reason": note}, note=note
    )


@transaction.atomic
def withdraw_wish(actor, wish: Wish, *, note: str, version=None, by_requester: bool = False) -> Wish:
    """The requester (`by_requester`, after the page checked ticket and phone) or staff
    withdraw a wish that is not yet fulfilled."""
    wish = _lock(wish)
    note = _note(note, "withdraw")
    return _apply(
        actor,
        wish,
        "withdraw",
        version=version,
        updates={"closed_at": _now(), "closed_reason": note},
        note=note,
        by_requester=by_requester,
    )


@transaction.atomic
def edit_wish(actor, wish: Wish, *, public_description: str, category: str, project: str | None = None) -> Wish:
    """Staff correct the public text, the category or the project of an open or done wish."""
    wish = _lock(wish)
    _authorize(actor, wish, "edit")
    message = rules.check_transition("edit", wish.state)
    if message:
        raise ValidationError(message)
    if category not in rules.Category.values:
        raise ValidationError({"category": "请选择心愿类别"})
    if project and project not in rules.Project.values:
        raise ValidationError({"project": "请选择项目类别"})
    if wish.state == S.CLAIMED and project and project != wish.project:
        message = rules.claim_error(project=project, claimant_type=wish.claimant_type)
        if message:
            raise ValidationError({"project": message})
    text = _text(public_description, "公开的心愿内容", rules.PUBLIC_TEXT_MAX, "public_description")
    text = rules.mask_text(text, name=wish.requester_name, phone=wish.phone)
    before = audit.snapshot(wish, ["public_description", "category", "project"])
    wish.public_description = text
    wish.category = category
    if project and wish.state != S.POSTED:
        wish.project = project
    changes = audit.diff(before, audit.snapshot(wish, ["public_description", "category", "project"]))
    if changes:
        updated = Wish.objects.filter(pk=wish.pk, version=wish.version).update(
            public_description=wish.public_description,
            category=wish.category,
            project=wish.project,
            version=F("version") + 1,
            updated_at=_now(),
        )
        if not updated:
            raise ValidationError("该心愿刚刚已被他人处理，请刷新后再试")
        _event(wish, actor, "edit", wish.state, wish.state, note="修改了公开内容或类别", public=False)
        audit.record(actor, "update", wish, changes=changes, org_path=wish.organization.path)
    wish.refresh_from_db()
    return wish


@transaction.atomic
def publish_wish(actor, wish: Wish, *, photo_ids: Iterable[int] = (), version=None) -> Wish:
    """Show a fulfilled wish on the public wish wall with the photos staff choose."""
    wish = _lock(wish)
    ids = {pk for pk in map(params.int_or_none, photo_ids) if pk is not None}
    own = set(wish.photos.values_list("pk", flat=True))
    if not ids <= own:
        raise ValidationError("所选照片不属于该心愿")
    wish = _apply(
        actor, wish, "publish", version=version, updates={"published": True, "published_at": _now()}, public=False
    )
    wish.photos.update(public=False)
    wish.photos.filter(pk__in=ids).update(public=True)
    return wish


@transaction.atomic
def unpublish_wish(actor, wish: Wish, *, version=None) -> Wish:
    wish = _lock(wish)
    wish = _apply(
        actor, wish, "unpublish", version=version, updates={"published": False, "published_at": None}, public=False
    )
    wish.photos.update(public=False)
    return wish
