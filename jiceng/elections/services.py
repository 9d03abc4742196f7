"""Every write to elections goes through here (and is audit-logged)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.models import CountySettings
from jiceng.core.scoping import require_level_above, require_manager
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import TERM_TYPES
from jiceng.orgs.services import update_organization

from . import rules
from .models import Election, Postponement, Seat

# Approving an election's start or a postponement is the level above's (core.scoping.require_level_above).
DECIDED_ABOVE = "换届选举事项由上级党组织审批，本组织不能审批自己的事项"


def village_level(org: Organization) -> bool:
    """Village and community organizations: rural or community ones right below a township
    committee (乡镇党委, itself below the county)."""
    parent = org.parent
    return bool(
        parent is not None and parent.type == "committee" and parent.depth >= 1 and org.domain in rules.VILLAGE_DOMAINS
    )


def default_term_end(org: Organization, start: date) -> date:
    config = CountySettings.current()
    return rules.term_for(org.type, village_level(org), start, config.committee_term_years, config.branch_term_years)


def _seat_members(org: Organization, seats: list[tuple[str, str, str]]) -> list[Seat]:
    """Link each elected person to a member record of the organization's subtree by name,
    where exactly one active member has that name."""
    names = {name for name, _, _ in seats}
    found: dict[str, list[int]] = {}
    for pk, name in Member.objects.filter(
        org.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES, name__in=names
    ).values_list("id", "name"):
        found.setdefault(name, []).append(pk)
    out = []
    for name, post, duty in seats:
        ids = found.get(name, [])
        out.append(Seat(name=name, post=post, duty=duty, member_id=ids[0] if len(ids) == 1 else None))
    return out


@transaction.atomic
def submit_election(
    actor,
    *,
    organization: Organization,
    held_on: date,
    kind: str,
    has_committee: bool,
    secretary_name: str,
    seats: list[tuple[str, str, str]],
    term_start: date | None = None,
    term_end: date | None = None,
    note: str = "",
) -> Election:
    """The organization reports its election; it takes effect when the level above approves."""
    require_manager(actor, organization)
    organization = Organization.objects.select_related("parent").get(pk=organization.pk)
    errors = {}
    if organization.type not in TERM_TYPES:
        errors["organization"] = f"{organization.get_type_display()}不进行换届选举"
    if held_on > timezone.localdate():
        errors["held_on"] = "选举日期不能晚于今天"
    if not secretary_name.strip():
        errors["secretary_name"] = "请填写书记"
    if kind == Election.Kind.BY_ELECTION and not organization.term_end:
        errors["kind"] = "补选须在现任期内进行，本组织没有任期记录"
    term_start = term_start or held_on
    if kind == Election.Kind.BY_ELECTION:
        # A by-election fills seats for the rest of the current term. It neither sets up nor
        # dissolves a committee (only a renewal does), so it keeps the organization's flag.
        term_start, term_end = held_on, organization.term_end
        has_committee = organization.has_committee
    term_end = term_end or default_term_end(organization, term_start)
    if term_end and term_end <= term_start:
        errors["term_end"] = "任期届满日期应晚于任期开始日期"
    if has_committee and kind == Election.Kind.RENEWAL and len(seats) < 3:
        # A by-election may fill a single seat.
        errors["seats"] = "选举产生委员会的，请填写全部委员（至少3人）"
    if errors:
        raise ValidationError(errors)
    election = Election.objects.create(
        organization=organization,
        held_on=held_on,
        kind=kind,
        has_committee=has_committee,
        secretary_name=secretary_name.strip(),
        term_start=term_start,
        term_end=term_end,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for seat in _seat_members(organization, seats):
        seat.election = election
        seat.save()
    audit.record(
        actor,
        "create",
        election,
        changes=audit.snapshot(election, ["held_on", "kind", "term_start", "term_end", "secretary_name"]),
    )
    return election


@transaction.atomic
def decide_election(actor, election: Election, *, approve: bool, note: str = "") -> Election:
    """The level above approves (the organization's committee, secretary and term follow, and an
    approved postponement is cleared) or rejects the election."""
    require_level_above(actor, election.organization, DECIDED_ABOVE)
    org = Organization.objects.get(pk=election.organization_id)
    updated = Election.objects.filter(pk=election.pk, state=Election.State.SUBMITTED).update(
        state=Election.State.APPROVED if approve else Election.State.REJECTED,
        had_committee_before=org.has_committee,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        decided_at=timezone.now(),
        decision_note=note[:200],
        revision=F("revision") + 1,
    )
    if not updated:
        raise ValidationError("该选举已批复")
    election.refresh_from_db()
    if approve:
        fields = {"secretary_name": election.secretary_name, "term_postponed_to": None}
        if election.kind == Election.Kind.RENEWAL:
            fields.update(
                has_committee=election.has_committee, term_start=election.term_start, term_end=election.term_end
            )
        update_organization(None, org, **fields)
        Postponement.objects.filter(organization=org, state=Postponement.State.SUBMITTED).update(
            state=Postponement.State.REJECTED, decision_note="已完成换届，申请作废", decided_at=timezone.now()
        )
    audit.record(actor, "update", election, changes={"state": ["submitted", election.state]}, note=note[:200])
    return election


@transaction.atomic
def request_postponement(actor, *, organization: Organization, new_due: date, reason: str) -> Postponement:
    require_manager(actor, organization)
    organization = Organization.objects.get(pk=organization.pk)
    errors = rules.postponement_errors(organization.term_end, new_due, timezone.localdate())
    if not reason.strip():
        errors["reason"] = "延期换届须写明理由"
    if Postponement.objects.filter(organization=organization, state=Postponement.State.SUBMITTED).exists():
        errors["organization"] = "已有待批复的延期申请"
    if errors:
        raise ValidationError(errors)
    p = Postponement.objects.create(
        organization=organization,
        term_end=organization.term_end,
        new_due=new_due,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor, "create", p, changes={"new_due": new_due, "reason": p.reason})
    return p


@transaction.atomic
def decide_postponement(actor, postponement: Postponement, *, approve: bool, note: str = "") -> Postponement:
    """Approval by the level above moves the term warnings to the new date (orgs.rules)."""
    require_level_above(actor, postponement.organization, DECIDED_ABOVE)
    updated = Postponement.objects.filter(pk=postponement.pk, state=Postponement.State.SUBMITTED).update(
        state=Postponement.State.APPROVED if approve else Postponement.State.REJECTED,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        decided_at=timezone.now(),
        decision_note=note[:200],
        revision=F("revision") + 1,
    )
    if not updated:
        raise ValidationError("该申请已批复")
    postponement.refresh_from_db()
    if approve:
        update_organization(None, postponement.organization, term_postponed_to=postponement.new_due)
    audit.record(actor, "update", postponement, changes={"state": ["submitted", postponement.state]}, note=note[:200])
    return postponement
