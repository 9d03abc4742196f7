"""Handling a request: sign for it (签收), start, contact the resident, hand it down (派单),
over (转办), up (上报 / 吹哨) or back (退回), and dismiss it (不予受理)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Department, Request
from .common import NOTE_MAX, _clean_text, _holder_text, _is_user, _now
from .engine import _apply, _lock, _note, _reassignment, _version_of
from .events import _event, _notify_holder
from .intake import intake_organization_error
from .permissions import _authorize


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


@transaction.atomic
def dismiss_request(actor, req: Request, *, note: str, version=None) -> Request:
    """不予受理 (e.g. spam, a duplicate, not a matter for the platform): township level and above."""
    expected = _version_of(req, version) if version is not None else req.version
    req = _lock(req)
    note = _note(note, "dismiss")
    now = _now()
    return _apply(actor, req, "dismiss", version=expected, updates={"closed_at": now}, note=note, now=now)
