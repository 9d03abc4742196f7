"""What the development services share: the people named on a step, the refusal with the rules it
cites, folding a file's state from its steps, and storing documents."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import File
from django.db.models import F

from jiceng.core import audit
from jiceng.core.calendar import working_day_roller
from jiceng.core.scoping import visible
from jiceng.core.uploads import clean_document
from jiceng.members.models import Member, StatusChange
from jiceng.orgs.models import Organization

from .. import rules
from ..models import DevelopmentFile, Document, Step

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


def store_state(file: DevelopmentFile, state: rules.FileState) -> None:
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
    store_state(file, state)
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
