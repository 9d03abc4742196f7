"""Every write to the liaison records goes through here (and is audit-logged).

A problem passed on becomes a request through the request system's own intake
(`jiceng.requests.services.create_request`, channel 党代表走访), inside the same transaction
as the problem's change, so a refused request leaves the problem as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit, uploads
from jiceng.core.scoping import in_scope, require_manager
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import PLACE_DOMAINS
from jiceng.requests import queries as requests
from jiceng.requests.services import create_request

from . import rules
from .models import LiaisonStation, Problem, Representative, ServiceTeam, Visit, VisitHousehold, VisitPhoto

MAX_PHOTOS = 9
VISIT_DOMAINS = PLACE_DOMAINS  # villages and communities (jiceng.orgs.queries)


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _text(value: str, label: str, limit: int, field: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}最多 {limit} 个字（现有 {len(value)} 个字）"})
    return value


def _require_visible(actor, obj, field: str, label: str) -> None:
    if obj is not None and _is_user(actor) and not in_scope(actor, obj):
        raise ValidationError({field: f"{label}不在您的管理范围内"})


def visit_organization_error(organization: Organization | None) -> str | None:
    """Representatives visit villages, communities and townships (the places residents live);
    the same places where the request system takes requests."""
    if organization is None:
        return "请选择走访地"
    if organization.parent_id is None or organization.domain not in VISIT_DOMAINS:
        return "走访地应为乡镇（街道）、村或社区"
    return None


# ---- register: teams, stations, representatives -------------------------------------------------

TEAM_FIELDS = ["name", "organization", "leader_name", "note", "is_active"]
STATION_FIELDS = ["name", "kind", "organization", "address", "reception", "phone", "is_active"]
REPRESENTATIVE_FIELDS = [
    "name",
    "gender",
    "level",
    "congress",
    "unit_post",
    "phone",
    "member",
    "organization",
    "team",
    "station",
    "is_active",
    "note",
]


def _save(actor, obj, fields: list[str], values: dict, organization: Organization):
    """Create or update `obj` with `values`; audit the change."""
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"不可修改的字段：{', '.join(sorted(unknown))}")
    creating = obj.pk is None
    if not creating:
        require_manager(actor, obj.organization)  # the old place, then the new one
    require_manager(actor, organization)
    before = {} if creating else audit.snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    after = audit.snapshot(obj, fields)
    if creating:
        obj.save()
        audit.record(actor, "create", obj, changes=after, org_path=organization.path)
    else:
        changes = audit.diff(before, after)
        if changes:
            obj.revision = F("revision") + 1
            obj.save()
            obj.refresh_from_db()
            audit.record(actor, "update", obj, changes=changes, org_path=organization.path)
    return obj


@transaction.atomic
def save_team(actor, team: ServiceTeam | None = None, **values) -> ServiceTeam:
    team = team or ServiceTeam()
    values["name"] = _text(values.get("name", team.name), "服务队名称", 100, "name", required=True)
    organization = values.get("organization", getattr(team, "organization", None))
    if organization is None:
        raise ValidationError({"organization": "请选择所在乡镇（街道）"})
    return _save(actor, team, TEAM_FIELDS, values, organization)


@transaction.atomic
def save_station(actor, station: LiaisonStation | None = None, **values) -> LiaisonStation:
    station = station or LiaisonStation()
    values["name"] = _text(values.get("name", station.name), "名称", 100, "name", required=True)
    organization = values.get("organization", getattr(station, "organization", None))
    if organization is None:
        raise ValidationError({"organization": "请选择所在组织"})
    phone = values.get("phone")
    if phone:
        message = rules.phone_error(phone)
        if message:
            raise ValidationError({"phone": message})
        values["phone"] = rules.normalize_phone(phone)
    return _save(actor, station, STATION_FIELDS, values, organization)


@transaction.atomic
def save_representative(actor, rep: Representative | None = None, **values) -> Representative:
    rep = rep or Representative()
    values["name"] = _text(values.get("name", rep.name), "姓名", 50, "name", required=True)
    team = values.get("team", rep.team if rep.team_id else None)
    organization = values.get("organization") or (rep.organization if rep.organization_id else None)
    if team is not None:
        _require_visible(actor, team, "team", "服务队")
        # The register follows the team: a representative counts for the team's township.
        organization = team.organization
        values["organization"] = organization
    if organization is None:
        raise ValidationError({"organization": "请选择服务队或所属乡镇（单位）"})
    station = values.get("station")
    _require_visible(actor, station, "station", "工作室（联络站）")
    member = values.get("member")
    _require_visible(actor, member, "member", "党员档案")
    phone = values.get("phone")
    if phone:
        message = rules.phone_error(phone)
        if message:
            raise ValidationError({"phone": message})
        values["phone"] = rules.normalize_phone(phone)
    if member is not None:
        clash = Representative.objects.filter(member=member, is_active=True).exclude(pk=rep.pk).first()
        if clash is not None and values.get("is_active", rep.is_active):
            raise ValidationError({"member": f"该党员已登记为党代表（{clash.organization}），不能重复登记"})
    return _save(actor, rep, REPRESENTATIVE_FIELDS, values, organization)


# ---- visits and problems ------------------------------------------------------------------------


def clean_problem(data: dict) -> dict:
    """Validate one problem as entered with a visit (or added later); returns clean values.
    Used by the forms too, so a page shows the same messages as the service."""
    out = {}
    out["description"] = _text(data.get("description"), "问题内容", rules.DESCRIPTION_MAX, "description", required=True)
    category = data.get("category")
    if not requests.is_active_category(category):
        raise ValidationError({"category": "请选择类别"})
    out["category"] = category
    kind = data.get("kind") or "help"
    if kind not in dict(requests.request_kinds()):
        raise ValidationError({"kind": "请选择诉求类型"})
    out["kind"] = kind
    outcome = data.get("outcome") or rules.PENDING
    if outcome not in dict(rules.OUTCOMES):
        raise ValidationError({"outcome": "请选择处理结果"})
    out["outcome"] = outcome
    out["solution"] = _text(data.get("solution"), "解决情况", rules.DESCRIPTION_MAX, "solution")
    if outcome == rules.SOLVED and not out["solution"]:
        raise ValidationError({"solution": "当场解决的问题请写明怎样解决的"})
    out["resident_name"] = _text(data.get("resident_name"), "群众姓名", 50, "resident_name")
    phone = rules.normalize_phone(data.get("phone") or "")
    message = rules.phone_error(phone)
    if message:
        raise ValidationError({"phone": message})
    out["phone"] = phone
    out["place"] = _text(data.get("place"), "地点", 200, "place")
    return out


def _check_photos(photos: Iterable, existing: int = 0) -> list:
    photos = [p for p in photos if p]
    if existing + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"每次走访最多 {MAX_PHOTOS} 张照片"})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(uploads.clean_photo(upload))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    return cleaned


def _clean_visit(
    actor,
    *,
    organization: Organization,
    date: date,
    representatives: Iterable[Representative],
    households_reached: int | None,
    household_list: str,
    station: LiaisonStation | None,
    kind: str,
    place: str,
    note: str,
    new: bool,
) -> tuple[dict, list[str], list[Representative]]:
    errors = {}
    message = visit_organization_error(organization)
    if message:
        errors["organization"] = message
    message = rules.visit_date_error(date, timezone.localdate())
    if message:
        errors["date"] = message
    reps = list(representatives)
    if not reps:
        errors["representatives"] = "请选择参加走访的党代表"
    elif _is_user(actor):
        from jiceng.core.scoping import visible

        seen = set(
            visible(actor, Representative.objects.filter(pk__in=[r.pk for r in reps])).values_list("pk", flat=True)
        )
        if len(seen) != len({r.pk for r in reps}):
            errors["representatives"] = "所选党代表不在您的管理范围内"
    if new and any(not r.is_active for r in reps):
        errors["representatives"] = "所选党代表中有已不在册的，请重新选择"
    labels, list_errors = rules.parse_household_list(household_list)
    if list_errors:
        errors["household_list"] = "；".join(list_errors)
    if households_reached is None and labels:
        households_reached = len(labels)
    message = rules.households_error(households_reached, len(labels))
    if message:
        errors["households_reached"] = message
    if kind not in dict(Visit.Kind.choices):
        errors["kind"] = "请选择走访形式"
    if station is not None and _is_user(actor) and not in_scope(actor, station):
        errors["station"] = "工作室（联络站）不在您的管理范围内"
    if errors:
        raise ValidationError(errors)
    values = {
        "organization": organization,
        "date": date,
        "households_reached": households_reached,
        "station": station,
        "kind": kind,
        "place": _text(place, "地点", 200, "place"),
        "note": _text(note, "走访情况", rules.DESCRIPTION_MAX, "note"),
    }
    return values, labels, reps


def village_of(organization: Organization) -> Organization:
    """The village or community an organization belongs to (itself, or the ancestor just
    below the township): a household is the same household whether the visit was recorded
    at the village or at one of its branches or grids."""
    paths = [organization.path[:end] for end in range(4, len(organization.path) + 1, 4)]
    chain = list(Organization.objects.filter(path__in=paths).order_by("path"))
    for index, org in enumerate(chain):
        parent = chain[index - 1] if index else None
        if org.domain in VISIT_DOMAINS and (parent is None or parent.domain not in VISIT_DOMAINS):
            return chain[index + 1] if index + 1 < len(chain) else org  # the township's child
    return organization


def household_keys(organization: Organization, labels: list[str]) -> list[str]:
    village = village_of(organization)
    return [f"{village.pk}:{rules.household_key(label)}" for label in labels]


def _save_households(visit: Visit, labels: list[str]) -> None:
    visit.households.all().delete()
    keys = household_keys(visit.organization, labels)
    VisitHousehold.objects.bulk_create(
        [VisitHousehold(visit=visit, label=label, key=key) for label, key in zip(labels, keys, strict=True)]
    )


@transaction.atomic
def record_visit(
    actor,
    *,
    organization: Organization,
    date: date,
    representatives: Iterable[Representative],
    households_reached: int | None = None,
    household_list: str = "",
    station: LiaisonStation | None = None,
    kind: str = Visit.Kind.HOUSEHOLD,
    place: str = "",
    note: str = "",
    photos: Iterable = (),
    problems: Iterable[dict] = (),
) -> Visit:
    """Record a visit with its households, photos and problems (each solved on the spot,
    passed on as a request, or pending) in one transaction."""
    require_manager(actor, organization)
    values, labels, reps = _clean_visit(
        actor,
        organization=organization,
        date=date,
        representatives=representatives,
        households_reached=households_reached,
        household_list=household_list,
        station=station,
        kind=kind,
        place=place,
        note=note,
        new=True,
    )
    cleaned_problems = []
    for index, data in enumerate(problems, start=1):
        try:
            cleaned_problems.append(clean_problem(data))
        except ValidationError as exc:
            raise ValidationError({"problems": [f"第 {index} 个问题：{m}" for m in exc.messages]}) from exc
    cleaned_photos = _check_photos(photos)
    visit = Visit.objects.create(recorded_by=actor if _is_user(actor) else None, **values)
    visit.representatives.set(reps)
    _save_households(visit, labels)
    for image, thumb in cleaned_photos:
        VisitPhoto.objects.create(
            visit=visit, image=image, thumbnail=thumb, uploaded_by=actor if _is_user(actor) else None
        )
    audit.record(
        actor,
        "create",
        visit,
        changes={
            **audit.snapshot(visit, ["date", "kind", "households_reached", "place"]),
            "representatives": [r.name for r in reps],
            "problems": len(cleaned_problems),
        },
        org_path=organization.path,
    )
    for index, data in enumerate(cleaned_problems, start=1):
        try:
            _create_problem(actor, visit, data, reps)
        except ValidationError as exc:
            raise ValidationError({"problems": [f"第 {index} 个问题：{m}" for m in exc.messages]}) from exc
    return visit


def _create_problem(actor, visit: Visit, data: dict, reps: list[Representative] | None = None) -> Problem:
    outcome = data["outcome"]
    problem = Problem(visit=visit, **{k: v for k, v in data.items() if k != "outcome"})
    problem.outcome = rules.PENDING
    if outcome == rules.SOLVED:
        problem.outcome = rules.SOLVED
        problem.outcome_at = timezone.now()
        problem.outcome_by = actor if _is_user(actor) else None
    problem.save()
    audit.record(
        actor,
        "create",
        problem,
        changes=audit.snapshot(problem, ["description", "category", "outcome"]),
        org_path=visit.organization.path,
    )
    if outcome == rules.PASSED:
        _pass_on(actor, problem, reps)
    return problem


@transaction.atomic
def update_visit(
    actor,
    visit: Visit,
    *,
    organization: Organization,
    date: date,
    representatives: Iterable[Representative],
    households_reached: int | None = None,
    household_list: str = "",
    station: LiaisonStation | None = None,
    kind: str = Visit.Kind.HOUSEHOLD,
    place: str = "",
    note: str = "",
    photos: Iterable = (),
) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    require_manager(actor, visit.organization)
    require_manager(actor, organization)
    if organization.pk != visit.organization_id and visit.problems.filter(outcome=rules.PASSED).exists():
        raise ValidationError({"organization": "该走访已有问题转交为诉求，不能再改走访地"})
    values, labels, reps = _clean_visit(
        actor,
        organization=organization,
        date=date,
        representatives=representatives,
        households_reached=households_reached,
        household_list=household_list,
        station=station,
        kind=kind,
        place=place,
        note=note,
        new=False,
    )
    fields = ["organization", "date", "households_reached", "station", "kind", "place", "note"]
    before = audit.snapshot(visit, fields)
    before_reps = sorted(visit.representatives.values_list("name", flat=True))
    before_list = list(visit.households.values_list("label", flat=True))
    for name, value in values.items():
        setattr(visit, name, value)
    cleaned_photos = _check_photos(photos, visit.photos.count())
    changes = audit.diff(before, audit.snapshot(visit, fields))
    if sorted(r.name for r in reps) != before_reps:
        changes["representatives"] = [before_reps, sorted(r.name for r in reps)]
    if labels != before_list:
        changes["household_list"] = [len(before_list), len(labels)]
    visit.revision = F("revision") + 1
    visit.save()
    visit.refresh_from_db()
    visit.representatives.set(reps)
    if labels != before_list or "organization" in changes:
        _save_households(visit, labels)
    for image, thumb in cleaned_photos:
        VisitPhoto.objects.create(
            visit=visit, image=image, thumbnail=thumb, uploaded_by=actor if _is_user(actor) else None
        )
    if cleaned_photos:
        changes["photos"] = [None, f"+{len(cleaned_photos)}"]
    audit.record(actor, "update", visit, changes=changes, org_path=visit.organization.path)
    return visit


@transaction.atomic
def delete_visit(actor, visit: Visit) -> None:
    """A visit recorded by mistake can be deleted while none of its problems became a request."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    require_manager(actor, visit.organization)
    if visit.problems.filter(outcome=rules.PASSED).exists():
        raise ValidationError("该走访已有问题转交为诉求，不能删除（诉求须在诉求系统中继续办理）")
    audit.record(
        actor,
        "delete",
        visit,
        changes={**audit.snapshot(visit, ["date", "households_reached"]), "problems": visit.problems.count()},
        org_path=visit.organization.path,
    )
    visit.problems.all().delete()
    for photo in visit.photos.all():
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
    visit.delete()


@transaction.atomic
def add_problem(actor, visit: Visit, **data) -> Problem:
    require_manager(actor, visit.organization)
    cleaned = clean_problem(data)
    return _create_problem(actor, visit, cleaned)


def _claim_outcome(problem: Problem, outcome: str, **updates) -> None:
    """Change a pending problem's outcome with a conditional UPDATE: of two people acting on
    the same problem at once exactly one wins (a problem is never passed on twice)."""
    claimed = Problem.objects.filter(pk=problem.pk, outcome=rules.PENDING).update(
        outcome=outcome, revision=F("revision") + 1, updated_at=timezone.now(), **updates
    )
    if not claimed:
        current = Problem.objects.filter(pk=problem.pk).values_list("outcome", flat=True).first() or rules.PENDING
        raise ValidationError(rules.outcome_change_error(current, outcome) or "该问题刚刚已被他人处理，请刷新后再试")


@transaction.atomic
def solve_problem(actor, problem: Problem, *, solution: str) -> Problem:
    problem = Problem.objects.select_related("visit__organization").get(pk=problem.pk)
    require_manager(actor, problem.visit.organization)
    message = rules.outcome_change_error(problem.outcome, rules.SOLVED)
    if message:
        raise ValidationError(message)
    solution = _text(solution, "解决情况", rules.DESCRIPTION_MAX, "solution", required=True)
    _claim_outcome(
        problem,
        rules.SOLVED,
        solution=solution,
        outcome_at=timezone.now(),
        outcome_by=actor if _is_user(actor) else None,
    )
    problem.refresh_from_db()
    audit.record(
        actor,
        "update",
        problem,
        changes={"outcome": [rules.PENDING, rules.SOLVED]},
        org_path=problem.visit.organization.path,
    )
    return problem


@transaction.atomic
def pass_on_problem(actor, problem: Problem) -> Problem:
    """Pass a pending problem on to the request system (channel 党代表走访)."""
    problem = Problem.objects.select_for_update().select_related("visit__organization", "category").get(pk=problem.pk)
    require_manager(actor, problem.visit.organization)
    message = rules.outcome_change_error(problem.outcome, rules.PASSED)
    if message:
        raise ValidationError(message)
    _pass_on(actor, problem)
    problem.refresh_from_db()
    return problem


def _pass_on(actor, problem: Problem, reps: list[Representative] | None = None) -> None:
    visit = problem.visit
    names = [r.name for r in (reps if reps is not None else visit.representatives.all())]
    try:
        # The liaison app has checked the permission (require_manager above); the request
        # system routes the request and records the user as the one who passed it on.
        req = create_request(
            None,
            organization=visit.organization,
            category=problem.category,
            kind=problem.kind,
            description=problem.description,
            channel="liaison",
            phone=problem.phone,
            name=problem.resident_name,
            place=problem.place or visit.place,
            source_label=rules.source_label(names),
            recorded_by=actor if _is_user(actor) else None,
        )
    except ValidationError as exc:
        raise ValidationError([f"诉求系统未受理：{m}" for m in exc.messages]) from exc
    _claim_outcome(
        problem, rules.PASSED, request=req, outcome_at=timezone.now(), outcome_by=actor if _is_user(actor) else None
    )
    audit.record(
        actor,
        "update",
        problem,
        changes={"outcome": [rules.PENDING, rules.PASSED], "request": [None, req.ticket]},
        note=f"转交诉求 {req.ticket}",
        org_path=visit.organization.path,
    )
