"""The absence notice and the demerit it brings (`check_absences`), and who is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.notifications import managers_of, notify
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import OrganizationDemerit


@dataclass
class CheckOutcome:
    demerits: int = 0
    notices: int = 0
    withdrawn: int = 0
    reinstated: int = 0

    def __str__(self) -> str:
        return f"新记扣分 {self.demerits}，新发通报 {self.notices}，撤销 {self.withdrawn}，恢复 {self.reinstated}"


def responsible_organization(org: Organization) -> Organization:
    """Party groups are not rated on their own: their branch answers for them."""
    if org.type == Organization.Type.GROUP and org.parent_id:
        return org.parent
    return org


def notice_recipients(org: Organization):
    """The organization's managers; where it has none on record, the nearest level above."""
    paths = [org.path[:end] for end in range(len(org.path), 0, -4)]
    for path in paths:
        target = org if path == org.path else Organization.objects.filter(path=path).first()
        if target is None:
            continue
        users = list(managers_of(target))
        if users:
            return users
    return []


def _notice_text(member: Member, year: int, count: int, rule_set: rules.RuleSet, org: Organization) -> tuple[str, str]:
    what = "无故缺课" + ("（含迟到早退折算）" if rule_set.lateness_counts_toward_notice else "")
    title = f"培训通报：{member.name} {year}年{what} {count} 次"
    body = (
        f"{org.name}党员 {member.name} 在 {year} 年参加教育培训{what} {count} 次，"
        f"超过县里规定的 {rule_set.absence_limit} 次。依据{rules.SOURCE_NOTE}"
        f"（一年内无故缺课超过 {rule_set.absence_limit} 次的，通报所在党组织，并计入党组织星级评定），"
        f"特此通报，请督促整改。"
    )
    return title, body


def check_absences(year: int, member_ids: list[int] | None = None, now: datetime | None = None) -> CheckOutcome:
    """Bring notices and demerits in line with the attendance on record for `year`.

    For each person over the limit: one demerit against their organization and one notice
    to its managers (key per person and year), however often this runs. A demerit whose
    person is back within the limit (after a correction) is withdrawn; it is restored,
    without a second notice, if the count goes over again.
    """
    now = now or timezone.now()
    rule_set = queries.current_settings()
    outcome = CheckOutcome()
    tallies = queries.absence_tallies(year, member_ids)
    over = {mid: t for mid, t in tallies.items() if rules.notice_due(t.unexcused, t.lateness, rule_set)}
    demerits = OrganizationDemerit.objects.filter(source=OrganizationDemerit.Source.TRAINING_ABSENCE, year=year)
    if member_ids is not None:
        demerits = demerits.filter(member_id__in=member_ids)
    existing = {d.member_id: d for d in demerits.select_related("organization")}
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(over)).select_related("organization")}
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(pk__in={t.organization_id for t in over.values()}).select_related("parent")
    }
    for mid, tally in over.items():
        count = rules.notice_count(tally.unexcused, tally.lateness, rule_set)
        member = members[mid]
        demerit = existing.get(mid)
        if demerit is None:
            org = responsible_organization(orgs[tally.organization_id])
            _, body = _notice_text(member, year, count, rule_set, org)
            try:
                with transaction.atomic():
                    demerit = OrganizationDemerit.objects.create(
                        organization=org, year=year, member=member, count=count, reason=body[:300]
                    )
            except IntegrityError:  # a concurrent check recorded it first
                demerit = OrganizationDemerit.objects.select_related("organization").get(
                    source=OrganizationDemerit.Source.TRAINING_ABSENCE, member=member, year=year
                )
            else:
                outcome.demerits += 1
                audit.record(None, "create", demerit, changes={"member": mid, "year": year, "count": count})
        elif demerit.withdrawn_at is not None:
            OrganizationDemerit.objects.filter(pk=demerit.pk).update(
                withdrawn_at=None, withdrawn_reason="", count=count
            )
            outcome.reinstated += 1
            audit.record(None, "update", demerit, changes={"withdrawn_at": [str(demerit.withdrawn_at), None]})
        title, body = _notice_text(member, year, count, rule_set, demerit.organization)
        url = reverse("training:card", args=[mid]) + f"?year={year}"
        for user in notice_recipients(demerit.organization):
            _, new = notify(
                user,
                kind="training_absence",
                title=title,
                body=body,
                key=f"training:absence:{year}:member{mid}",
                url=url,
                org_path=demerit.organization.path,
            )
            outcome.notices += new
    for mid, demerit in existing.items():
        if mid in over or demerit.withdrawn_at is not None:
            continue
        tally = tallies.get(mid)
        count = rules.notice_count(tally.unexcused, tally.lateness, rule_set) if tally else 0
        reason = f"出勤记录更正后为 {count} 次，未超过 {rule_set.absence_limit} 次"
        OrganizationDemerit.objects.filter(pk=demerit.pk, withdrawn_at=None).update(
            withdrawn_at=now, withdrawn_reason=reason
        )
        outcome.withdrawn += 1
        audit.record(None, "update", demerit, changes={"withdrawn": [False, True]}, note=reason)
    return outcome
