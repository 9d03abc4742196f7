"""Configuration by the county admin: settings, categories, deadline rules, the routing table,
departments and their handler accounts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.core import audit
from jiceng.core.scoping import require_county_admin, require_manager
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Category, DeadlineRule, Department, DepartmentStaff, RequestSettings, RoutingRule

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
    config = RequestSettings.for_update()
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
