"""Every write to development files goes through here (and is audit-logged).

A step is checked against the statute (`rules.check_step`) with the file row locked
(`select_for_update`), so two secretaries recording the same step at once cannot both
succeed; the file's state columns are refolded from the steps in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.calendar import working_day_roller
from jiceng.core.scoping import require_county_admin, require_manager, visible
from jiceng.core.text import pinyin_keys
from jiceng.core.uploads import clean_document
from jiceng.members import services as member_services
from jiceng.members.models import Member, StatusChange
from jiceng.orgs.models import Organization

from . import rules
from .models import DevelopmentFile, DevelopmentSettings, Document, Move, Step, StepPerson

# Organizations that admit members: 党支部 and 联合党支部 (a general branch's branches hold the
# meetings; temporary branches do not admit members).
DEVELOPING_TYPES = {Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH}

PERSON_FIELDS = ["name", "phone", "ethnicity", "education", "occupation", "workplace", "note"]


@dataclass(frozen=True)
class PersonInput:
    """A person named on a step form: a member by id, or a name (talkers from the higher committee)."""

    role: str
    member_id: int | None = None
    name: str = ""
    title: str = ""


class Refused(ValidationError):
    """A step the statute does not allow: the form errors by field, plus the refusals themselves
    (each with the rule it cites and, for time rules, the first day the step becomes possible)."""

    def __init__(self, refusals: list[rules.Refusal]):
        by_field: dict[str, list[str]] = {}
        for r in refusals:
            by_field.setdefault(r.field or NON_FIELD_ERRORS, []).append(r.message)
        super().__init__(by_field)
        self.refusals = list(refusals)


def _errors(refusals: list[rules.Refusal]) -> Refused:
    return Refused(refusals)


def file_state(file: DevelopmentFile) -> rules.FileState:
    """The file as its (unrevoked) steps leave it, plus a rejection, which is not a step."""
    steps = list(file.steps.filter(revoked_at=None).order_by("id"))
    state = rules.fold(file.birth_date, [s.fact for s in steps], roll=working_day_roller())
    if file.status in (DevelopmentFile.Status.REJECTED, DevelopmentFile.Status.TRANSFERRED):
        state = replace(state, status=file.status, closed_on=file.closed_on)
    return state


def _store(file: DevelopmentFile, state: rules.FileState) -> None:
    values = {
        "status": state.status,
        "stage": state.stage,
        "last_step": state.last_step,
        "last_step_on": state.last_on,
        "applied_on": state.applied_on,
        "talked_on": state.talked_on,
        "talk_late": state.talk_late,
        "activist_on": state.activist_on,
        "last_review_on": state.last_review_on,
        "candidate_on": state.candidate_on,
        "vote_on": state.vote_on,
        "approved_on": state.approved_on,
        "extension_months": state.extension_months,
        "probation_end_on": state.probation_end_on,
        "full_vote_on": state.full_vote_on,
        "pending_outcome": state.pending_outcome,
        "pending_extension_months": state.pending_extension_months,
        "approved_outcome": state.approved_outcome,
        "full_on": state.full_on,
        "closed_on": state.closed_on,
        "talk_due_on": state.talk_due_on,
        "review_due_on": state.review_due_on,
        "approval_due_on": state.approval_due_on,
        "approval_limit_on": state.approval_limit_on,
        "probation_due_on": state.probation_due_on,
    }
    for name, value in values.items():
        setattr(file, name, value)


def _save_state(file: DevelopmentFile, state: rules.FileState) -> DevelopmentFile:
    _store(file, state)
    file.revision = F("revision") + 1
    file.save()
    file.refresh_from_db()
    return file


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# The form field of each role's people, for refusals.
ROLE_FIELDS = {rules.CONTACT: "contacts", rules.SPONSOR: "sponsors", rules.TALKER: "talkers"}
MAX_ID = 2**63 - 1  # ids are 64-bit; a larger number is no member (and would overflow the query)


def _person_facts(actor, people: list[PersonInput], on: date) -> tuple[list[rules.Person], dict[int, Member]]:
    """The people of a step as the rules see them on the step's date `on`.

    Every member id, whatever the role, is resolved through the acting user's scope: an id outside
    it is refused exactly like an id that does not exist, and nothing of that member (not the name)
    is read into the step or the message. The status is the one on `on`, replayed from the status
    history (a sponsor who has died or moved away since was a full member that day)."""
    ids = {p.member_id for p in people if p.member_id is not None}
    found = Member.objects.filter(pk__in=[i for i in ids if 0 < i <= MAX_ID])
    if actor is not None:  # None is the system itself (demo, commands): every member
        found = visible(actor, found)
    members = {m.pk: m for m in found}
    unknown = [p for p in people if p.member_id is not None and p.member_id not in members]
    if unknown:
        fields = dict.fromkeys(ROLE_FIELDS.get(p.role) for p in unknown)
        raise Refused([rules.Refusal(f, rules.NOT_IN_SCOPE) for f in fields])
    history: dict[int, list[rules.StatusRow]] = {pk: [] for pk in members}
    for change in StatusChange.objects.filter(member_id__in=members).order_by("on", "id"):
        history[change.member_id].append((change.on, change.from_status, change.to_status))
    facts = []
    for p in people:
        m = members.get(p.member_id) if p.member_id is not None else None
        facts.append(
            rules.Person(
                role=p.role,
                name=m.name if m else p.name.strip(),
                member_id=m.pk if m else None,
                status=rules.status_on(history[m.pk], on, m.status) if m else "",
                full_date=m.full_date if m else None,
            )
        )
    return facts, members


def _add_document(actor, file: DevelopmentFile, upload, title: str, step: Step | None = None) -> Document:
    ext = clean_document(upload)
    doc = Document(
        file=file,
        step=step,
        title=(title or "").strip() or (step.get_number_display() if step else "材料"),
        original_name=(upload.name or "")[:200],
        size=upload.size or 0,
        uploaded_by=_user(actor),
    )
    doc.upload.save(f"document.{ext}", File(upload), save=False)
    doc.save()
    audit.record(
        actor,
        "create",
        doc,
        changes={"title": doc.title, "original_name": doc.original_name},
        org_path=file.organization.path,
    )
    return doc


# ---- opening a file (step 1) -----------------------------------------------------------------


def _may_apply_again(member: Member) -> bool:
    """A person whose probationary membership was cancelled (取消预备党员资格) is no longer a
    member and may apply again as a new applicant (《中国共产党发展党员工作细则》: development
    starts from a written application and runs through every step again). Other former members
    (expelled, struck off, lapsed, withdrawn) are not new applicants; re-joining has its own rules."""
    return member.status == Member.Status.REMOVED and member.removal_reason == Member.RemovalReason.PROBATION_CANCELLED


def _cancelled_on(member: Member) -> date | None:
    change = member.status_changes.filter(to_status=Member.Status.REMOVED).order_by("-on", "-id").first()
    return change.on if change else None


@transaction.atomic
def open_file(
    actor,
    *,
    organization: Organization,
    id_number: str,
    name: str,
    on: date,
    gender: str = "",
    ethnicity: str = "汉族",
    phone: str = "",
    education: str = "",
    occupation: str = "",
    workplace: str = "",
    note: str = "",
    document=None,
    document_title: str = "入党申请书",
    today: date | None = None,
) -> DevelopmentFile:
    """Step 1 (递交入党申请书): the branch receives a written application and opens the file."""
    require_manager(actor, organization)
    today = today or timezone.localdate()
    if organization.type not in DEVELOPING_TYPES:
        raise ValidationError({"organization": "发展党员由党支部（或联合党支部）办理，请选择党支部"})
    try:
        info = idnumbers.parse(id_number, today=today)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    if gender and gender != info.gender:
        raise ValidationError({"gender": "性别与公民身份号码第17位不一致"})
    digest = idnumbers.digest(info.number)
    existing = Member.objects.filter(id_number_digest=digest).first()
    if existing is not None and not _may_apply_again(existing):
        raise ValidationError(
            {"id_number": f"该公民身份号码已有党员档案（{existing.get_status_display()}），不能再作为入党申请人建档"}
        )
    if existing is not None:
        cancelled_on = _cancelled_on(existing)
        if cancelled_on and on < cancelled_on:
            raise ValidationError(
                {
                    "on": f"递交入党申请书的日期不能早于取消预备党员资格的日期（{rules.fmt(cancelled_on)}）；"
                    "被取消预备党员资格的，可作为新的入党申请人重新申请，按发展党员程序从头办理"
                    f"（{rules.REGULATION}）"
                }
            )
    if DevelopmentFile.objects.filter(id_number_digest=digest, status=DevelopmentFile.Status.OPEN).exists():
        raise ValidationError({"id_number": "该申请人已有进行中的发展党员档案（同一人只能有一份进行中的档案）"})
    if not name.strip():
        raise ValidationError({"name": "请填写姓名"})
    refusals = rules.check_step(rules.FileState(birth_date=info.birth_date), rules.StepFact(1, on), today)
    if refusals:
        raise _errors(refusals)
    file = DevelopmentFile(
        name=name.strip(),
        gender=info.gender,
        ethnicity=ethnicity or "汉族",
        birth_date=info.birth_date,
        id_number_encrypted=idnumbers.encrypt(info.number),
        id_number_digest=digest,
        id_number_masked=idnumbers.mask(info.number),
        phone=phone,
        education=education,
        occupation=occupation,
        workplace=workplace,
        organization=organization,
        note=note,
    )
    file.name_pinyin, file.name_initials = pinyin_keys(file.name)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError as exc:  # the same person's file opened at the same moment elsewhere
        raise ValidationError(
            {"id_number": "该申请人已有进行中的发展党员档案（同一人只能有一份进行中的档案）"}
        ) from exc
    step = Step.objects.create(file=file, number=1, on=on, recorded_by=_user(actor))
    _store(file, rules.fold(file.birth_date, [step.fact], roll=working_day_roller()))
    file.save()
    if document:
        _add_document(actor, file, document, document_title, step)
    audit.record(
        actor,
        "create",
        file,
        changes=audit.snapshot(file, ["name", "id_number_masked", "organization", "applied_on"]),
    )
    return file


@transaction.atomic
def update_file(actor, file: DevelopmentFile, **fields) -> DevelopmentFile:
    """Correct the person's details (not the ID number, which identifies the file)."""
    require_manager(actor, file.organization)
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    before = audit.snapshot(file, PERSON_FIELDS)
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(file, name, value)
    if not file.name.strip():
        raise ValidationError({"name": "请填写姓名"})
    file.name_pinyin, file.name_initials = pinyin_keys(file.name)
    changes = audit.diff(before, audit.snapshot(file, PERSON_FIELDS))
    if changes:
        file.revision = F("revision") + 1
        file.save()
        file.refresh_from_db()
        audit.record(actor, "update", file, changes=changes)
    return file


# ---- recording a step ---------------------------------------------------------------------


@transaction.atomic
def record_step(
    actor,
    file: DevelopmentFile,
    number: int,
    *,
    on: date,
    note: str = "",
    people: list[PersonInput] | tuple = (),
    vote: rules.Vote | None = None,
    training_days: int | None = None,
    training_hours: int | None = None,
    outcome: str = "",
    extension_months: int | None = None,
    late_reason: str = "",
    recommendation: str = "",
    group: Organization | None = None,
    document=None,
    document_title: str = "",
    today: date | None = None,
) -> Step:
    """Record step `number` of `file`, refusing anything the statute forbids (with the rule and,
    for time rules, the first day it becomes possible)."""
    require_manager(actor, file.organization)
    today = today or timezone.localdate()
    file = (
        DevelopmentFile.objects.select_for_update(of=("self",)).select_related("organization", "member").get(pk=file.pk)
    )
    if number not in rules.STEPS or number == 1:
        raise ValidationError("未知的步骤" if number not in rules.STEPS else "第1步在建档时记录")
    bad_numbers = _number_refusals(number, vote, training_days, training_hours)
    if bad_numbers:
        raise _errors(bad_numbers)
    state = file_state(file)
    persons, members = _person_facts(actor, list(people), on)
    fact = rules.StepFact(
        number=number,
        on=on,
        outcome=outcome if number == 23 else "",
        extension_months=extension_months or 0,
        late_reason=late_reason or "",
        vote=vote if number in (15, 23) else None,
        training_days=training_days,
        training_hours=training_hours,
        people=tuple(persons),
    )
    refusals = rules.check_step(state, fact, today)
    refusals += _record_refusals(file, number, fact, group)
    if refusals:
        raise _errors(refusals)
    if document:
        clean_document(document)  # refuse a bad file before anything is written
    step = Step.objects.create(
        file=file,
        number=number,
        on=on,
        outcome=fact.outcome,
        extension_months=extension_months if number == 23 and outcome == rules.EXTEND else None,
        late_reason=late_reason if number == 17 else "",
        recommendation=recommendation if number == 3 else "",
        vote_entitled=vote.entitled if fact.vote else None,
        vote_attended=vote.attended if fact.vote else None,
        vote_written=vote.written if fact.vote else None,
        vote_yes=vote.yes if fact.vote else None,
        vote_no=vote.no if fact.vote else None,
        vote_abstain=vote.abstain if fact.vote else None,
        training_days=training_days if number == 11 else None,
        training_hours=training_hours if number == 11 else None,
        group=group if number == 19 else None,
        is_late=_is_late(state, fact),
        note=note,
        recorded_by=_user(actor),
    )
    StepPerson.objects.bulk_create(
        [
            StepPerson(
                step=step,
                role=p.role,
                member=members.get(p.member_id) if p.member_id is not None else None,
                name=fact_p.name,
                title=p.title,
            )
            for p, fact_p in zip(people, persons, strict=True)
        ]
    )
    new_state = rules.apply(state, fact)
    _effects(actor, file, step, state, new_state, group)
    _save_state(file, new_state)
    if document:
        _add_document(actor, file, document, document_title, step)
    audit.record(
        actor,
        "create",
        step,
        changes={
            "number": number,
            "on": on,
            "outcome": fact.outcome,
            "people": [p.name for p in persons],
            "stage": new_state.stage,
            "status": new_state.status,
        },
        org_path=file.organization.path,
    )
    return step


VOTE_FIELDS = {
    "entitled": "应到会有表决权人数",
    "attended": "实到会有表决权人数",
    "yes": "赞成票数",
    "no": "反对票数",
    "abstain": "弃权票数",
    "written": "提交书面意见人数",
}


def _number_refusals(number: int, vote: rules.Vote | None, days: int | None, hours: int | None) -> list[rules.Refusal]:
    """Numbers out of any plausible range are refused here, whoever calls (pages, API, imports):
    they are typing errors, and beyond 32767 they would not fit the columns."""
    out = []
    if number == 11:
        for field, value, most, label in (
            ("training_days", days, rules.MAX_TRAINING_DAYS, "培训天数"),
            ("training_hours", hours, rules.MAX_TRAINING_HOURS, "培训学时"),
        ):
            if value is not None and not 0 <= value <= most:
                out.append(rules.Refusal(field, f"{label}应在0至{most}之间"))
    if number in (15, 23) and vote is not None:
        for name, label in VOTE_FIELDS.items():
            if not 0 <= getattr(vote, name) <= rules.MAX_VOTES:
                out.append(rules.Refusal(f"vote_{name}", f"{label}应在0至{rules.MAX_VOTES}之间"))
    return out


def _record_refusals(file: DevelopmentFile, number: int, fact: rules.StepFact, group) -> list[rules.Refusal]:
    """Rules that need the database: the party group of step 19; after admission, the member record
    must still be a probationary member's (not transferred out, deceased or removed meanwhile)."""
    out = []
    if number == 19 and group is not None:
        branch = file.organization
        if group.type != Organization.Type.GROUP or not (branch.path < group.path < branch.path_end):
            out.append(rules.Refusal("group", f"请选择{branch.name}下属的党小组"))
    if 18 <= number <= 24 and file.member is not None and file.member.status != Member.Status.PROBATIONARY:
        out.append(
            rules.Refusal(
                None,
                f"{file.member.name}目前为“{file.member.get_status_display()}”，不是预备党员，不能办理；请先核对党员档案",
            )
        )
    return out


def _is_late(state: rules.FileState, fact: rules.StepFact) -> bool:
    n = fact.number
    if n == 2:
        return fact.on > rules.talk_deadline(state.applied_on, state.roll)
    if n == 6 and state.review_due_on:
        return fact.on > state.review_due_on
    if n == 17:
        return fact.on > rules.approval_deadline(state.vote_on, state.roll)
    return False


def _effects(actor, file, step, before: rules.FileState, after: rules.FileState, group) -> None:
    """What a step changes outside the file: the member record and its history."""
    n = step.number
    if n == 17:
        # 入党日期 is the day of the branch meeting (step 15), not the approval.
        former = Member.objects.filter(id_number_digest=file.id_number_digest).first()
        if former is not None:
            # Applied again after a cancelled probation (open_file lets nobody else through).
            file.member = member_services.readmit_after_cancelled_probation(
                actor,
                former,
                join_date=after.vote_on,
                organization=file.organization,
                reason=f"重新接收为预备党员（曾被取消预备党员资格；支部大会{rules.fmt(after.vote_on)}讨论，"
                f"上级党委{rules.fmt(step.on)}批准）",
            )
            return
        member = member_services.create_member(
            actor,
            id_number=idnumbers.decrypt(file.id_number_encrypted),
            status=Member.Status.PROBATIONARY,
            join_date=after.vote_on,
            organization=file.organization,
            name=file.name,
            gender=file.gender,
            ethnicity=file.ethnicity,
            phone=file.phone,
            education=file.education,
            occupation=file.occupation,
        )
        file.member = member
    elif n == 19 and group is not None and file.member is not None:
        member_services.update_member(actor, file.member, organization=group)
    elif n == 24 and file.member is not None:
        vote_text = f"支部大会{rules.fmt(before.full_vote_on)}讨论，上级党委{rules.fmt(step.on)}批准"
        if after.approved_outcome == rules.TO_FULL:
            member_services.change_status(
                actor,
                file.member,
                to_status=Member.Status.FULL,
                on=after.full_on,
                reason=f"预备期满转为正式党员（{vote_text}）",
            )
        elif after.approved_outcome == rules.CANCEL:
            member_services.change_status(
                actor,
                file.member,
                to_status=Member.Status.REMOVED,
                on=step.on,
                removal_reason=Member.RemovalReason.PROBATION_CANCELLED,
                reason=f"取消预备党员资格（{vote_text}）",
            )


# ---- following a transfer ------------------------------------------------------------------


def follow_member(actor, member: Member, *, to_org: Organization, on: date, letter_number: str = "") -> list:
    """The member's organizational relationship moved within the county (jiceng.transfers, on
    confirmation): their open file (a probationary member's) moves with them to the receiving
    organization, which records the remaining steps. The steps stay on the file; a `Move` row keeps
    where it was. Runs inside the caller's transaction; the caller has checked that the actor
    manages the receiving side (who may not manage the sending one)."""
    moved = []
    files = DevelopmentFile.objects.select_for_update(of=("self",)).filter(member=member, status=rules.OPEN)
    for file in files.select_related("organization"):
        if file.organization_id == to_org.pk:
            continue
        before = file.organization
        Move.objects.create(
            file=file, from_org=before, to_org=to_org, on=on, letter_number=letter_number, recorded_by=_user(actor)
        )
        DevelopmentFile.objects.filter(pk=file.pk).update(organization=to_org, revision=F("revision") + 1)
        file.refresh_from_db()
        audit.record(
            actor,
            "update",
            file,
            changes={"organization": [before.pk, to_org.pk]},
            note=f"组织关系转接（介绍信{letter_number}）：档案由{before.name}转入{to_org.name}"[:255],
            org_path=to_org.path,
        )
        moved.append(file)
    return moved


def files_follow_in_bulk(moves: list[tuple[int, int, date, str]]) -> None:
    """For bulk loaders (the demo's transfers): the open files of members who moved follow them,
    with the Move row `follow_member` writes, without per-file audit. ``moves``: (member id,
    receiving organization id, completion date, letter number)."""
    rows = []
    for member_id, to_org_id, on, letter_number in moves:
        for file in DevelopmentFile.objects.filter(member_id=member_id, status="open"):
            rows.append(
                Move(
                    file=file, from_org_id=file.organization_id, to_org_id=to_org_id, on=on, letter_number=letter_number
                )
            )
            DevelopmentFile.objects.filter(pk=file.pk).update(organization_id=to_org_id)
    Move.objects.bulk_create(rows)


def leave_county(actor, member: Member, *, on: date, letter_number: str, to_name: str) -> list:
    """The member's organizational relationship left the county (jiceng.transfers, on the
    receipt): an open file — a probationary member's — goes with the member to the receiving
    organization, which records the remaining steps there. Here it is closed as 随组织关系转出县外,
    with its steps kept, so no due list asks the old branch for steps it may no longer take.
    Runs inside the caller's transaction; the caller has checked the actor's side."""
    closed = []
    files = DevelopmentFile.objects.select_for_update(of=("self",)).filter(member=member, status=rules.OPEN)
    for file in files.select_related("organization"):
        state = replace(file_state(file), status=rules.TRANSFERRED, closed_on=on)
        file.close_reason = f"组织关系转出县外：{to_name}（介绍信{letter_number}）"[:200]
        _save_state(file, state)
        audit.record(
            actor,
            "update",
            file,
            changes={"status": [rules.OPEN, rules.TRANSFERRED]},
            note=file.close_reason,
            org_path=file.organization.path,
        )
        closed.append(file)
    return closed


# ---- closing and correcting ------------------------------------------------------------------


@transaction.atomic
def reject_file(actor, file: DevelopmentFile, *, on: date, reason: str, today: date | None = None) -> DevelopmentFile:
    """不予发展: close the file before admission; the file and its steps are kept."""
    require_manager(actor, file.organization)
    today = today or timezone.localdate()
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DevelopmentFile.Status.OPEN:
        raise ValidationError(f"该档案已结束（{file.get_status_display()}）")
    if file.last_step >= 17:
        raise ValidationError(
            "已批准为预备党员，不能“不予发展”；不具备党员条件的，应经支部大会讨论取消预备党员资格（第23步）"
        )
    if not reason.strip():
        raise ValidationError({"reason": "请填写不予发展的原因"})
    if on > today:
        raise ValidationError({"on": f"日期（{rules.fmt(on)}）不能晚于今天（{rules.fmt(today)}）"})
    if file.last_step_on and on < file.last_step_on:
        raise ValidationError({"on": f"日期不能早于最近一步的日期（{rules.fmt(file.last_step_on)}）"})
    state = replace(file_state(file), status=rules.REJECTED, closed_on=on)
    file.close_reason = reason.strip()[:200]
    _save_state(file, state)
    audit.record(actor, "update", file, changes={"status": ["open", "rejected"], "reason": file.close_reason})
    return file


@transaction.atomic
def revoke_last_step(actor, file: DevelopmentFile, *, reason: str) -> Step:
    """Undo a step recorded by mistake: it stays in the timeline, struck out with the reason."""
    require_manager(actor, file.organization)
    file = DevelopmentFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DevelopmentFile.Status.OPEN:
        raise ValidationError(f"该档案已结束（{file.get_status_display()}），不能撤销步骤")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    step = file.steps.filter(revoked_at=None).order_by("-id").first()
    if step is None or step.number == 1:
        raise ValidationError("第1步不能撤销；申请人撤回申请或不予发展的，请使用“不予发展”")
    if step.number in (17, 24):
        raise ValidationError(f"{step.label}已据此建立或变更党员档案，不能撤销；如有错误，请在党员名册中更正并记录原因")
    Step.objects.filter(pk=step.pk).update(
        revoked_at=timezone.now(), revoked_by=_user(actor), revoke_reason=reason[:200]
    )
    _save_state(file, file_state(file))
    audit.record(
        actor, "update", step, changes={"revoked": True}, note=f"撤销：{reason}"[:255], org_path=file.organization.path
    )
    step.refresh_from_db()
    return step


@transaction.atomic
def add_document(actor, file: DevelopmentFile, upload, *, title: str, step: Step | None = None) -> Document:
    require_manager(actor, file.organization)
    if step is not None and step.file_id != file.pk:
        raise PermissionDenied("步骤不属于该档案")
    return _add_document(actor, file, upload, title, step)


SETTINGS_FIELDS = ["idle_years", "due_soon_days"]


@transaction.atomic
def update_settings(actor, **values) -> DevelopmentSettings:
    require_county_admin(actor)
    config = DevelopmentSettings.for_update()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(name)
        setattr(config, name, value)
    if not 1 <= config.idle_years <= 10:
        raise ValidationError({"idle_years": "连续未发展年数应为1至10年"})
    if not 0 <= config.due_soon_days <= 90:
        raise ValidationError({"due_soon_days": "提前提醒天数应为0至90天"})
    config.save()
    root = getattr(actor, "organization", None)
    audit.record(
        actor,
        "update",
        config,
        changes=audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS)),
        org_path=root.path if root else "",
    )
    return config


# ---- deadlines after a change of the working-day calendar --------------------------------

DEADLINE_FIELDS = ("talk_due_on", "review_due_on", "approval_due_on", "approval_limit_on", "probation_due_on")


def refresh_deadlines(years) -> int:
    """Recompute the stored deadlines of open files after holidays or make-up working days of
    `years` changed (`core.calendar.calendar_changed`, connected in `apps.py`); runs in the
    calendar change's transaction. A deadline moves only if it falls on or after a changed day, so
    the files with a deadline on or after 1 January of the earliest year are folded again
    (`file_state`) and saved if anything changed. Closed files keep the deadlines they closed with.
    Returns how many files changed."""
    from django.db.models import Q

    if not years:
        return 0
    since = date(min(years), 1, 1)
    later = Q()
    for name in DEADLINE_FIELDS:
        later |= Q(**{f"{name}__gte": since})
    files = DevelopmentFile.objects.select_for_update().filter(later, status=DevelopmentFile.Status.OPEN)
    changed = 0
    for file in files.order_by("id"):
        state = file_state(file)
        before = {f.attname: getattr(file, f.attname) for f in DevelopmentFile._meta.concrete_fields}
        _store(file, state)
        fields = [name for name, value in before.items() if getattr(file, name) != value]
        if fields:
            file.revision = F("revision") + 1
            file.save(update_fields=[*fields, "revision", "updated_at"])
            changed += 1
    return changed
