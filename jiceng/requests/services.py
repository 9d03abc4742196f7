"""Every write to requests goes through here (and is audit-logged).

Each step is one transaction that (1) checks the transition table (`rules.TRANSITIONS`) and
who may take it, (2) claims the request with a conditional UPDATE on its `version` and
state, so that of two handlers acting at once exactly one wins, (3) appends a
`RequestEvent` and an audit entry. Deadlines are computed when a request is created,
reassigned (assign, transfer, escalate, return) or reopened, and stored on the row.

Other apps pass a problem on as a request with `create_request(...)` (see docs/requests.md,
"For other apps").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit, params, uploads
from jiceng.core.notifications import Digest, managers_of, notify
from jiceng.core.scoping import require_county_admin, require_manager
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import (
    Category,
    DeadlineRule,
    Department,
    DepartmentStaff,
    Request,
    RequestEvent,
    RequestPhoto,
    RequestSettings,
    RoutingRule,
)

S = rules.State
DESCRIPTION_MAX = 2000
PLACE_MAX = 200
NAME_MAX = 50
NOTE_MAX = 2000


def _now() -> datetime:
    return timezone.now()


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


def _holder_text(org: Organization | None, department: Department | None) -> str:
    if department is not None:
        return department.name
    return org.name if org is not None else ""


def _clean_text(value: str, label: str, limit: int, *, required: bool = False, field: str | None = None) -> str:
    value = (value or "").strip()
    if params.has_control_chars(value, allow_whitespace=True):  # NUL cannot even be stored in PostgreSQL
        message = f"{label}含有无法保存的控制字符"
        raise ValidationError({field: message} if field else message)
    if required and not value:
        raise ValidationError({field: f"请填写{label}"} if field else f"请填写{label}")
    if len(value) > limit:
        message = f"{label}最多 {limit} 个字（现有 {len(value)} 个字）"
        raise ValidationError({field: message} if field else message)
    return value


def _coordinate(value, low: int, high: int, label: str, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: f"{label}不是数字"}) from exc
    if not number.is_finite():  # NaN, sNaN, Infinity: Decimal reads them, no comparison can
        raise ValidationError({field: f"{label}不是数字"})
    if not low <= number <= high:
        raise ValidationError({field: f"{label}应在 {low} 到 {high} 之间"})
    return number.quantize(Decimal("0.000001"))


# ---- intake -----------------------------------------------------------------------------------


def intake_organization_error(organization: Organization, depth: int | None = None) -> str | None:
    """Residents file at a village, community, grid or township (not at the county or an agency)."""
    depth = queries.township_depth() if depth is None else depth
    if organization.domain not in (Organization.Domain.RURAL, Organization.Domain.COMMUNITY):
        return "该组织不受理群众诉求（仅限村、社区、乡镇和街道）"
    if organization.depth < depth:
        return "请选择具体的乡镇（街道）或村（社区）"
    return None


def _save_photos(req: Request, photos: Iterable, kind: str, actor, max_photos: int) -> int:
    photos = [p for p in photos if p]
    existing = req.photos.filter(kind=kind).count() if req.pk else 0
    if existing + len(photos) > max_photos:
        raise ValidationError({"photos": f"最多上传 {max_photos} 张照片"})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(uploads.clean_photo(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    for image, thumb in cleaned:
        RequestPhoto.objects.create(
            request=req, kind=kind, image=image, thumbnail=thumb, uploaded_by=actor if _is_user(actor) else None
        )
    return len(cleaned)


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _first_contact(actor, organization: Organization) -> tuple[Organization | None, Department | None]:
    """A staff member who takes a request owns it (首问负责): their organization, when the
    request is in their territory, or their department."""
    department = queries.department_of(actor)
    if department is not None and not actor.can_manage:
        return None, department
    if actor.organization is not None and queries.in_user_subtree(actor, organization):
        return actor.organization, None
    return organization, None


@transaction.atomic
def create_request(
    actor,
    *,
    organization: Organization,
    category: Category,
    kind: str,
    description: str,
    channel: str,
    phone: str = "",
    name: str = "",
    place: str = "",
    source_label: str = "",
    priority: str = "normal",
    tier: str = "study",
    latitude=None,
    longitude=None,
    photos: Iterable = (),
    recorded_by=None,
    received_at: datetime | None = None,
) -> Request:
    """Take in a request and route it; returns the saved request with its ticket number.

    `actor=None` is a resident (public page, Open311) or another app that has already
    checked its own permissions (then pass the person in `recorded_by`). A staff `actor`
    must manage `organization` (or be a department handler) and owns the request from now on
    (first-contact responsibility) until a recorded transfer.
    """
    now = _now()
    received_at = received_at or now
    config = RequestSettings.current()
    staff = _is_user(actor)
    if staff:
        department = queries.department_of(actor)
        if department is None or actor.can_manage:
            require_manager(actor, organization)
        elif not (department.county.path <= organization.path < department.county.path_end):
            raise PermissionDenied("该地不在本部门服务的县（区）内")
    errors = {}
    if kind not in dict(rules.KINDS):
        errors["kind"] = "请选择诉求类型"
    if channel not in dict(rules.CHANNELS):
        errors["channel"] = "来源渠道不正确"
    if priority not in dict(rules.PRIORITIES):
        errors["priority"] = "紧急程度不正确"
    if tier not in dict(rules.TIERS):
        errors["tier"] = "办理方式不正确"
    if category is None or not category.is_active:
        errors["category"] = "请选择类别"
    where = intake_organization_error(organization, config.township_depth)
    if where:
        errors["organization"] = where
    phone = rules.normalize_phone(phone)
    if phone or channel in rules.PUBLIC_CHANNELS:
        message = rules.phone_error(phone)
        if message:
            errors["phone"] = message
    if errors:
        raise ValidationError(errors)
    description = _clean_text(description, "诉求内容", DESCRIPTION_MAX, required=True, field="description")
    place = _clean_text(place, "地点", PLACE_MAX, field="place")
    name = _clean_text(name, "姓名", NAME_MAX, field="name")
    source_label = _clean_text(source_label, "来源说明", 100, field="source_label")
    latitude = _coordinate(latitude, -90, 90, "纬度", "latitude")
    longitude = _coordinate(longitude, -180, 180, "经度", "longitude")

    if staff:
        holder_org, holder_department = _first_contact(actor, organization)
        holder_user = actor
    else:
        holder_org, holder_department = queries.route(organization, category)
        holder_user = None
    level = _level_of(holder_org, holder_department, config.township_depth)
    picked = rules.pick_deadlines(queries.deadline_rules(), category.pk, tier, priority)
    dues, estimated = rules.due_dates(received_at, picked, queries.calendar_for(received_at))

    req = Request(
        kind=kind,
        category=category,
        priority=priority,
        tier=tier,
        channel=channel,
        source_label=source_label,
        description=description,
        place=place,
        latitude=latitude,
        longitude=longitude,
        name=name,
        phone=phone,
        organization=organization,
        state=S.RECEIVED,
        level=level,
        holder_org=holder_org,
        holder_department=holder_department,
        holder_user=holder_user,
        held_since=received_at,
        received_at=received_at,
        assign_due_at=dues["assign"],
        response_due_at=dues["response"],
        done_due_at=dues["done"],
        deadline_estimated=estimated,
        created_by=actor if staff else recorded_by,
    )
    _save_with_ticket(req, received_at)
    if photos:
        _save_photos(req, photos, RequestPhoto.Kind.RESIDENT, actor, config.max_photos)
    channel_label = dict(rules.CHANNELS)[channel]
    _event(
        req,
        actor if staff else recorded_by,
        "receive",
        "",
        S.RECEIVED,
        note=f"通过「{channel_label}」受理" + (f"（{source_label}）" if source_label else ""),
        at=received_at,
        target_org=holder_org,
        target_department=holder_department,
        role="群众" if not staff and recorded_by is None else ("党代表" if channel == "liaison" else None),
    )
    audit.record(actor if staff else None, "create", req, org_path=organization.path, note=f"受理诉求 {req.ticket}")
    _notify_holder(req, "新诉求待签收")
    return req


def _save_with_ticket(req: Request, received_at: datetime) -> None:
    day = timezone.localtime(received_at).date()
    for _ in range(8):
        req.ticket = rules.new_ticket(day)
        try:
            with transaction.atomic():
                req.save()
            return
        except IntegrityError:
            if Request.objects.filter(ticket=req.ticket).exists():
                continue
            raise
    raise RuntimeError("could not draw a free ticket number")


def _level_of(org: Organization | None, department: Department | None, depth: int) -> str:
    if department is not None:
        return "department"
    return rules.org_level(org.depth, depth) if org is not None else "village"


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


# ---- the transition engine --------------------------------------------------------------------


def _authorize(actor, req: Request, action: str) -> None:
    who = rules.TRANSITIONS[action].who
    if actor is None:  # the system (sweeps) and other apps after their own checks
        return
    if who == rules.HOLDER and not queries.can_act(actor, req):
        raise PermissionDenied("只有承办单位（或其上级）可以办理该诉求")
    if who == rules.MANAGER and not queries.can_manage_request(actor, req):
        raise PermissionDenied("无权办理该诉求")
    if who == rules.SUPERVISOR and not (queries.is_supervisor(actor) and queries.can_manage_request(actor, req)):
        raise PermissionDenied("不予受理需由乡镇（街道）及以上决定")


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


@transaction.atomic
def accept_request(actor, req: Request, *, version=None, contacted: bool = False, note: str = "") -> Request:
    """签收: the actor takes the request on (and owns it from now on)."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    now = _now()
    updates = {"accepted_at": now, "holder_user": actor if _is_user(actor) else req.holder_user}
    if rules.late_on_completion(now, req.assign_due_at):
        updates["assign_late"] = True
    note = _clean_text(note, "说明", NOTE_MAX)
    if contacted and req.responded_at is None:
        updates["responded_at"] = now
        if rules.late_on_completion(now, req.response_due_at):
            updates["response_late"] = True
    req = _apply(actor, req, "accept", version=expected, updates=updates, note=note, now=now)
    if contacted:
        _event(req, actor, "contact", req.state, req.state, note=note or "签收时已与群众联系", at=now)
    return req


@transaction.atomic
def start_request(actor, req: Request, *, version=None) -> Request:
    expected = _version_of(req, version) if version is not None else req.version
    return _apply(actor, _lock(req), "start", version=expected, updates={})


@transaction.atomic
def contact_resident(actor, req: Request, *, note: str, version=None) -> Request:
    """联系群众: completes the response (feedback) stage the first time."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "contact")
    now = _now()
    updates = {}
    if req.responded_at is None:
        updates["responded_at"] = now
        if rules.late_on_completion(now, req.response_due_at):
            updates["response_late"] = True
    return _apply(actor, req, "contact", version=expected, updates=updates, note=note, now=now)


@transaction.atomic
def assign_request(
    actor, req: Request, *, org: Organization | None = None, user=None, note: str = "", version=None
) -> Request:
    """派单: hand it down to an organization below the holder, or to one handler."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _clean_text(note, "说明", NOTE_MAX)
    _authorize(actor, req, "assign")
    depth = queries.township_depth()
    department = None
    if user is not None:
        department = queries.department_of(user) if req.holder_department_id else None
        if req.holder_department_id:
            if department is None or department.pk != req.holder_department_id:
                raise ValidationError({"user": "只能派给本部门的经办人"})
            org = None
        else:
            org = org or user.organization
            if not (user.can_manage and queries.in_user_subtree(user, org) or user.organization_id == org.pk):
                raise ValidationError({"user": "该经办人不属于所选组织"})
    if req.holder_department_id is None:
        if org is None:
            raise ValidationError({"org": "请选择承办组织或经办人"})
        holder = req.holder_org
        if not (holder.path <= org.path < holder.path_end):
            raise ValidationError({"org": "派单只能派给本单位或下级组织；其他单位请用「转办」"})
    if org is not None and org.pk == req.holder_org_id and user is None:
        raise ValidationError({"org": "已由该组织承办"})
    now = _now()
    updates = _reassignment(req, now, org=org, department=department, user=user, depth=depth)
    if department is None and req.holder_department_id:
        updates["holder_department"] = req.holder_department
        updates["level"] = "department"
    target_label = f"{_holder_text(org, updates.get('holder_department'))}" + (f" · {user}" if user else "")
    req = _apply(
        actor,
        req,
        "assign",
        version=expected,
        updates=updates,
        note=f"派至 {target_label}" + (f"：{note}" if note else ""),
        target_org=org,
        target_department=updates.get("holder_department"),
        now=now,
    )
    _notify_holder(req, "新派单待签收")
    return req


@transaction.atomic
def transfer_request(
    actor,
    req: Request,
    *,
    org: Organization | None = None,
    department: Department | None = None,
    note: str,
    tier: str | None = None,
    version=None,
) -> Request:
    """转办: hand it over to another responsible organization or department (recorded)."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "transfer")
    _authorize(actor, req, "transfer")
    if (org is None) == (department is None):
        raise ValidationError({"org": "请选择转办的组织或部门（二选一）"})
    if org is not None:
        if actor is not None and not queries.in_user_subtree(actor, org):
            raise ValidationError({"org": "只能转给本辖区内的组织"})
        if intake_organization_error(org) and org.depth >= queries.township_depth():
            raise ValidationError({"org": "该组织不承办群众诉求"})
        if org.pk == req.holder_org_id:
            raise ValidationError({"org": "已由该组织承办"})
    if department is not None:
        if not department.is_active:
            raise ValidationError({"department": "该部门已停用"})
        if department.pk == req.holder_department_id:
            raise ValidationError({"department": "已由该部门承办"})
        if department not in queries.departments_for(req.organization):
            raise ValidationError({"department": "该部门不服务本县"})
    if tier and tier not in dict(rules.TIERS):
        raise ValidationError({"tier": "办理方式不正确"})
    now = _now()
    updates = _reassignment(req, now, org=org, department=department, tier=tier, depth=queries.township_depth())
    req = _apply(
        actor,
        req,
        "transfer",
        version=expected,
        updates=updates,
        note=f"转至 {_holder_text(org, department)}：{note}",
        target_org=org,
        target_department=department,
        now=now,
    )
    _notify_holder(req, "转办诉求待签收")
    return req


def escalation_target(req: Request, department: Department | None = None):
    """(organization, department) one rung up the ladder, or a ValidationError saying why not."""
    depth = queries.township_depth()
    up = rules.escalation_target_level(req.level)
    if up is None:
        raise ValidationError("县直部门已是最高层级，不能再上报；如不属本部门职责，请退回或转办")
    if up == "township":
        township = queries.township_of(req.holder_org, depth)
        if township is None:
            raise ValidationError("找不到所属乡镇（街道）")
        return township, None
    department = department or queries.default_department(req.holder_org or req.organization, req.category)
    if department is None:
        raise ValidationError({"department": "请选择要“吹哨”的县直部门"})
    if not department.is_active or department not in queries.departments_for(req.organization):
        raise ValidationError({"department": "该部门不可选"})
    return None, department


@transaction.atomic
def escalate_request(
    actor,
    req: Request,
    *,
    note: str,
    department: Department | None = None,
    tier: str | None = None,
    version=None,
    now: datetime | None = None,
    automatic: bool = False,
) -> Request:
    """上报 / 吹哨: village → township → county department; each level sees it from now on."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "escalate")
    _authorize(actor, req, "escalate")
    org, department = escalation_target(req, department)
    if tier is None:
        tier = "coordinate" if department is not None else ("study" if req.tier == "on_spot" else req.tier)
    now = now or _now()
    updates = _reassignment(req, now, org=org, department=department, tier=tier, depth=queries.township_depth())
    updates["escalations"] = F("escalations") + 1
    word = "吹哨至" if department is not None else "上报至"
    req = _apply(
        actor,
        req,
        "escalate",
        version=expected,
        updates=updates,
        note=f"{word} {_holder_text(org, department)}：{note}",
        target_org=org,
        target_department=department,
        role="系统（超期自动上报）" if automatic else None,
        now=now,
    )
    _notify_holder(req, "上报诉求待签收" if department is None else "吹哨报到：诉求待签收")
    return req


@transaction.atomic
def return_request(actor, req: Request, *, note: str, version=None) -> Request:
    """退回 with a reason: back to whoever sent it."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "return")
    message = rules.check_transition("return", req.state)
    if message:
        raise ValidationError(message)
    _authorize(actor, req, "return")
    if req.sent_by_org_id is None and req.sent_by_department_id is None:
        raise ValidationError("这件诉求是直接受理的，没有交办单位可退回；可以转办或上报")
    org = req.sent_by_org
    department = req.sent_by_department
    now = _now()
    updates = _reassignment(req, now, org=org, department=department, depth=queries.township_depth())
    req = _apply(
        actor,
        req,
        "return",
        version=expected,
        updates=updates,
        note=f"退回 {_holder_text(org, department)}：{note}",
        target_org=org,
        target_department=department,
        now=now,
    )
    _notify_holder(req, "诉求被退回，请重新分派")
    return req


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


@transaction.atomic
def dismiss_request(actor, req: Request, *, note: str, version=None) -> Request:
    """不予受理 (e.g. spam, a duplicate, not a matter for the platform): township level and above."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "dismiss")
    now = _now()
    return _apply(actor, req, "dismiss", version=expected, updates={"closed_at": now}, note=note, now=now)


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


# ---- sweeps (jobs.py) -------------------------------------------------------------------------


def notify_overdue(now: datetime, limit: int = 2000) -> int:
    """One notice per request, stage and deadline to whoever holds it (idempotent by key)."""
    sent = 0
    qs = (
        Request.objects.filter(queries.overdue_q(now))
        .select_related("category", "organization", "holder_org", "holder_department", "holder_user")
        .order_by("done_due_at")[:limit]
    )
    for req in qs:
        for stage in req.overdue_stages(now):
            due = getattr(req, f"{stage}_due_at")
            key = f"requests:overdue:{req.pk}:{stage}:{due.isoformat()}"
            for user in _recipients(req):
                _, created = notify(
                    user,
                    kind="requests_overdue",
                    title=f"诉求{rules.STAGE_LABELS[stage]}超期：{req.category.name} {req.ticket}",
                    key=key,
                    body=f"{rules.STAGE_LABELS[stage]}时限为 {timezone.localtime(due):%Y-%m-%d %H:%M}，已超期。",
                    url=reverse("requests:detail", args=[req.pk]),
                    org_path=req.organization.path,
                    # A township or the county holding villages' requests gets one notice a day
                    # per stage, linking to the overdue list, not one per request.
                    digest=Digest(
                        f"requests:overdue:{stage}",
                        f"下级组织的诉求{rules.STAGE_LABELS[stage]}超期",
                        f"{reverse('requests:inbox')}?box=overdue",
                    ),
                )
                sent += created
    return sent


def auto_escalate(now: datetime, limit: int = 500) -> int:
    """Escalate requests whose done deadline passed more than the configured grace ago.

    Village → township always; township → the department the routing table names for the
    category (if none, the township keeps it and the overdue notices continue). Idempotent:
    each escalation is claimed by the conditional UPDATE, and an escalated request has a new
    deadline.

    `limit` counts escalations, not candidates: a request that cannot go up (a township with no
    whistle department) stays overdue and oldest, and would otherwise fill the batch on every
    run while the requests behind it were never escalated.
    """
    from datetime import timedelta

    config = RequestSettings.current()
    if not config.escalate_after_hours:
        return 0
    cutoff = now - timedelta(hours=config.escalate_after_hours)
    candidates = list(
        Request.objects.filter(queries.overdue_q(now, "done"), done_due_at__lt=cutoff)
        .exclude(level__in=["department"])
        .order_by("done_due_at", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in candidates:
        if done >= limit:
            break
        try:
            with transaction.atomic():
                req = Request.objects.get(pk=pk)
                escalation_target(_lock(req))
                escalate_request(
                    None,
                    req,
                    note=f"办结超期 {config.escalate_after_hours} 小时，系统自动上报",
                    version=req.version,
                    now=now,
                    automatic=True,
                )
            done += 1
        except (ValidationError, Request.DoesNotExist):
            continue
    return done


def auto_close(now: datetime, limit: int = 2000) -> int:
    """Close resolved requests the resident has not rated within the configured days."""
    from datetime import timedelta

    config = RequestSettings.current()
    if not config.auto_close_days:
        return 0
    cutoff = now - timedelta(days=config.auto_close_days)
    closed = 0
    for req in Request.objects.filter(state__in=list(rules.DONE), resolved_at__lt=cutoff).order_by("resolved_at")[
        :limit
    ]:
        try:
            close_request(None, req, note=f"办结后 {config.auto_close_days} 天群众未评价，系统自动关闭", now=now)
            closed += 1
        except ValidationError:
            continue
    return closed


# ---- configuration (county admin) -------------------------------------------------------------

SETTINGS_FIELDS = [
    "weight_response",
    "weight_resolution",
    "weight_satisfaction",
    "township_depth",
    "escalate_after_hours",
    "auto_close_days",
    "reopen_limit",
    "max_photos",
    "open311_keys",
]


def _root_path(actor) -> str:
    return actor.organization.path if getattr(actor, "organization", None) else ""


@transaction.atomic
def update_settings(actor, **values) -> RequestSettings:
    if actor is not None:
        require_county_admin(actor)
    config = RequestSettings.objects.select_for_update().order_by("pk").first() or RequestSettings()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(name)
        setattr(config, name, value)
    message = rules.validate_weights(config.weights)
    if message:
        raise ValidationError({"weight_response": message})
    if not 1 <= config.max_photos <= 9:
        raise ValidationError({"max_photos": "照片数应在 1 到 9 之间"})
    config.save()
    audit.record(
        actor,
        "update",
        config,
        changes=audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS)),
        org_path=_root_path(actor),
    )
    return config


CATEGORY_FIELDS = ["code", "name", "description", "group", "keywords", "is_active", "order"]


@transaction.atomic
def save_category(actor, category: Category | None = None, **values) -> Category:
    if actor is not None:
        require_county_admin(actor)
    obj = category or Category()
    before = audit.snapshot(obj, CATEGORY_FIELDS) if category else {}
    for name, value in values.items():
        if name not in CATEGORY_FIELDS:
            raise ValueError(name)
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    audit.record(
        actor,
        "update" if category else "create",
        obj,
        changes=audit.diff(before, audit.snapshot(obj, CATEGORY_FIELDS)),
        org_path=_root_path(actor),
    )
    return obj


DEADLINE_FIELDS = [
    "category",
    "tier",
    "priority",
    "assign_amount",
    "assign_unit",
    "response_amount",
    "response_unit",
    "done_amount",
    "done_unit",
    "note",
]


@transaction.atomic
def save_deadline_rule(actor, rule: DeadlineRule | None = None, **values) -> DeadlineRule:
    if actor is not None:
        require_county_admin(actor)
    obj = rule or DeadlineRule()
    before = audit.snapshot(obj, DEADLINE_FIELDS) if rule else {}
    for name, value in values.items():
        if name not in DEADLINE_FIELDS:
            raise ValueError(name)
        setattr(obj, name, value)
    errors = {}
    for stage in rules.STAGES:
        amount, unit = getattr(obj, f"{stage}_amount"), getattr(obj, f"{stage}_unit")
        if (amount is None) != (not unit):
            errors[f"{stage}_amount"] = f"{rules.STAGE_LABELS[stage]}时限的数值和单位要同时填写或同时留空"
        elif unit == "working_days" and amount is not None and amount > 250:
            errors[f"{stage}_amount"] = "工作日时限最多 250 个工作日"
    if not any(getattr(obj, f"{s}_amount") is not None for s in rules.STAGES):
        errors["assign_amount"] = "至少填写一个环节的时限"
    clash = DeadlineRule.objects.filter(category=obj.category, tier=obj.tier, priority=obj.priority).exclude(pk=obj.pk)
    if clash.exists():
        errors["category"] = "已有相同条件（类别、办理方式、紧急程度）的规则，请直接修改那一条"
    if errors:
        raise ValidationError(errors)
    obj.save()
    audit.record(
        actor,
        "update" if rule else "create",
        obj,
        changes=audit.diff(before, audit.snapshot(obj, DEADLINE_FIELDS)),
        org_path=_root_path(actor),
    )
    return obj


@transaction.atomic
def delete_deadline_rule(actor, rule: DeadlineRule) -> None:
    if actor is not None:
        require_county_admin(actor)
    audit.record(actor, "delete", rule, org_path=_root_path(actor))
    rule.delete()


@transaction.atomic
def save_routing_rule(
    actor,
    *,
    organization: Organization,
    category: Category | None,
    target_org: Organization | None = None,
    target_department: Department | None = None,
    mode: str = RoutingRule.Mode.INTAKE,
    note: str = "",
) -> RoutingRule:
    if actor is not None:
        require_county_admin(actor)
        require_manager(actor, organization)
    if (target_org is None) == (target_department is None):
        raise ValidationError({"target_org": "请选择交由办理的组织或部门（二选一）"})
    if mode not in RoutingRule.Mode.values:
        raise ValidationError({"mode": "用途不正确"})
    if mode == RoutingRule.Mode.WHISTLE and target_department is None:
        raise ValidationError({"target_department": "吹哨默认部门须选择县直部门"})
    if target_org is not None and actor is not None and not queries.in_user_subtree(actor, target_org):
        raise ValidationError({"target_org": "该组织不在您的管理范围内"})
    rule, created = RoutingRule.objects.update_or_create(
        organization=organization,
        category=category,
        mode=mode,
        defaults={"target_org": target_org, "target_department": target_department, "note": note[:200]},
    )
    audit.record(
        actor,
        "create" if created else "update",
        rule,
        changes={"target": [None, str(target_org or target_department)]},
        org_path=organization.path,
    )
    return rule


@transaction.atomic
def delete_routing_rule(actor, rule: RoutingRule) -> None:
    if actor is not None:
        require_county_admin(actor)
        require_manager(actor, rule.organization)
    audit.record(actor, "delete", rule, org_path=rule.organization.path)
    rule.delete()


DEPARTMENT_FIELDS = ["code", "name", "phone", "is_active", "order"]


@transaction.atomic
def save_department(actor, department: Department | None = None, *, county: Organization | None = None, **values):
    if actor is not None:
        require_county_admin(actor)
    obj = department or Department(county=county)
    if department is None:
        if county is None:
            raise ValidationError("缺少所属县")
        if actor is not None:
            require_manager(actor, county)
    before = audit.snapshot(obj, DEPARTMENT_FIELDS) if department else {}
    for name, value in values.items():
        if name not in DEPARTMENT_FIELDS:
            raise ValueError(name)
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    audit.record(
        actor,
        "update" if department else "create",
        obj,
        changes=audit.diff(before, audit.snapshot(obj, DEPARTMENT_FIELDS)),
        org_path=obj.county.path,
    )
    return obj


@transaction.atomic
def add_department_handler(
    actor, department: Department, *, username: str, display_name: str, password: str, organization=None
):
    """Create a 部门经办人 account for `department` (county admin)."""
    from django.contrib.auth.password_validation import validate_password

    from jiceng.accounts.models import User

    if actor is not None:
        require_county_admin(actor)
        require_manager(actor, department.county)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写登录账号"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "该账号已存在"})
    user = User(username=username, display_name=display_name[:50], role="department_handler", organization=organization)
    if actor is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    DepartmentStaff.objects.create(user=user, department=department)
    audit.record(actor, "create", user, note=f"部门经办人：{department.name}", org_path=department.county.path)
    return user


# ---- what a user may do (for pages) -----------------------------------------------------------

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


def may(actor, req: Request, action: str) -> bool:
    """Whether the page should offer `action` to `actor` (the services check again)."""
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
