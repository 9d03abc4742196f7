"""Every write to the village cadres' records goes through here: in a transaction, with the
permission checked (require_manager on the cadre's village; the assessment by the level above,
require_level_above, so that a village never scores its own cadres; the county's figures and the
filing of secretaries by a county admin), the change validated, ``revision`` bumped and an audit
entry written.

``actor=None`` is the system itself (the demo generator, tests' set-up): no permission check.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.indices import registered
from jiceng.core.phones import normalize_phone, phone_error
from jiceng.core.scoping import (
    can_review,
    has_full_scope,
    in_scope,
    require_county_admin,
    require_level_above,
    require_manager,
)
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import (
    SECRETARY_POSTS,
    Assessment,
    AssessmentRound,
    AssessmentScheme,
    CadreChange,
    CountyIncome,
    Dimension,
    Mentorship,
    Post,
    PostCoefficient,
    Score,
    StreakTask,
    VillageCadre,
)

CADRE_FIELDS = [
    "village",
    "name",
    "education",
    "phone",
    "member",
    "post",
    "term_starts_on",
    "term_ends_on",
    "in_talent_pool",
    "note",
]
SCORE_ONLY_LEVEL_ABOVE = "村干部由乡镇党委考核，村（社区）不能给本村干部评分"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# ---- the record ---------------------------------------------------------------------------------------


def apply_id_number(cadre: VillageCadre, raw: str) -> None:
    """As for party members and household people: validated (GB 11643), stored encrypted with its
    keyed digest and masked form; birth date and gender from it."""
    try:
        info = idnumbers.parse(raw)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    cadre.id_number_encrypted = idnumbers.encrypt(info.number)
    cadre.id_number_digest = idnumbers.digest(info.number)
    cadre.id_number_masked = idnumbers.mask(info.number)
    cadre.birth_date = info.birth_date
    cadre.gender = info.gender


def _check_cadre(actor, cadre: VillageCadre) -> None:
    errors = {}
    if error := queries.village_error(cadre.village if cadre.village_id else None):
        errors["village"] = error
    if not (cadre.name or "").strip():
        errors["name"] = "请填写姓名"
    cadre.name = (cadre.name or "").strip()
    if error := phone_error(cadre.phone):
        errors["phone"] = error
    cadre.phone = normalize_phone(cadre.phone)
    if cadre.post not in Post.values:
        errors["post"] = "请选择职务"
    if error := rules.term_error(cadre.term_starts_on, cadre.term_ends_on, timezone.localdate()):
        errors["term_starts_on" if "开始" in error and "晚于开始" not in error else "term_ends_on"] = error
    if cadre.member_id and actor is not None and not in_scope(actor, cadre.member):
        errors["member"] = "该党员不在您的管理范围内"
    duplicate = VillageCadre.objects.filter(id_number_digest=cadre.id_number_digest).exclude(pk=cadre.pk).first()
    if duplicate is not None:
        if actor is None or in_scope(actor, duplicate):
            errors["id_number"] = f"该公民身份号码已登记为{duplicate.village.name}的{duplicate.get_post_display()}"
        else:
            errors["id_number"] = "该公民身份号码已登记在其他村（社区）"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_cadre(actor, *, id_number: str, **fields) -> VillageCadre:
    require_manager(actor, fields.get("village"))
    cadre = VillageCadre(**{k: v for k, v in fields.items() if k in CADRE_FIELDS})
    apply_id_number(cadre, id_number)
    _check_cadre(actor, cadre)
    cadre.save()
    CadreChange.objects.create(
        cadre=cadre, field="post", to_value=cadre.post, on=cadre.term_starts_on, reason="登记", recorded_by=_user(actor)
    )
    audit.record(
        actor,
        "create",
        cadre,
        changes=audit.snapshot(cadre, CADRE_FIELDS + ["id_number_masked"]),
        org_path=cadre.village.path,
    )
    return cadre


@transaction.atomic
def update_cadre(actor, cadre: VillageCadre, *, id_number: str | None = None, on: date | None = None, **fields):
    require_manager(actor, cadre.village)
    cadre = VillageCadre.objects.select_for_update().select_related("village").get(pk=cadre.pk)
    tracked = CADRE_FIELDS + ["id_number_masked"]
    before = audit.snapshot(cadre, tracked)
    old_post = cadre.post
    for name, value in fields.items():
        if name not in CADRE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(cadre, name, value)
    require_manager(actor, cadre.village)  # a move must stay within the actor's scope
    if id_number:
        apply_id_number(cadre, id_number)
    _check_cadre(actor, cadre)
    changes = audit.diff(before, audit.snapshot(cadre, tracked))
    if changes:
        cadre.revision = F("revision") + 1
        cadre.save()
        cadre.refresh_from_db()
        if old_post != cadre.post:
            CadreChange.objects.create(
                cadre=cadre,
                field="post",
                from_value=old_post,
                to_value=cadre.post,
                on=on or timezone.localdate(),
                reason="职务调整",
                recorded_by=_user(actor),
            )
        audit.record(actor, "update", cadre, changes=changes, org_path=cadre.village.path)
    return cadre


@transaction.atomic
def cadre_leaves(actor, cadre: VillageCadre, *, on: date, reason: str) -> VillageCadre:
    """The cadre leaves the post (换届未连任, 辞职, 调整…): the record stays, with its history."""
    require_manager(actor, cadre.village)
    cadre = VillageCadre.objects.select_for_update().select_related("village").get(pk=cadre.pk)
    if cadre.state == VillageCadre.State.LEFT:
        raise ValidationError("该村干部已离任")
    if on is None or on > timezone.localdate():
        raise ValidationError({"on": "离任日期不能晚于今天"})
    if on < cadre.term_starts_on:
        raise ValidationError({"on": f"离任日期不能早于任职开始日期（{cadre.term_starts_on:%Y-%m-%d}）"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写离任原因"})
    cadre.state = VillageCadre.State.LEFT
    cadre.left_on = on
    cadre.revision = F("revision") + 1
    cadre.save()
    cadre.refresh_from_db()
    CadreChange.objects.create(
        cadre=cadre, field="state", from_value="active", to_value="left", on=on, reason=reason.strip()[:200],
        recorded_by=_user(actor),
    )  # fmt: skip
    audit.record(actor, "update", cadre, changes={"state": ["active", "left"]}, note=reason[:255],
                 org_path=cadre.village.path)  # fmt: skip
    return cadre


def can_file(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "is_county_admin", False))


@transaction.atomic
def delete_cadre(actor, cadre: VillageCadre, *, reason: str = "") -> None:
    """Remove a record entered by mistake: only while the cadre has no assessment (a cadre who
    served leaves instead, and keeps the record). The audit entry keeps who it was."""
    require_manager(actor, cadre.village)
    if cadre.assessments.exists() or cadre.streak_tasks.exists():
        raise ValidationError("该村干部已有考核记录，不能删除；离任请登记离任")
    snapshot = audit.snapshot(cadre, ["name", "post", "id_number_masked"])
    audit.record(actor, "delete", cadre, changes=snapshot, note=reason[:255], org_path=cadre.village.path)
    cadre.delete()


@transaction.atomic
def file_secretary(actor, cadre: VillageCadre, *, filed_on: date, note: str = "") -> VillageCadre:
    """County filing of a village secretary (备案管理): by a county admin."""
    if actor is not None:
        require_county_admin(actor)
        require_manager(actor, cadre.village)
    cadre = VillageCadre.objects.select_for_update().select_related("village").get(pk=cadre.pk)
    if cadre.post not in SECRETARY_POSTS:
        raise ValidationError("只有村（社区）党组织书记（含“一肩挑”）需要县级备案")
    if filed_on is None or filed_on > timezone.localdate():
        raise ValidationError({"filed_on": "备案日期不能晚于今天"})
    before = audit.snapshot(cadre, ["filed_on", "filing_note"])
    cadre.filed_on, cadre.filing_note, cadre.filed_by = filed_on, (note or "").strip()[:200], _user(actor)
    cadre.revision = F("revision") + 1
    cadre.save()
    cadre.refresh_from_db()
    audit.record(actor, "update", cadre, changes=audit.diff(before, audit.snapshot(cadre, ["filed_on", "filing_note"])),
                 note="县级备案", org_path=cadre.village.path)  # fmt: skip
    return cadre


def can_reveal(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) in settings.FULL_ID_ROLES)


def reveal_id_number(actor, cadre: VillageCadre) -> str:
    if not can_reveal(actor):
        raise PermissionDenied("当前角色无权查看完整公民身份号码")
    if not in_scope(actor, cadre):
        raise PermissionDenied("该村干部不在您的管理范围内")
    audit.record(actor, "view_full_id", cadre, note="查看完整公民身份号码（村干部）", org_path=cadre.village.path)
    return idnumbers.decrypt(cadre.id_number_encrypted)


@transaction.atomic
def add_mentorship(actor, cadre: VillageCadre, *, mentor_name: str, mentor_unit: str, starts_on: date,
                   note: str = "") -> Mentorship:  # fmt: skip
    require_manager(actor, cadre.village)
    errors = {}
    if cadre.post not in SECRETARY_POSTS:
        errors["mentor_name"] = "导师帮带用于村（社区）党组织书记"
    if not (mentor_name or "").strip():
        errors["mentor_name"] = "请填写导师姓名"
    if not (mentor_unit or "").strip():
        errors["mentor_unit"] = "请填写导师单位及职务"
    if starts_on is None or starts_on > timezone.localdate():
        errors["starts_on"] = "帮带开始日期不能晚于今天"
    if cadre.mentorships.filter(ends_on__isnull=True).exists():
        errors["mentor_name"] = "该书记已有帮带导师，请先结束原帮带"
    if errors:
        raise ValidationError(errors)
    pairing = Mentorship.objects.create(
        mentee=cadre, mentor_name=mentor_name.strip(), mentor_unit=mentor_unit.strip(), starts_on=starts_on,
        note=(note or "").strip(),
    )  # fmt: skip
    audit.record(actor, "create", pairing, changes=audit.snapshot(pairing, ["mentor_name", "mentor_unit", "starts_on"]),
                 org_path=cadre.village.path)  # fmt: skip
    return pairing


@transaction.atomic
def end_mentorship(actor, pairing: Mentorship, *, ends_on: date) -> Mentorship:
    village = pairing.mentee.village
    require_manager(actor, village)
    pairing = Mentorship.objects.select_for_update().get(pk=pairing.pk)
    if pairing.ends_on is not None:
        raise ValidationError("该帮带已结束")
    if ends_on is None or ends_on > timezone.localdate() or ends_on < pairing.starts_on:
        raise ValidationError({"ends_on": "结束日期应在开始日期和今天之间"})
    pairing.ends_on = ends_on
    pairing.revision = F("revision") + 1
    pairing.save()
    pairing.refresh_from_db()
    audit.record(actor, "update", pairing, changes={"ends_on": [None, str(ends_on)]}, org_path=village.path)
    return pairing


# ---- the assessment scheme ------------------------------------------------------------------------------


def component_names() -> dict[str, str]:
    """The index components a dimension may be computed from (jiceng.core.indices)."""
    from jiceng.core.indices import FORTRESS, ORGRATING

    return {code: c.name for index in (FORTRESS, ORGRATING) for code, c in registered(index).items()}


@transaction.atomic
def create_scheme(actor, *, valid_from: date, dimensions: list[dict], name: str = "村干部季度考核办法",
                  excellent_from=Decimal(90), competent_from=Decimal(75), basic_from=Decimal(60), streak: int = 3,
                  note: str = "") -> AssessmentScheme:  # fmt: skip
    """A new version of the scheme from the quarter of ``valid_from``. Rounds already opened keep
    their version. ``dimensions``: [{"code", "name", "weight", "source"}], weights summing to 100."""
    if actor is not None:
        require_county_admin(actor)
    errors = {}
    if valid_from.day != 1 or valid_from.month not in (1, 4, 7, 10):
        errors["valid_from"] = "起用日期应为某季度的第一天（1月1日、4月1日、7月1日或10月1日）"
    elif AssessmentScheme.objects.filter(valid_from=valid_from).exists():
        errors["valid_from"] = "该季度已有考核办法版本"
    elif AssessmentRound.objects.filter(
        Q(year__gt=valid_from.year) | Q(year=valid_from.year, quarter__gte=rules.quarter_of(valid_from)[1])
    ).exists():
        errors["valid_from"] = "该季度或以后已有按原办法开展的考核，新版本应从其后的季度起用"
    if sum((Decimal(d["weight"]) for d in dimensions), Decimal(0)) != 100:
        errors["dimensions"] = "各维度分值合计应为 100 分"
    known = component_names()
    unknown = [d["source"] for d in dimensions if d.get("source") and d["source"] not in known]
    if unknown:
        errors["dimensions"] = "未知的数据来源：" + "、".join(unknown)
    if not (Decimal(basic_from) <= Decimal(competent_from) <= Decimal(excellent_from) <= 100):
        errors["excellent_from"] = "分数线应满足：基本称职 ≤ 称职 ≤ 优秀 ≤ 100"
    if streak < 2:
        errors["streak"] = "连续季度数至少为 2"
    if errors:
        raise ValidationError(errors)
    scheme = AssessmentScheme.objects.create(
        valid_from=valid_from, name=name, excellent_from=excellent_from, competent_from=competent_from,
        basic_from=basic_from, streak=streak, note=note, created_by=_user(actor),
    )  # fmt: skip
    for order, d in enumerate(dimensions, start=1):
        Dimension.objects.create(scheme=scheme, code=d["code"], name=d["name"], weight=Decimal(d["weight"]),
                                 source=d.get("source", ""), order=order)  # fmt: skip
    audit.record(actor, "create", scheme, changes={"dimensions": [[d["name"], str(d["weight"])] for d in dimensions]},
                 org_path=queries.county_path())  # fmt: skip
    return scheme


# ---- rounds, scores, streak tasks -----------------------------------------------------------------------


@transaction.atomic
def open_round(actor, township: Organization, *, year: int, quarter: int) -> AssessmentRound:
    """The township's assessment of one quarter (one round per township and quarter)."""
    require_manager(actor, township)  # the township's managers or the county's: never a village's
    if not queries.is_township(township):
        raise ValidationError({"township": f"{township.name}不是乡镇（街道）党组织：村干部考核由乡镇开展"})
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"quarter": "请选择年度和季度"})
    if rules.quarter_index(year, quarter) > rules.quarter_index(*rules.quarter_of(timezone.localdate())):
        raise ValidationError({"quarter": "不能考核尚未开始的季度"})
    if AssessmentRound.objects.filter(township=township, year=year, quarter=quarter).exists():
        raise ValidationError({"quarter": f"{township.name}已开展{rules.quarter_label(year, quarter)}的考核"})
    scheme = queries.scheme_for(year, quarter)
    if scheme is None:
        raise ValidationError({"quarter": "该季度没有适用的考核办法"})
    round = AssessmentRound.objects.create(
        township=township, year=year, quarter=quarter, scheme=scheme, opened_by=_user(actor)
    )
    audit.record(actor, "create", round, changes={"scheme": str(scheme)}, org_path=township.path)
    return round


@transaction.atomic
def score(actor, round: AssessmentRound, cadre: VillageCadre, *, manual: dict[str, tuple[Decimal, str]],
          computed: dict | None = None) -> Assessment:  # fmt: skip
    """Score one cadre in an open round. Dimensions with a source take the figure computed from the
    records (``computed`` may pass what queries.computed_points gave, to compute once a page);
    the others come from ``manual`` ({code: (points, evidence)}), each with its evidence. The
    total and the grade follow from the scheme of the round."""
    require_level_above(actor, cadre.village, SCORE_ONLY_LEVEL_ABOVE)
    round = AssessmentRound.objects.select_for_update().select_related("township", "scheme").get(pk=round.pk)
    if round.state != AssessmentRound.State.OPEN:
        raise ValidationError("本季度考核已完成，不能再评分")
    if cadre.village.parent_id != round.township_id:
        raise ValidationError("该村干部不属于本乡镇")
    if not queries.in_post(VillageCadre.objects.filter(pk=cadre.pk), round.year, round.quarter).exists():
        raise ValidationError("该村干部本季度不在任（或为后备干部），不参加考核")
    if computed is None:
        computed = queries.computed_points(round).get(cadre.village_id, {})
    dimensions = list(round.scheme.dimensions.all())
    errors = {}
    rows = []
    for d in dimensions:
        if d.source and d.code in computed:
            points, text = computed[d.code]
            rows.append((d, points, True, text))
            continue
        points, evidence = manual.get(d.code, (None, ""))
        if points is None:
            errors[d.code] = f"请填写「{d.name}」的得分"
        elif not 0 <= Decimal(points) <= d.weight:
            errors[d.code] = f"「{d.name}」的得分应在 0 至 {d.weight.normalize():f} 分之间"
        elif not (evidence or "").strip():
            errors[d.code] = f"请填写「{d.name}」的评分依据"
        else:
            rows.append((d, rules.fen(Decimal(points)), False, evidence.strip()[:300]))
    if errors:
        raise ValidationError(errors)
    total = sum((p for _, p, _, _ in rows), Decimal(0))
    s = round.scheme
    assessment, created = Assessment.objects.select_for_update().get_or_create(
        round=round, cadre=cadre,
        defaults={"total": total, "grade": rules.grade(total, s.excellent_from, s.competent_from, s.basic_from),
                  "scored_by": _user(actor)},
    )  # fmt: skip
    before = {"total": str(assessment.total), "grade": assessment.grade}
    if not created:
        assessment.total = total
        assessment.grade = rules.grade(total, s.excellent_from, s.competent_from, s.basic_from)
        assessment.scored_by = _user(actor)
        assessment.revision = F("revision") + 1
        assessment.save()
        assessment.refresh_from_db()
        assessment.scores.all().delete()
    Score.objects.bulk_create(
        Score(assessment=assessment, dimension=d, points=p, computed=c, evidence=e) for d, p, c, e in rows
    )
    audit.record(
        actor, "create" if created else "update", assessment,
        changes={"total": [None if created else before["total"], str(total)],
                 "grade": [None if created else before["grade"], assessment.grade]},
        object_repr=f"{cadre.name} {round.label}考核", org_path=cadre.village.path,
    )  # fmt: skip
    return assessment


@transaction.atomic
def close_round(actor, round: AssessmentRound) -> list[StreakTask]:
    """Finish the round once every cadre in post is scored, and raise the streak tasks: a cadre
    whose grade is excellent (incompetent) for ``scheme.streak`` quarters running, this one the
    last, is listed for commendation (replacement by procedure); the closing manager decides
    unless another person is named."""
    require_manager(actor, round.township)
    round = AssessmentRound.objects.select_for_update().select_related("township", "scheme").get(pk=round.pk)
    if round.state != AssessmentRound.State.OPEN:
        raise ValidationError("本季度考核已完成")
    if not rules.quarter_is_over(round.year, round.quarter, timezone.localdate()):
        raise ValidationError(f"{round.label}尚未结束，季度结束后才能完成考核")
    missing = queries.unscored(round)
    if missing:
        names = "、".join(c.name for c in missing[:5]) + ("等" if len(missing) > 5 else "")
        raise ValidationError(f"还有 {len(missing)} 名村干部未评分：{names}")
    round.state = AssessmentRound.State.CLOSED
    round.closed_at = timezone.now()
    round.revision = F("revision") + 1
    round.save()
    round.refresh_from_db()
    tasks = []
    assessments = list(round.assessments.select_related("cadre"))
    history = queries.grades_of([a.cadre_id for a in assessments])
    wanted = {rules.EXCELLENT: StreakTask.Kind.COMMENDATION, rules.INCOMPETENT: StreakTask.Kind.REPLACEMENT}
    for a in assessments:
        kind = wanted.get(a.grade)
        if kind and rules.streak_reached(history.get(a.cadre_id, {}), round.year, round.quarter, a.grade,
                                         round.scheme.streak):  # fmt: skip
            task = StreakTask.objects.create(
                cadre=a.cadre, kind=kind, round=round,
                quarters=rules.quarters_text(round.year, round.quarter, round.scheme.streak),
                decider=_user(actor),
            )  # fmt: skip
            audit.record(actor, "create", task, changes={"kind": kind, "quarters": task.quarters},
                         object_repr=f"{a.cadre.name} {task.get_kind_display()}", org_path=a.cadre.village.path)  # fmt: skip
            tasks.append(task)
    audit.record(actor, "update", round, changes={"state": ["open", "closed"]}, org_path=round.township.path)
    return tasks


def can_decide(user, task: StreakTask) -> bool:
    """The named decider, or a county admin (the caller has found the task in the user's scope)."""
    if user is None or has_full_scope(user) or getattr(user, "is_county_admin", False):
        return True
    return task.decider_id == getattr(user, "pk", None)


@transaction.atomic
def assign_decider(actor, task: StreakTask, *, decider) -> StreakTask:
    require_level_above(actor, task.cadre.village, "决定人由乡镇党委指定")
    if decider is None or not decider.is_active or not can_review(decider, task.cadre.village):
        raise ValidationError({"decider": "决定人应为该村所在乡镇或县级的管理员"})
    task = StreakTask.objects.select_for_update().get(pk=task.pk)
    if task.decision != StreakTask.Decision.PENDING:
        raise ValidationError("该事项已决定")
    old = task.decider_id
    task.decider = decider
    task.revision = F("revision") + 1
    task.save()
    audit.record(actor, "update", task, changes={"decider": [old, decider.pk]}, org_path=task.cadre.village.path)
    return task


@transaction.atomic
def decide(actor, task: StreakTask, *, decision: str, note: str) -> StreakTask:
    """The decider (or a county admin) agrees or declines, with a note; recorded, not changeable."""
    require_level_above(actor, task.cadre.village, "该事项由乡镇党委决定")
    task = StreakTask.objects.select_for_update().select_related("cadre__village").get(pk=task.pk)
    if not can_decide(actor, task):
        raise PermissionDenied("该事项由指定的决定人决定")
    if task.decision != StreakTask.Decision.PENDING:
        raise ValidationError("该事项已决定")
    if decision not in (StreakTask.Decision.AGREED, StreakTask.Decision.DECLINED):
        raise ValidationError({"decision": "请选择同意或不同意"})
    if not (note or "").strip():
        raise ValidationError({"note": "请填写决定说明（如：经乡镇党委会议研究）"})
    task.decision = decision
    task.decided_by = _user(actor)
    task.decided_on = timezone.localdate()
    task.decision_note = note.strip()[:300]
    task.revision = F("revision") + 1
    task.save()
    task.refresh_from_db()
    audit.record(actor, "update", task, changes={"decision": ["pending", decision]}, note=note[:255],
                 org_path=task.cadre.village.path)  # fmt: skip
    return task


# ---- pay figures ------------------------------------------------------------------------------------------


@transaction.atomic
def set_income(actor, *, county: Organization, year: int, amount: Decimal) -> CountyIncome:
    if actor is not None:
        require_county_admin(actor)
        require_manager(actor, county)
    errors = {}
    if not 2000 <= year <= timezone.localdate().year:
        errors["year"] = f"年度应在 2000 年至 {timezone.localdate().year} 年之间"
    if amount is None or amount <= 0:
        errors["amount"] = "金额应大于 0"
    if errors:
        raise ValidationError(errors)
    old = CountyIncome.objects.filter(county=county, year=year).values_list("amount", flat=True).first()
    income, _ = CountyIncome.objects.update_or_create(
        county=county, year=year, defaults={"amount": rules.fen(amount), "entered_by": _user(actor)}
    )
    audit.record(actor, "update" if old is not None else "create", income,
                 changes={"amount": [None if old is None else str(old), str(income.amount)]},
                 object_repr=f"{year}年农村居民人均可支配收入", org_path=county.path)  # fmt: skip
    return income


@transaction.atomic
def set_coefficients(actor, coefficients: dict[str, Decimal]) -> None:
    if actor is not None:
        require_county_admin(actor)
    errors = {post: "系数应在 0.50 至 3.00 之间" for post, c in coefficients.items() if not Decimal("0.5") <= c <= 3}
    unknown = set(coefficients) - set(Post.values) | ({Post.RESERVE} & set(coefficients))
    if unknown:
        raise ValueError(f"不可设置系数的职务：{unknown}")
    if errors:
        raise ValidationError(errors)
    changes = {}
    for post, c in coefficients.items():
        old = PostCoefficient.objects.filter(post=post).values_list("coefficient", flat=True).first()
        if old != c:
            PostCoefficient.objects.update_or_create(post=post, defaults={"coefficient": c})
            changes[post] = [None if old is None else str(old), str(c)]
    if changes:
        audit.record(actor, "update", None, changes=changes, object_type="cadres.PostCoefficient",
                     object_repr="职务报酬系数", org_path=queries.county_path())  # fmt: skip
