"""Every write to wishes goes through here (and is audit-logged).

Each step (1) checks the transition table (`rules.TRANSITIONS`) and who may take it,
(2) claims the wish with a conditional UPDATE on its `version` and state, so of two people
acting at once exactly one wins (two claimants never both get the same wish), and (3) appends
a `WishEvent` and an audit entry, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit, params, uploads
from jiceng.core.calendar import working_deadline
from jiceng.core.cases import save_with_ticket
from jiceng.core.notifications import MANAGER_ROLES, Digest, notify
from jiceng.core.scoping import in_scope, is_member_role, require_manager
from jiceng.members.models import Member
from jiceng.orgs.models import Enterprise, Organization

from . import rules
from .models import Wish, WishEvent, WishPhoto, WishSettings

S = rules.State
WISH_DOMAINS = (Organization.Domain.RURAL, Organization.Domain.COMMUNITY)
NAME_MAX = 50
ADDRESS_MAX = 200


def _now() -> datetime:
    return timezone.now()


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _text(value: str, label: str, limit: int, field: str | None = None, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        message = f"请填写{label}"
        raise ValidationError({field: message} if field else message)
    if len(value) > limit:
        message = f"{label}最多 {limit} 个字（现有 {len(value)} 个字）"
        raise ValidationError({field: message} if field else message)
    return value


def wish_organization_error(organization: Organization | None) -> str | None:
    """Wishes are collected by villages and communities (and the townships above them)."""
    if organization is None:
        return "请选择村（社区）"
    if organization.parent_id is None or organization.domain not in WISH_DOMAINS:
        return "该组织不收集微心愿（仅限乡镇、街道、村和社区）"
    return None


def role_label(actor) -> str:
    """How a step appears to the requester: a role, never a staff member's name."""
    if not _is_user(actor):
        return "系统"
    if is_member_role(actor):
        return "党员"
    org = actor.organization
    if actor.is_superuser or org is None or org.parent_id is None:
        return "县级工作人员"
    if org.depth == 1:
        return "乡镇（街道）工作人员"
    return "村（社区）工作人员"


def staff_for(organization: Organization):
    """Managers of the organization, or of the nearest organization above it that has any."""
    from jiceng.accounts.models import User

    paths = [organization.path[:end] for end in range(4, len(organization.path) + 1, 4)]
    users = list(
        User.objects.filter(is_active=True, role__in=list(MANAGER_ROLES), organization__path__in=paths).select_related(
            "organization"
        )
    )
    if not users:
        return []
    deepest = max(u.organization.path for u in users)
    return [u for u in users if u.organization.path == deepest]


def _notify_staff(wish: Wish, title: str, key: str, body: str = "", digest: Digest | None = None) -> int:
    """Notify the nearest staff of the wish's organization. Where no manager sits at the village
    and the notice goes up (township, county), `digest` rolls such notices into one a day."""
    sent = 0
    for user in staff_for(wish.organization):
        _, created = notify(
            user,
            kind="wishes",
            title=f"{title}：{wish.organization.short_name or wish.organization.name} {wish.ticket}",
            key=key,
            body=body or wish.description[:200],
            url=reverse("wishes:detail", args=[wish.pk]),
            org_path=wish.organization.path,
            digest=digest,
        )
        sent += created
    return sent


def _overdue_digest(topic: str, title: str, figure: str) -> Digest:
    return Digest(f"wishes:{topic}", f"下级组织：{title}", f"{reverse('wishes:list')}?figure={figure}")


def _event(
    wish: Wish, actor, action: str, from_state: str, to_state: str, *, note: str = "", at=None, role=None, public=True
):
    return WishEvent.objects.create(
        wish=wish,
        at=at or _now(),
        actor=actor if _is_user(actor) else None,
        actor_role=role if role is not None else role_label(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
    )


def _photos(wish: Wish, photos: Iterable, kind: str, actor, max_photos: int) -> int:
    photos = [p for p in photos if p]
    if not photos:
        return 0
    existing = wish.photos.filter(kind=kind).count() if wish.pk else 0
    if existing + len(photos) > max_photos:
        raise ValidationError({"photos": f"最多上传 {max_photos} 张照片"})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(uploads.clean_photo(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    for image, thumb in cleaned:
        WishPhoto.objects.create(
            wish=wish, kind=kind, image=image, thumbnail=thumb, uploaded_by=actor if _is_user(actor) else None
        )
    return len(cleaned)


def _check_photos(photos: Iterable) -> None:
    """Validate photos before anything is written (the post page must lose nothing)."""
    for upload in [p for p in photos if p]:
        try:
            uploads.clean_photo(upload)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc


# ---- posting ----------------------------------------------------------------------------------------


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


# ---- the transition engine ------------------------------------------------------------------------


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


# ---- sweeps ----------------------------------------------------------------------------------------


def notify_overdue(now: datetime, limit: int = 2000) -> dict[str, int]:
    """Notices for wishes waiting too long: not accepted by the deadline, unclaimed in the pool
    for `claim_days`, claimed and not fulfilled by the deadline. Idempotent: each notice's key
    names the wish and the deadline it missed, so a second run sends nothing new."""
    from datetime import timedelta

    config = WishSettings.current()
    sent = {"accept": 0, "claim": 0, "fulfil": 0}
    posted = Wish.objects.filter(state=S.POSTED, accept_due_at__lt=now).select_related("organization")
    for wish in posted.order_by("accept_due_at")[:limit]:
        due = timezone.localtime(wish.accept_due_at).date()
        sent["accept"] += _notify_staff(
            wish,
            "微心愿超期未审核",
            key=f"wishes:overdue:accept:{wish.pk}:{due:%Y%m%d}",
            body=f"群众 {timezone.localtime(wish.posted_at):%Y-%m-%d} 提交的心愿已超过审核时限，请审核入池或答复。",
            digest=_overdue_digest("overdue:accept", "微心愿超期未审核", "pending"),
        )
    if config.claim_days:
        pooled = Wish.objects.filter(state=S.POOLED, accepted_at__lt=now - timedelta(days=config.claim_days))
        for wish in pooled.select_related("organization").order_by("accepted_at")[:limit]:
            sent["claim"] += _notify_staff(
                wish,
                "微心愿长时间无人认领",
                key=f"wishes:overdue:claim:{wish.pk}:{timezone.localtime(wish.accepted_at):%Y%m%d}",
                body=f"该心愿入池已超过 {config.claim_days} 天无人认领，请协调党员或组织认领。",
                digest=_overdue_digest("overdue:claim", "微心愿长时间无人认领", "pooled"),
            )
    claimed = Wish.objects.filter(state=S.CLAIMED, fulfil_due_at__lt=now).select_related(
        "organization", "claimed_member"
    )
    for wish in claimed.order_by("fulfil_due_at")[:limit]:
        key = f"wishes:overdue:fulfil:{wish.pk}:{timezone.localtime(wish.fulfil_due_at):%Y%m%d}"
        body = f"{wish.claimant_label} 认领的心愿已超过完成时限，请督促完成或放弃认领。"
        digest = _overdue_digest("overdue:fulfil", "认领的微心愿超期未完成", "overdue")
        sent["fulfil"] += _notify_staff(wish, "认领的微心愿超期未完成", key=key, body=body, digest=digest)
        user = getattr(wish.claimed_member, "user", None) if wish.claimed_member_id else None
        if user is not None and user.is_active:
            _, created = notify(
                user,
                kind="wishes",
                title=f"您认领的微心愿已超期：{wish.ticket}",
                key=key,
                body="请尽快完成，或在「我认领的心愿」中放弃认领。",
                url=reverse("wishes:mine"),
                org_path=wish.organization.path,
            )
            sent["fulfil"] += created
    return sent


# ---- settings ----------------------------------------------------------------------------------------

SETTINGS_FIELDS = ["accept_working_days", "claim_days", "fulfil_days", "member_open_claims", "max_photos"]


@transaction.atomic
def update_settings(actor, **values) -> WishSettings:
    """County admins change the wish pool's county practice settings [C]."""
    from jiceng.core.scoping import require_county_admin

    require_county_admin(actor)
    config = WishSettings.for_update()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"不可修改的配置：{name}")
        setattr(config, name, value)
    config.save()
    changes = audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS))
    if changes:
        root_path = actor.organization.path if getattr(actor, "organization", None) else ""
        audit.record(actor, "update", config, changes=changes, org_path=root_path, note="微心愿配置")
    return config
