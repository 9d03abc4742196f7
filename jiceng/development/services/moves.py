"""Files follow their members on a transfer or when they leave the county."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.db.models import F

from jiceng.core import audit
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .. import rules
from ..models import DevelopmentFile, Move
from .common import _save_state, _user, file_state

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
