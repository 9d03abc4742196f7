"""Recording a step against the statute, with the file locked."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiceng.core import audit, idnumbers
from jiceng.core.scoping import require_manager
from jiceng.core.uploads import clean_document
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .. import rules
from ..models import DevelopmentFile, Step, StepPerson
from .common import PersonInput, _add_document, _errors, _person_facts, _save_state, _user, file_state

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
