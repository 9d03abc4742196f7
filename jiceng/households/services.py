"""Every write to household records goes through here: in a transaction, with the permission
checked (require_manager on the household's village, or the cadre's / responsibility's
organization), the change validated, ``revision`` bumped and an audit entry written.

``actor=None`` is the system itself (the demo generator, the import command): no permission check.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.phones import normalize_phone, phone_error
from jiceng.core.scoping import can_manage, in_scope, require_county_admin, require_manager
from jiceng.orgs.queries import PLACE_DOMAINS

from . import rules
from .models import (
    Cadre,
    ExitCheck,
    GuaranteeCheck,
    Household,
    HouseholdExpense,
    HouseholdMember,
    HouseholdsSettings,
    HouseholdStatusChange,
    Income,
    Measure,
    Pair,
    RelapseFlag,
    RelapseReview,
    RelapseThreshold,
    Responsibility,
    Visit,
    VisitCadence,
    VisitNote,
    VisitPhoto,
    VisitProblem,
)

HOUSEHOLD_FIELDS = [
    "village",
    "number",
    "kind",
    "head_name",
    "address",
    "phone",
    "cause",
    "other_causes",
    "identified_year",
    "note",
]
PERSON_FIELDS = ["name", "relation", "health", "schooling", "work", "work_place"]
MEASURE_FIELDS = ["category", "content", "owner", "starts_on", "ends_on", "money", "state", "outcome"]
CADRE_FIELDS = ["organization", "name", "unit", "post", "phone", "member", "is_active"]
RESPONSIBILITY_FIELDS = ["kind", "organization", "person", "unit", "starts_on", "ends_on"]
STATUS_LABELS = dict(Household.Status.choices)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def village_error(village) -> str | None:
    """Households live in a village or an urban community (or a branch or grid below one)."""
    if village is None:
        return "请选择所在村（社区）"
    parent = village.parent if village.parent_id else None
    if village.domain not in PLACE_DOMAINS or parent is None or parent.domain not in PLACE_DOMAINS:
        return f"{village.name}不是村或社区党组织：帮扶户登记在所在的村（社区）"
    return None


def _check_household(household: Household) -> None:
    errors = {}
    if error := village_error(household.village):
        errors["village"] = error
    if error := phone_error(household.phone):
        errors["phone"] = error
    household.phone = normalize_phone(household.phone)
    household.number = (household.number or "").strip()
    if not household.number:
        errors["number"] = "请填写户编号"
    elif Household.objects.filter(number=household.number).exclude(pk=household.pk).exists():
        errors["number"] = f"户编号 {household.number} 已登记"
    bad = [c for c in household.other_causes or [] if c not in Household.Cause.values]
    if bad:
        errors["other_causes"] = "未知的致贫原因：" + "、".join(bad)
    if errors:
        raise ValidationError(errors)


def initial_status(kind: str) -> str:
    return Household.Status.MONITORED if kind == Household.Kind.MONITORED else Household.Status.POOR


@transaction.atomic
def create_household(actor, *, status: str | None = None, on: date | None = None, **fields) -> Household:
    require_manager(actor, fields.get("village"))
    household = Household(**{k: v for k, v in fields.items() if k in HOUSEHOLD_FIELDS})
    household.status = status or initial_status(household.kind)
    _check_household(household)
    household.save()
    HouseholdStatusChange.objects.create(
        household=household,
        from_status="",
        to_status=household.status,
        on=on or timezone.localdate(),
        reason="建档",
        recorded_by=_user(actor),
    )
    audit.record(
        actor,
        "create",
        household,
        changes=audit.snapshot(household, HOUSEHOLD_FIELDS + ["status"]),
        org_path=household.village.path,
    )
    return household


@transaction.atomic
def update_household(actor, household: Household, **fields) -> Household:
    require_manager(actor, household.village)
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    before = audit.snapshot(household, HOUSEHOLD_FIELDS)
    for name, value in fields.items():
        if name not in HOUSEHOLD_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(household, name, value)
    require_manager(actor, household.village)  # a move must stay within the actor's scope
    _check_household(household)
    changes = audit.diff(before, audit.snapshot(household, HOUSEHOLD_FIELDS))
    if changes:
        household.revision = F("revision") + 1
        household.save()
        household.refresh_from_db()
        audit.record(actor, "update", household, changes=changes, org_path=household.village.path)
    return household


@transaction.atomic
def change_status(actor, household: Household, *, to_status: str, on: date, reason: str = "") -> Household:
    """Change a household's status, with its history row in the same transaction."""
    require_manager(actor, household.village)
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    if to_status not in STATUS_LABELS:
        raise ValidationError({"to_status": "请选择新状态"})
    if error := rules.transition_error(household.status, to_status, STATUS_LABELS):
        raise ValidationError({"to_status": error})
    if on > timezone.localdate():
        raise ValidationError({"on": "变更日期不能晚于今天"})
    last = household.status_changes.order_by("-on", "-id").values_list("on", flat=True).first()
    if last and on < last:
        raise ValidationError({"on": f"变更日期不能早于上一次状态变更（{last:%Y-%m-%d}）"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写变更原因（如：经核查收入稳定超过监测线）"})
    from_status = household.status
    household.status = to_status
    household.revision = F("revision") + 1
    household.save()
    household.refresh_from_db()
    HouseholdStatusChange.objects.create(
        household=household,
        from_status=from_status,
        to_status=to_status,
        on=on,
        reason=reason.strip()[:200],
        recorded_by=_user(actor),
    )
    audit.record(
        actor,
        "update",
        household,
        changes={"status": [from_status, to_status]},
        note=reason[:255],
        org_path=household.village.path,
    )
    return household


def _bump(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(revision=F("revision") + 1)


# ---- people ---------------------------------------------------------------------------------------


def apply_id_number(person: HouseholdMember, raw: str, today: date | None = None) -> None:
    """As for party members (jiceng.members.services.apply_id_number): validated (GB 11643),
    stored encrypted with its keyed digest and masked form; birth date and gender from it."""
    try:
        info = idnumbers.parse(raw, today=today)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    person.id_number_encrypted = idnumbers.encrypt(info.number)
    person.id_number_digest = idnumbers.digest(info.number)
    person.id_number_masked = idnumbers.mask(info.number)
    person.birth_date = info.birth_date
    person.gender = info.gender


def _check_person(actor, person: HouseholdMember) -> None:
    errors = {}
    if not (person.name or "").strip():
        errors["name"] = "请填写姓名"
    duplicate = (
        HouseholdMember.objects.filter(id_number_digest=person.id_number_digest)
        .exclude(pk=person.pk)
        .select_related("household")
        .first()
    )
    if duplicate is not None:
        # Which household only to someone who may see it: an outsider learns no more than the
        # importer tells (a township must not find out who is registered in another).
        if actor is None or in_scope(actor, duplicate.household):
            errors["id_number"] = f"该公民身份号码已登记在户编号 {duplicate.household.number} 中"
        else:
            errors["id_number"] = "该公民身份号码已登记在其他帮扶户中"
    if person.relation == HouseholdMember.Relation.HEAD:
        heads = HouseholdMember.objects.filter(household_id=person.household_id, relation="head").exclude(pk=person.pk)
        if heads.exists():
            errors["relation"] = "该户已登记户主，一户只有一名户主"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_person(actor, household: Household, *, id_number: str, **fields) -> HouseholdMember:
    require_manager(actor, household.village)
    person = HouseholdMember(household=household, **{k: v for k, v in fields.items() if k in PERSON_FIELDS})
    apply_id_number(person, id_number)
    _check_person(actor, person)
    person.save()
    _bump(household)
    audit.record(
        actor,
        "create",
        person,
        changes=audit.snapshot(person, PERSON_FIELDS + ["id_number_masked"]),
        org_path=household.village.path,
    )
    return person


@transaction.atomic
def update_person(actor, person: HouseholdMember, *, id_number: str | None = None, **fields) -> HouseholdMember:
    household = person.household
    require_manager(actor, household.village)
    person = HouseholdMember.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(person, PERSON_FIELDS + ["id_number_masked"])
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(person, name, value)
    if id_number:
        apply_id_number(person, id_number)
    _check_person(actor, person)
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS + ["id_number_masked"]))
    if changes:
        person.revision = F("revision") + 1
        person.save()
        person.refresh_from_db()
        _bump(household)
        audit.record(actor, "update", person, changes=changes, org_path=household.village.path)
    return person


@transaction.atomic
def remove_person(actor, person: HouseholdMember, *, reason: str = "") -> None:
    """A person leaves the household (moved out, married out, deceased): the row goes, the audit
    entry keeps who it was (masked ID number)."""
    household = person.household
    require_manager(actor, household.village)
    snapshot = audit.snapshot(person, ["name", "relation", "id_number_masked"])
    audit.record(actor, "delete", person, changes=snapshot, note=reason[:255], org_path=household.village.path)
    person.delete()
    _bump(household)


def can_reveal(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) in settings.FULL_ID_ROLES)


def reveal_id_number(actor, person: HouseholdMember) -> str:
    """The full ID number, for the roles of settings.FULL_ID_ROLES only; every reveal is audited
    (as for party members)."""
    if not can_reveal(actor):
        raise PermissionDenied("当前角色无权查看完整公民身份号码")
    if not in_scope(actor, person):
        raise PermissionDenied("该家庭成员不在您的管理范围内")
    audit.record(
        actor,
        "view_full_id",
        person,
        note="查看完整公民身份号码（帮扶户家庭成员）",
        org_path=person.household.village.path,
    )
    return idnumbers.decrypt(person.id_number_encrypted)


# ---- income and checks ----------------------------------------------------------------------------


@transaction.atomic
def set_income(actor, household: Household, *, year: int, amounts: dict[str, Decimal]) -> list[Income]:
    """The household's income of ``year`` by source (yuan): each given source replaces that year's
    figure; a source left out keeps its figure."""
    require_manager(actor, household.village)
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise ValidationError({"year": f"年度应在 2000 年至 {today.year} 年之间"})
    unknown = set(amounts) - set(Income.Source.values)
    if unknown:
        raise ValueError(f"未知的收入来源：{unknown}")
    errors = {source: "金额不能为负数" for source, amount in amounts.items() if amount is not None and amount < 0}
    if errors:
        raise ValidationError(errors)
    before = {
        i.source: str(i.amount) for i in Income.objects.filter(household=household, year=year).select_for_update()
    }
    saved = []
    for source, amount in amounts.items():
        if amount is None:
            continue
        income, _ = Income.objects.update_or_create(
            household=household, year=year, source=source, defaults={"amount": amount}
        )
        saved.append(income)
    after = {i.source: str(i.amount) for i in saved}
    changes = {source: [before.get(source), value] for source, value in after.items() if before.get(source) != value}
    if changes:
        _bump(household)
        audit.record(
            actor, "update", household, changes=changes, note=f"{year}年家庭收入", org_path=household.village.path
        )
        scan_household(household)
    return saved


@transaction.atomic
def record_check(
    actor, household: Household, *, item: str, checked_on: date, met: bool, checked_by: str, note: str = ""
) -> GuaranteeCheck:
    """One check of 两不愁三保障 or drinking water; a failed check needs the reason."""
    require_manager(actor, household.village)
    errors = {}
    if item not in GuaranteeCheck.Item.values:
        errors["item"] = "请选择核查项目"
    if checked_on > timezone.localdate():
        errors["checked_on"] = "核查日期不能晚于今天"
    if not (checked_by or "").strip():
        errors["checked_by"] = "请填写核查人"
    if not met and not (note or "").strip():
        errors["note"] = "未达标的，请说明情况"
    if errors:
        raise ValidationError(errors)
    check = GuaranteeCheck.objects.create(
        household=household,
        item=item,
        checked_on=checked_on,
        met=met,
        checked_by=checked_by.strip()[:50],
        note=(note or "").strip()[:200],
        recorded_by=_user(actor),
    )
    _bump(household)
    audit.record(
        actor,
        "create",
        check,
        changes={"item": item, "checked_on": checked_on, "met": met, "checked_by": check.checked_by},
        org_path=household.village.path,
    )
    if not met:
        scan_household(household)
    return check


# ---- help plan (一户一策) ---------------------------------------------------------------------------


@transaction.atomic
def save_measure(actor, household: Household, measure: Measure | None = None, **fields) -> Measure:
    require_manager(actor, household.village)
    if measure is not None:
        measure = Measure.objects.select_for_update().get(pk=measure.pk, household=household)
        before = audit.snapshot(measure, MEASURE_FIELDS)
    else:
        measure, before = Measure(household=household), None
    for name, value in fields.items():
        if name not in MEASURE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(measure, name, value)
    if errors := rules.measure_errors(measure.starts_on, measure.ends_on, measure.money):
        raise ValidationError(errors)
    if measure.state == Measure.State.DONE and not (measure.outcome or "").strip():
        raise ValidationError({"outcome": "已完成的措施请填写成效"})
    if before is None:
        measure.save()
        audit.record(
            actor, "create", measure, changes=audit.snapshot(measure, MEASURE_FIELDS), org_path=household.village.path
        )
    else:
        changes = audit.diff(before, audit.snapshot(measure, MEASURE_FIELDS))
        if not changes:
            return measure
        measure.revision = F("revision") + 1
        measure.save()
        measure.refresh_from_db()
        audit.record(actor, "update", measure, changes=changes, org_path=household.village.path)
    _bump(household)
    return measure


@transaction.atomic
def delete_measure(actor, measure: Measure) -> None:
    household = measure.household
    require_manager(actor, household.village)
    audit.record(
        actor, "delete", measure, changes=audit.snapshot(measure, MEASURE_FIELDS), org_path=household.village.path
    )
    measure.delete()
    _bump(household)


# ---- cadres and pairs (结对帮扶) ----------------------------------------------------------------------


@transaction.atomic
def open_cadre_account(actor, cadre: Cadre, *, username: str, password: str):
    """A login for a cadre who is not a party member (群众账号, ADR 0033): it reaches 我的帮扶户 —
    the households paired with the cadre now — and nothing through the scope. A member cadre logs
    in with their member account instead."""
    from jiceng.accounts.services import create_resident_account

    require_manager(actor, cadre.organization)
    cadre = Cadre.objects.select_for_update().select_related("organization").get(pk=cadre.pk)
    if cadre.member_id:
        raise ValidationError("该干部是党员，请使用本人的党员账号登录（我的帮扶户按党员档案关联）")
    if cadre.user_id:
        raise ValidationError(f"该干部已开通登录账号：{cadre.user.get_username()}")
    if not cadre.is_active:
        raise ValidationError("该干部已不在岗，不能开通账号")
    user = create_resident_account(
        actor, cadre.organization, username=username, display_name=cadre.name, password=password
    )
    cadre.user = user
    cadre.revision = F("revision") + 1
    cadre.save(update_fields=["user", "revision", "updated_at"])
    audit.record(
        actor, "update", cadre, note=f"开通帮扶干部登录账号：{user.get_username()}", org_path=cadre.organization.path
    )
    return user


@transaction.atomic
def save_cadre(actor, cadre: Cadre | None = None, **fields) -> Cadre:
    require_manager(actor, fields.get("organization") or (cadre.organization if cadre else None))
    if cadre is not None:
        require_manager(actor, cadre.organization)
        cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
        before = audit.snapshot(cadre, CADRE_FIELDS)
    else:
        cadre, before = Cadre(), None
    for name, value in fields.items():
        if name not in CADRE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(cadre, name, value)
    errors = {}
    if error := phone_error(cadre.phone):
        errors["phone"] = error
    if not (cadre.name or "").strip():
        errors["name"] = "请填写姓名"
    if not (cadre.unit or "").strip():
        errors["unit"] = "请填写工作单位"
    if errors:
        raise ValidationError(errors)
    cadre.phone = normalize_phone(cadre.phone)
    path = cadre.organization.path
    if before is None:
        cadre.save()
        audit.record(actor, "create", cadre, changes=audit.snapshot(cadre, CADRE_FIELDS), org_path=path)
        return cadre
    changes = audit.diff(before, audit.snapshot(cadre, CADRE_FIELDS))
    if changes:
        cadre.revision = F("revision") + 1
        cadre.save()
        cadre.refresh_from_db()
        audit.record(actor, "update", cadre, changes=changes, org_path=path)
    return cadre


def _check_cadre(actor, cadre: Cadre) -> None:
    """A user names only the cadres of their scope, or those paired now with a household of it."""
    from .queries import selectable_cadres

    if actor is not None and not selectable_cadres(actor).filter(pk=cadre.pk).exists():
        raise ValidationError({"cadre": "该帮扶干部不在您的管理范围内"})


def open_pairs_of(cadre: Cadre) -> int:
    return Pair.objects.filter(cadre=cadre, ends_on__isnull=True).count()


@transaction.atomic
def pair(actor, household: Household, *, cadre: Cadre, starts_on: date, reason: str = "") -> Pair:
    """Pair ``cadre`` with ``household`` from ``starts_on``. The household's open pair, if any,
    ends that day (the history keeps it); the cadre's open pairs must stay within the cap."""
    require_manager(actor, household.village)
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    _check_cadre(actor, cadre)
    # The cadre row is locked: two pairs made at once for one cadre cannot both pass the cap.
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if not cadre.is_active:
        raise ValidationError({"cadre": f"{cadre.name}已不在岗，不能结对"})
    current = Pair.objects.filter(household=household, ends_on__isnull=True).first()
    if current is not None and current.cadre_id == cadre.pk:
        raise ValidationError({"cadre": f"{cadre.name}已与该户结对"})
    previous_start = (
        Pair.objects.filter(household=household).order_by("-starts_on").values_list("starts_on", flat=True).first()
    )
    if error := rules.pair_dates_error(starts_on, timezone.localdate(), previous_start):
        raise ValidationError({"starts_on": error})
    cap = HouseholdsSettings.current().pairs_per_cadre
    if error := rules.cap_error(open_pairs_of(cadre), cap, cadre.name):
        raise ValidationError({"cadre": error})
    if current is not None:
        current.ends_on = starts_on
        current.end_reason = (reason or "更换帮扶干部")[:200]
        current.revision = F("revision") + 1
        current.save()
        audit.record(
            actor,
            "update",
            current,
            changes={"ends_on": [None, starts_on]},
            note=current.end_reason,
            org_path=household.village.path,
        )
    new = Pair.objects.create(cadre=cadre, household=household, starts_on=starts_on)
    _bump(household)
    audit.record(
        actor,
        "create",
        new,
        changes={"cadre": cadre.pk, "household": household.pk, "starts_on": starts_on},
        note=reason[:255],
        org_path=household.village.path,
    )
    return new


@transaction.atomic
def end_pair(actor, pair_: Pair, *, ends_on: date, reason: str) -> Pair:
    household = pair_.household
    require_manager(actor, household.village)
    pair_ = Pair.objects.select_for_update().get(pk=pair_.pk)
    if pair_.ends_on is not None:
        raise ValidationError(f"该结对已于 {pair_.ends_on:%Y-%m-%d} 结束")
    if ends_on < pair_.starts_on or ends_on > timezone.localdate():
        raise ValidationError({"ends_on": "结束日期应在结对日期和今天之间"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写结束原因（如：干部调离、该户风险已消除）"})
    pair_.ends_on, pair_.end_reason = ends_on, reason.strip()[:200]
    pair_.revision = F("revision") + 1
    pair_.save()
    pair_.refresh_from_db()
    _bump(household)
    audit.record(
        actor,
        "update",
        pair_,
        changes={"ends_on": [None, ends_on]},
        note=pair_.end_reason,
        org_path=household.village.path,
    )
    return pair_


# ---- visit logs (帮扶日志) ----------------------------------------------------------------------------

VISIT_FIELDS = ["cadre", "visited_at", "content", "location"]
MAX_PHOTOS = 6


def _check_visit(visit: Visit, now) -> None:
    errors = {}
    if visit.cadre_id is None:
        errors["cadre"] = "请选择走访干部"
    if visit.visited_at is None:
        errors["visited_at"] = "请填写走访时间"
    elif visit.visited_at > now:
        errors["visited_at"] = "走访时间不能晚于现在"
    if not (visit.content or "").strip():
        errors["content"] = "请填写帮扶内容"
    if errors:
        raise ValidationError(errors)


def pair_on(household: Household, cadre: Cadre, day: date) -> Pair | None:
    """The cadre's pair with the household open on ``day``, if any."""
    return (
        Pair.objects.filter(household=household, cadre=cadre, starts_on__lte=day)
        .exclude(ends_on__lt=day)
        .order_by("-starts_on")
        .first()
    )


def visiting_cadre(actor, household: Household) -> Cadre | None:
    """Who may record a visit to ``household``: the managers of its village (any cadre of their
    choice; None is returned), or a cadre with an account (their member account, or a resident's
    account linked to the cadre, ADR 0033) for a household paired with them
    now, who records their own visits only (the cadre is returned). Anyone else: PermissionDenied.
    ADR 0027: the cadre's reach is the open pairs, not the village's scope."""
    from .queries import own_cadre_for

    if can_manage(actor, household.village):
        return None
    own = own_cadre_for(actor, household)
    if own is None:
        require_manager(actor, household.village)  # the manager's message, for anyone else
        raise PermissionDenied("只能为本人结对的帮扶户登记走访")
    return own


def _require_visit_access(actor, visit: Visit) -> Cadre | None:
    """A visit is changed or annotated by the village's managers, or by the cadre who made it
    while the household is paired with them."""
    own = visiting_cadre(actor, visit.household)
    if own is not None and visit.cadre_id != own.pk:
        raise PermissionDenied("只能修改本人的走访记录")
    return own


@transaction.atomic
def record_visit(actor, household: Household, *, photos=(), problems: str | list = "", **fields) -> Visit:
    """Record a visit (from a phone: photos optional, location never required). A visit recorded
    more than ``visit_late_days`` days after it took place is marked late. ``problems``: the
    problems the household raised, one a line (or a list). A cadre recording their own visit
    (``visiting_cadre``) is the visit's cadre, whatever ``cadre`` says."""
    own = visiting_cadre(actor, household)
    if own is not None:
        if fields.get("cadre") is not None and fields["cadre"].pk != own.pk:
            raise ValidationError({"cadre": "只能以本人身份登记走访"})
        fields["cadre"] = own
    config = HouseholdsSettings.current()
    now = timezone.now()
    visit = Visit(household=household, recorded_by=_user(actor))
    for name, value in fields.items():
        if name not in VISIT_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(visit, name, value)
    _check_visit(visit, now)
    if own is None:
        _check_cadre(actor, visit.cadre)
    visit.pair = pair_on(household, visit.cadre, timezone.localtime(visit.visited_at).date())
    visit.late = rules.visit_is_late(visit.visited_at, now, config.visit_late_days)
    visit.save()
    lines = problems.splitlines() if isinstance(problems, str) else list(problems)
    raised = [VisitProblem(visit=visit, description=line.strip()[:500]) for line in lines if line.strip()]
    VisitProblem.objects.bulk_create(raised)
    VisitPhoto.save_uploads(photos, max_photos=MAX_PHOTOS, uploaded_by=_user(actor), visit=visit)
    audit.record(
        actor,
        "create",
        visit,
        changes={**audit.snapshot(visit, VISIT_FIELDS), "late": visit.late, "problems": len(raised)},
        org_path=household.village.path,
    )
    return visit


def editable(visit: Visit, now=None, config=None) -> bool:
    config = config or HouseholdsSettings.current()
    return not rules.visit_locked(visit.created_at, now or timezone.now(), config.visit_edit_days)


@transaction.atomic
def update_visit(actor, visit: Visit, *, photos=(), **fields) -> Visit:
    household = visit.household
    own = _require_visit_access(actor, visit)
    if own is not None and fields.get("cadre") is not None and fields["cadre"].pk != own.pk:
        raise ValidationError({"cadre": "只能以本人身份登记走访"})
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    config = HouseholdsSettings.current()
    now = timezone.now()
    if rules.visit_locked(visit.created_at, now, config.visit_edit_days):
        raise ValidationError(f"走访记录登记已超过 {config.visit_edit_days} 天，不能修改，只能补充说明")
    before = audit.snapshot(visit, VISIT_FIELDS)
    for name, value in fields.items():
        if name not in VISIT_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(visit, name, value)
    _check_visit(visit, now)
    if "cadre" in fields and own is None:
        _check_cadre(actor, visit.cadre)
    visit.pair = pair_on(household, visit.cadre, timezone.localtime(visit.visited_at).date())
    visit.late = rules.visit_is_late(visit.visited_at, visit.created_at, config.visit_late_days)
    VisitPhoto.save_uploads(
        photos, max_photos=MAX_PHOTOS, already=visit.photos.count(), uploaded_by=_user(actor), visit=visit
    )
    changes = audit.diff(before, audit.snapshot(visit, VISIT_FIELDS))
    if changes or photos:
        visit.revision = F("revision") + 1
        visit.save()
        visit.refresh_from_db()
        audit.record(actor, "update", visit, changes=changes, org_path=household.village.path)
    return visit


@transaction.atomic
def pass_on_problem(actor, problem: VisitProblem, *, category, kind: str = "help"):
    """Pass a problem raised on a visit on to the request system (channel 帮扶走访), as one action:
    the request is routed and timed there, and the problem follows it."""
    from jiceng.requests.services import create_request

    problem = (
        VisitProblem.objects.select_for_update()
        .select_related("visit__household__village", "visit__cadre")
        .get(pk=problem.pk)
    )
    household = problem.visit.household
    require_manager(actor, household.village)
    if problem.request_id:
        raise ValidationError("该问题已转为群众诉求")
    try:
        # The permission is checked above; the request system records the user who passed it on.
        req = create_request(
            None,
            organization=household.village,
            category=category,
            kind=kind,
            description=problem.description,
            channel="household_visit",
            phone=household.phone,
            name=household.head_name,
            place=household.address,
            source_label=f"帮扶干部{problem.visit.cadre.name}走访",
            recorded_by=_user(actor),
        )
    except ValidationError as exc:
        raise ValidationError([f"诉求系统未受理：{m}" for m in exc.messages]) from exc
    problem.request, problem.passed_at, problem.passed_by = req, timezone.now(), _user(actor)
    problem.revision = F("revision") + 1
    problem.save()
    problem.refresh_from_db()
    audit.record(
        actor,
        "update",
        problem,
        changes={"request": [None, req.ticket]},
        note=f"转为群众诉求 {req.ticket}",
        org_path=household.village.path,
    )
    return problem


@transaction.atomic
def annotate_visit(actor, visit: Visit, *, text: str) -> VisitNote:
    """A note on a visit, allowed at any time (the only change once the visit is locked)."""
    _require_visit_access(actor, visit)
    if not (text or "").strip():
        raise ValidationError({"text": "请填写补充说明"})
    note = VisitNote.objects.create(visit=visit, text=text.strip()[:500], written_by=_user(actor))
    audit.record(actor, "create", note, changes={"text": note.text}, org_path=visit.household.village.path)
    return note


# ---- responsibility chain (包联) --------------------------------------------------------------------


@transaction.atomic
def save_responsibility(actor, responsibility: Responsibility | None = None, **fields) -> Responsibility:
    if responsibility is not None:
        require_manager(actor, responsibility.organization)
        responsibility = Responsibility.objects.select_for_update().get(pk=responsibility.pk)
        before = audit.snapshot(responsibility, RESPONSIBILITY_FIELDS)
    else:
        responsibility, before = Responsibility(), None
    for name, value in fields.items():
        if name not in RESPONSIBILITY_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(responsibility, name, value)
    org = responsibility.organization
    require_manager(actor, org)
    errors = {}
    village = village_error(org) is None
    if responsibility.kind == Responsibility.Kind.LEADER_TOWNSHIP and (org.parent_id is None or village):
        errors["organization"] = "县级领导包联的是乡镇（街道）党委"
    if responsibility.kind == Responsibility.Kind.DEPARTMENT_VILLAGE and not village:
        errors["organization"] = "部门包联的是村（社区）"
    if responsibility.ends_on and responsibility.ends_on < responsibility.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    if errors:
        raise ValidationError(errors)
    if before is None:
        responsibility.save()
        audit.record(
            actor,
            "create",
            responsibility,
            changes=audit.snapshot(responsibility, RESPONSIBILITY_FIELDS),
            org_path=org.path,
        )
        return responsibility
    changes = audit.diff(before, audit.snapshot(responsibility, RESPONSIBILITY_FIELDS))
    if changes:
        responsibility.revision = F("revision") + 1
        responsibility.save()
        responsibility.refresh_from_db()
        audit.record(actor, "update", responsibility, changes=changes, org_path=org.path)
    return responsibility


# ---- settings ---------------------------------------------------------------------------------------


@transaction.atomic
def update_settings(actor, **values) -> HouseholdsSettings:
    """County admins set the cap of households per cadre and the monitoring income line [C]."""
    require_county_admin(actor)
    config = HouseholdsSettings.for_update()
    before = audit.snapshot(config, HouseholdsSettings.SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in HouseholdsSettings.SETTINGS_FIELDS:
            raise ValueError(f"不可修改的配置：{name}")
        setattr(config, name, value)
    if config.pairs_per_cadre < 1:
        raise ValidationError({"pairs_per_cadre": "上限至少为 1 户"})
    config.save()
    changes = audit.diff(before, audit.snapshot(config, HouseholdsSettings.SETTINGS_FIELDS))
    if changes:
        root_path = actor.organization.path if getattr(actor, "organization", None) else ""
        audit.record(actor, "update", config, changes=changes, org_path=root_path, note="帮扶工作设置")
    return config


# ---- relapse watch (返贫监测) ---------------------------------------------------------------------------

THRESHOLD_FIELDS = ["kind", "name", "amount", "share", "lookback_days", "effective_from", "active", "note"]


def _save_county_row(actor, model, row, allowed: list[str], fields: dict, check, note: str = ""):
    """A county-configuration row (a relapse threshold, a cadence rule) added or changed by a county
    admin: only ``allowed`` fields, ``check(row)`` returns the errors (and may clear fields that do
    not apply), ``revision`` bumped and the change audited."""
    require_county_admin(actor)
    if row is not None:
        row = model.objects.select_for_update().get(pk=row.pk)
        before = audit.snapshot(row, allowed)
    else:
        row, before = model(), None
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(row, name, value)
    if errors := check(row):
        raise ValidationError(errors)
    root_path = actor.organization.path if getattr(actor, "organization", None) else ""
    if before is None:
        row.save()
        audit.record(actor, "create", row, changes=audit.snapshot(row, allowed), org_path=root_path, note=note)
        return row
    changes = audit.diff(before, audit.snapshot(row, allowed))
    if changes:
        row.revision = F("revision") + 1
        row.save()
        row.refresh_from_db()
        audit.record(actor, "update", row, changes=changes, org_path=root_path, note=note)
    return row


def _threshold_errors(threshold: RelapseThreshold) -> dict:
    errors = {}
    if not (threshold.name or "").strip():
        errors["name"] = "请填写名称"
    if threshold.kind == RelapseThreshold.Kind.EXPENSE:
        if threshold.amount is None and threshold.share is None:
            errors["amount"] = "大额支出标准请填写金额或占上年收入的比例（至少一项）"
        if threshold.amount is not None and threshold.amount <= 0:
            errors["amount"] = "金额应大于 0"
        if threshold.share is not None and not 0 < threshold.share <= 1000:
            errors["share"] = "比例应大于 0"
    elif threshold.amount is not None or threshold.share is not None:
        errors["amount"] = "只有大额支出标准填写金额和比例；收入标准用帮扶工作设置中的监测线"
    return errors


@transaction.atomic
def save_threshold(actor, threshold: RelapseThreshold | None = None, **fields) -> RelapseThreshold:
    """County admins keep the thresholds of the relapse watch [C]."""
    return _save_county_row(actor, RelapseThreshold, threshold, THRESHOLD_FIELDS, fields, _threshold_errors)


@transaction.atomic
def record_expense(
    actor, household: Household, *, kind: str, on: date, amount: Decimal, note: str = ""
) -> HouseholdExpense:
    """A sudden expense of a household (illness, disaster, accident); the watch looks at it at once."""
    require_manager(actor, household.village)
    errors = {}
    if kind not in HouseholdExpense.Kind.values:
        errors["kind"] = "请选择支出类别"
    if on is None or on > timezone.localdate():
        errors["on"] = "发生日期不能晚于今天"
    if amount is None or amount <= 0:
        errors["amount"] = "金额应大于 0"
    if errors:
        raise ValidationError(errors)
    expense = HouseholdExpense.objects.create(
        household=household, kind=kind, on=on, amount=amount, note=(note or "").strip()[:300], recorded_by=_user(actor)
    )
    _bump(household)
    audit.record(
        actor,
        "create",
        expense,
        changes={"kind": kind, "on": on, "amount": str(amount)},
        org_path=household.village.path,
    )
    scan_household(household)
    return expense


def active_thresholds(today: date) -> list[rules.Threshold]:
    return [
        rules.Threshold(t.pk, t.kind, t.effective_from, t.amount, t.share, t.lookback_days)
        for t in RelapseThreshold.objects.filter(active=True, effective_from__lte=today)
    ]


def crossings_of(households, thresholds, today: date, line: Decimal) -> dict[int, list[rules.Crossing]]:
    """Household id → its crossings; a fixed number of queries for any number of households."""
    ids = [h.pk for h in households]
    persons = dict(
        HouseholdMember.objects.filter(household_id__in=ids)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values_list("household", "n")
    )
    incomes: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for hid, year, amount in Income.objects.filter(household_id__in=ids).values_list("household", "year", "amount"):
        incomes[hid][year] += amount
    kinds = dict(HouseholdExpense.Kind.choices)
    expenses: dict[int, list[rules.Expense]] = defaultdict(list)
    lookback = today - timedelta(days=max((t.lookback_days for t in thresholds), default=0))
    for e in HouseholdExpense.objects.filter(household_id__in=ids, on__gte=lookback, on__lte=today):
        expenses[e.household_id].append(rules.Expense(e.pk, e.on, e.amount, kinds[e.kind]))
    labels = dict(GuaranteeCheck.Item.choices)
    latest: dict[int, dict[str, rules.Check]] = defaultdict(dict)
    for c in GuaranteeCheck.objects.filter(household_id__in=ids).order_by("household", "item", "-checked_on", "-id"):
        latest[c.household_id].setdefault(
            c.item, rules.Check(c.pk, c.item, labels[c.item], c.checked_on, c.met, c.note)
        )
    return {
        h.pk: rules.crossings(
            thresholds=thresholds,
            today=today,
            line=line,
            persons=persons.get(h.pk, 0),
            income_by_year=dict(incomes.get(h.pk, {})),
            expenses=expenses.get(h.pk, []),
            latest_checks=latest.get(h.pk, {}).values(),
        )
        for h in households
    }


def _open_flags(households, crossings: dict[int, list[rules.Crossing]], now) -> list[RelapseFlag]:
    wanted = [(h, c) for h in households for c in crossings.get(h.pk, [])]
    if not wanted:
        return []
    known = set(
        RelapseFlag.objects.filter(household_id__in=[h.pk for h, _ in wanted]).values_list("household_id", "key")
    )
    made = []
    for household, c in wanted:
        if (household.pk, c.key) in known:
            continue
        # A concurrent scan may have opened it: the unique (household, key) decides, once.
        flag, created = RelapseFlag.objects.get_or_create(
            household=household,
            key=c.key,
            defaults={
                "kind": c.kind,
                "threshold_id": c.threshold_id,
                "reason": c.reason[:300],
                "opened_at": now,
                "income_year": c.income_year,
                "expense_id": c.expense_id,
                "guarantee_check_id": c.check_id,
            },
        )
        if created:
            made.append(flag)
            audit.record(
                None,
                "create",
                flag,
                changes={"kind": c.kind, "reason": flag.reason},
                note="返贫风险预警",
                org_path=household.village.path,
            )
            notify_flag(flag)
    return made


def notify_flag(flag: RelapseFlag) -> int:
    """The village's managers and the household's current cadre (if the cadre has an account)
    hear of a new flag, once (the notice key names the flag)."""
    from django.urls import reverse

    from jiceng.accounts.models import User
    from jiceng.core.notifications import notify, notify_organization

    household = flag.household
    title = f"返贫风险预警：{household}"
    url = reverse("households:flag", args=[flag.pk])
    key = f"households:flag:{flag.pk}"
    sent = notify_organization(household.village, kind="relapse_flag", title=title, key=key, body=flag.reason, url=url)
    pair_ = Pair.objects.filter(household=household, ends_on__isnull=True).select_related("cadre").first()
    if pair_ is not None and (pair_.cadre.user_id or pair_.cadre.member_id):
        cadre = pair_.cadre
        user = (
            User.objects.filter(pk=cadre.user_id, is_active=True).first()
            if cadre.user_id
            else User.objects.filter(member_id=cadre.member_id, is_active=True).first()
        )
        if user is not None:
            _, new = notify(
                user,
                kind="relapse_flag",
                title=title,
                key=key,
                body=flag.reason,
                url=url,
                org_path=household.village.path,
            )
            sent += new
    return sent


def scan_household(household: Household, now=None) -> list[RelapseFlag]:
    """The watch on one household, after a write that may trigger it (income saved, expense
    recorded, check failed). Idempotent."""
    now = now or timezone.now()
    household = Household.objects.select_related("village").get(pk=household.pk)
    if household.status not in rules.WATCHED_STATUSES:
        return []
    today = timezone.localtime(now).date()
    thresholds = active_thresholds(today)
    line = HouseholdsSettings.current().income_line
    return _open_flags([household], crossings_of([household], thresholds, today, line), now)


SCAN_CHUNK = 1000


def scan(now=None) -> list[RelapseFlag]:
    """The daily watch on every watched household (out of poverty, or risk removed): opens a flag
    for each record crossing a threshold that has none yet. Idempotent: a second scan opens
    nothing, whatever the state of the flags it opened (a new year's income, a new expense or a
    new failed check is a new record, and a new flag)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    thresholds = active_thresholds(today)
    if not thresholds:
        return []
    line = HouseholdsSettings.current().income_line
    watched = Household.objects.filter(status__in=rules.WATCHED_STATUSES)
    ids = list(watched.order_by("pk").values_list("pk", flat=True))
    made: list[RelapseFlag] = []
    for start in range(0, len(ids), SCAN_CHUNK):
        chunk = list(watched.filter(pk__in=ids[start : start + SCAN_CHUNK]).select_related("village").order_by("pk"))
        made += _open_flags(chunk, crossings_of(chunk, thresholds, today, line), now)
    return made


@transaction.atomic
def review_flag(actor, flag: RelapseFlag, *, outcome: str, note: str, on: date | None = None) -> RelapseReview:
    """The village records the outcome of its review: 纳入监测 (the household's status becomes
    监测帮扶中 through change_status, in the same transaction), 排除风险 (the flag is closed) or
    继续观察 (the flag stays open, 继续观察)."""
    household = flag.household
    require_manager(actor, household.village)
    flag = RelapseFlag.objects.select_for_update().get(pk=flag.pk)
    on = on or timezone.localdate()
    errors = {}
    if flag.state == RelapseFlag.State.CLOSED:
        raise ValidationError(f"该预警已于 {timezone.localtime(flag.closed_at):%Y-%m-%d} 处理完毕")
    if outcome not in RelapseReview.Outcome.values:
        errors["outcome"] = "请选择核实结果"
    if not (note or "").strip():
        errors["note"] = "请填写核实情况（入户核实了什么）"
    if on > timezone.localdate():
        errors["on"] = "核实日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    if outcome == RelapseReview.Outcome.MONITOR:
        change_status(
            actor, household, to_status=Household.Status.MONITORED, on=on, reason=f"返贫风险预警核实：{flag.reason}"
        )
    review = RelapseReview.objects.create(
        flag=flag, outcome=outcome, note=note.strip()[:500], reviewed_on=on, reviewed_by=_user(actor)
    )
    before = flag.state
    if outcome == RelapseReview.Outcome.WATCH:
        flag.state = RelapseFlag.State.WATCHING
    else:
        flag.state, flag.closed_at = RelapseFlag.State.CLOSED, timezone.now()
    flag.outcome = outcome
    flag.revision = F("revision") + 1
    flag.save()
    flag.refresh_from_db()
    _bump(household)
    audit.record(
        actor,
        "update",
        flag,
        changes={"state": [before, flag.state], "outcome": outcome},
        note=review.note[:255],
        org_path=household.village.path,
    )
    return review


# ---- exit checks (退出核查) ------------------------------------------------------------------------------


@transaction.atomic
def check_household_exit(actor, household: Household, *, on: date, signed_by: str, note: str = "") -> ExitCheck:
    """A household's exit check: the criteria are evaluated now and kept with the check. When all
    are met the household goes out (未脱贫 → 已脱贫, 监测帮扶中 → 风险已消除) through change_status;
    otherwise the check is kept as failed, naming the criteria it breaks."""
    from .queries import household_exit_criteria

    require_manager(actor, household.village)
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    if error := rules.exit_status_error(household.status, STATUS_LABELS):
        raise ValidationError(error)
    errors = {}
    if on is None or on > timezone.localdate():
        errors["on"] = "核查日期不能晚于今天"
    if not (signed_by or "").strip():
        errors["signed_by"] = "请填写核查签字人"
    if errors:
        raise ValidationError(errors)
    criteria = household_exit_criteria(household, on)
    passed = all(c.met for c in criteria)
    check = ExitCheck.objects.create(
        organization=household.village,
        household=household,
        on=on,
        passed=passed,
        criteria=[c.as_dict() for c in criteria],
        signed_by=signed_by.strip()[:100],
        note=(note or "").strip()[:300],
        recorded_by=_user(actor),
    )
    if passed:
        change_status(
            actor,
            household,
            to_status=rules.EXIT_STATUS[household.status],
            on=on,
            reason=f"退出核查通过（签字：{check.signed_by}）",
        )
    else:
        _bump(household)
    audit.record(
        actor,
        "create",
        check,
        changes={"passed": passed, "signed_by": check.signed_by, "failed": check.failures},
        org_path=household.village.path,
    )
    return check


@transaction.atomic
def check_village_exit(actor, village, *, on: date, signed_by: str, note: str = "") -> ExitCheck:
    """A village's exit check, by the township above it (or the county): the criteria computed
    from the village's households, kept with who signed."""
    from .queries import village_exit_criteria

    if error := village_error(village):
        raise ValidationError(error)
    require_manager(actor, village.parent)
    errors = {}
    if on is None or on > timezone.localdate():
        errors["on"] = "核查日期不能晚于今天"
    if not (signed_by or "").strip():
        errors["signed_by"] = "请填写核查签字人"
    if errors:
        raise ValidationError(errors)
    criteria = village_exit_criteria(village)
    check = ExitCheck.objects.create(
        organization=village,
        on=on,
        passed=all(c.met for c in criteria),
        criteria=[c.as_dict() for c in criteria],
        signed_by=signed_by.strip()[:100],
        note=(note or "").strip()[:300],
        recorded_by=_user(actor),
    )
    audit.record(
        actor,
        "create",
        check,
        changes={"passed": check.passed, "signed_by": check.signed_by, "failed": check.failures},
        org_path=village.path,
    )
    return check


# ---- visit cadence rules (走访频次规则) ------------------------------------------------------------

CADENCE_FIELDS = [
    "name",
    "applies_to",
    "kind",
    "period",
    "visits_per_household",
    "min_days",
    "min_households",
    "effective_from",
    "is_active",
    "source",
]


def _cadence_errors(cadence: VisitCadence) -> dict:
    errors = {}
    if not (cadence.name or "").strip():
        errors["name"] = "请填写规则名称"
    if cadence.kind == VisitCadence.Kind.CADRE_ACTIVITY and cadence.applies_to != VisitCadence.Applies.VILLAGE:
        errors["kind"] = "“干部走访天数和户数”只适用于村干部"
    if cadence.effective_from is None:
        errors["effective_from"] = "请填写施行日期"
    errors.update(
        rules.cadence_errors(
            cadence.kind, cadence.period, cadence.visits_per_household, cadence.min_days, cadence.min_households
        )
    )
    if not errors:  # the counts of the other kind do not apply
        if cadence.kind == VisitCadence.Kind.EACH_HOUSEHOLD:
            cadence.min_days = cadence.min_households = None
        else:
            cadence.visits_per_household = None
    return errors


@transaction.atomic
def save_cadence(actor, cadence: VisitCadence | None = None, **fields) -> VisitCadence:
    """County admins add and change the cadence rules [C]; the compliance table follows at once."""
    return _save_county_row(actor, VisitCadence, cadence, CADENCE_FIELDS, fields, _cadence_errors, note="走访频次规则")
