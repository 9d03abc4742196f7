"""Claiming a wish (a member for themself; staff for a member, a party organization or a
social organization), giving it back, fulfilling it, and the requester's confirmation or
dispute."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jiceng.core.scoping import in_scope
from jiceng.members.models import Member
from jiceng.orgs.models import Enterprise, Organization

from .. import rules
from ..models import Wish, WishPhoto, WishSettings
from .common import S, _check_photos, _is_user, _now, _photos, _text
from .engine import _apply, _lock, _note, is_manager_of
from .events import _notify_staff


@transaction.atomic
def claim_wish(
    actor,
    wish: Wish,
    *,
    member: Member | None = None,
    organization: Organization | None = None,
    enterprise: Enterprise | None = None,
    version=None,
) -> Wish:
    """Claim a wish from the pool.

    A member claims for themself (their account is linked to their member record); staff who
    manage the wish's organization record a claim by a member, a party organization or a
    social organization (enterprise) they can see. Of two claims at once exactly one wins.
    """
    if actor is not None and not _is_user(actor):
        raise PermissionDenied("需要登录")
    wish = _lock(wish)
    given = [x for x in (member, organization, enterprise) if x is not None]
    if len(given) != 1:
        raise ValidationError("请选择一个认领方：党员、党组织或社会组织")
    manager = actor is None or is_manager_of(actor, wish)  # None: the system
    if member is not None:
        claimant_type = rules.ClaimantType.MEMBER
        if not manager and not (actor.member_id and actor.member_id == member.pk):
            raise PermissionDenied("党员只能以本人名义认领心愿")
        if actor is not None and manager and not in_scope(actor, member) and actor.member_id != member.pk:
            raise ValidationError({"member": "该党员不在您的管理范围内"})
        # Serialize one member's claims, so two at once cannot both slip under the limit.
        member = Member.objects.select_for_update().get(pk=member.pk)
        if not member.is_active:
            raise ValidationError({"member": "只有在册党员可以认领心愿"})
    elif organization is not None:
        claimant_type = rules.ClaimantType.PARTY_ORG
        if not manager:
            raise PermissionDenied("党组织认领需由管理人员登记")
        if actor is not None and not in_scope(actor, organization):
            raise ValidationError({"organization": "该党组织不在您的管理范围内"})
    else:
        claimant_type = rules.ClaimantType.SOCIAL_ORG
        if not manager:
            raise PermissionDenied("社会组织认领需由管理人员登记")
        if actor is not None and not in_scope(actor, enterprise):
            raise ValidationError({"enterprise": "该社会组织（企业）不在您的管理范围内"})
    message = rules.check_transition("claim", wish.state)
    if message:
        raise ValidationError(message)
    message = rules.claim_error(project=wish.project, claimant_type=claimant_type)
    if message:
        raise ValidationError(message)
    config = WishSettings.current()
    if member is not None:
        open_claims = Wish.objects.filter(claimed_member=member, state=S.CLAIMED).count()
        message = rules.open_claims_error(open_claims, config.member_open_claims)
        if message:
            raise ValidationError(message)
    now = _now()
    updates = {
        "claimant_type": claimant_type,
        "claimed_member": member,
        "claimed_org": organization,
        "claimed_enterprise": enterprise,
        "claimed_at": now,
        "claimed_by": actor if _is_user(actor) else None,
        "fulfil_due_at": rules.fulfil_due(now, config.fulfil_days),
    }
    who = f"党员 {rules.public_name(member.name)}" if member is not None else (organization or enterprise).name
    wish = _apply(actor, wish, "claim", version=version, updates=updates, note=f"{who} 认领", now=now)
    if not manager and member is not None:
        _notify_staff(
            wish, "心愿已被党员认领", key=f"wishes:{wish.pk}:claimed:v{wish.version}", body=f"{member.name} 认领了心愿"
        )
    return wish


def _clear_claim() -> dict:
    return {
        "claimant_type": "",
        "claimed_member": None,
        "claimed_org": None,
        "claimed_enterprise": None,
        "claimed_at": None,
        "claimed_by": None,
        "fulfil_due_at": None,
    }


@transaction.atomic
def release_wish(actor, wish: Wish, *, note: str, version=None) -> Wish:
    """The claimant gives the wish back to the pool (or staff take it back), with a reason."""
    wish = _lock(wish)
    note = _note(note, "release")
    who = wish.public_claimant
    wish = _apply(actor, wish, "release", version=version, updates=_clear_claim(), note=f"{who} 放弃认领：{note}")
    if not is_manager_of(actor, wish):
        _notify_staff(wish, "心愿被放弃认领，已回到心愿池", key=f"wishes:{wish.pk}:released:v{wish.version}", body=note)
    return wish


@transaction.atomic
def fulfil_wish(actor, wish: Wish, *, note: str, photos: Iterable = (), version=None) -> Wish:
    """The claimant (a member for their own claim) or staff record that the wish came true."""
    wish = _lock(wish)
    note = _note(note, "fulfil")
    photos = [p for p in photos if p]
    _check_photos(photos)
    config = WishSettings.current()
    if wish.photos.filter(kind=WishPhoto.Kind.FULFILMENT).count() + len(photos) > config.max_photos:
        raise ValidationError({"photos": f"最多上传 {config.max_photos} 张完成照片"})
    now = _now()
    updates = {"fulfilled_at": now, "fulfil_note": note, "fulfilled_by": actor if _is_user(actor) else None}
    wish = _apply(actor, wish, "fulfil", version=version, updates=updates, note=note, now=now)
    _photos(wish, photos, WishPhoto.Kind.FULFILMENT, actor, config.max_photos)
    if not is_manager_of(actor, wish):
        _notify_staff(wish, "认领人报告心愿已完成", key=f"wishes:{wish.pk}:fulfilled:v{wish.version}", body=note)
    return wish


@transaction.atomic
def confirm_wish(
    actor, wish: Wish, *, rating: str = "", note: str = "", version=None, by_requester: bool = False
) -> Wish:
    """The requester confirms (`by_requester`, after the page checked ticket and phone), or
    staff record the requester's confirmation from a phone callback (电话回访)."""
    wish = _lock(wish)
    if rating and rating not in rules.Rating.values:
        raise ValidationError({"rating": "请选择评价"})
    note = _text(note, "留言", 500, "note")
    channel = "online" if by_requester else "phone"
    updates = {"confirmed_at": _now(), "confirm_channel": channel, "rating": rating, "confirm_note": note}
    text = (
        "群众确认心愿已实现"
        + (f"，评价：{rules.Rating(rating).label}" if rating else "")
        + (f"。{note}" if note else "")
    )
    if not by_requester:
        text = "电话回访：" + text
    return _apply(actor, wish, "confirm", version=version, updates=updates, note=text, by_requester=by_requester)


@transaction.atomic
def dispute_wish(actor, wish: Wish, *, note: str, version=None, by_requester: bool = False) -> Wish:
    """The requester says it has not come true yet: back to the claimant, with a new deadline."""
    wish = _lock(wish)
    note = _note(note, "dispute")
    config = WishSettings.current()
    now = _now()
    updates = {"fulfilled_at": None, "fulfil_due_at": rules.fulfil_due(now, config.fulfil_days)}
    wish = _apply(
        actor, wish, "dispute", version=version, updates=updates, note=note, now=now, by_requester=by_requester
    )
    _notify_staff(wish, "群众反映心愿尚未实现", key=f"wishes:{wish.pk}:disputed:v{wish.version}", body=note)
    return wish
