"""The demo county's development files: every stage, some overdue, all of them by the rules."""

from collections import Counter
from datetime import date

import pytest

from jiceng.accounts.models import User
from jiceng.core.calendar import working_day_roller
from jiceng.demo.testing import tiny_demo
from jiceng.development import queries, rules, services
from jiceng.development.models import DevelopmentFile
from jiceng.members.models import Member


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            result = tiny_demo(3, password="demo-test-2468")
            yield result
            transaction.set_rollback(True)


def demo_day(demo) -> date:
    """The day the demo was generated for: the module's fixture may be built on another day than
    a test runs (a run across midnight, or a moved clock that every test starts afresh)."""
    return date.fromisoformat(demo["today"])


def status_on(member, day) -> str:
    """The member's status on `day` as the services read it: a sponsor who has since moved away
    (transferred, in transit) was still a full member when the step was taken."""
    history = [(c.on, c.from_status, c.to_status) for c in member.status_changes.order_by("on", "id")]
    return rules.status_on(history, day, member.status)


def replay(file: DevelopmentFile, today):
    """Run every recorded step through the statute again, with the people as they were recorded."""
    state = rules.FileState(birth_date=file.birth_date, roll=working_day_roller())
    for step in file.steps.order_by("id").prefetch_related("people__member"):
        people = tuple(
            rules.Person(p.role, p.name, p.member_id, status_on(p.member, step.on), p.member.full_date)
            if p.member_id
            else rules.Person(p.role, p.name)
            for p in step.people.all()
        )
        fact = rules.StepFact(**{**step.fact.__dict__, "people": people})
        assert rules.check_step(state, fact, today) == [], (file.name, step.number, step.on)
        state = rules.apply(state, fact)
    return state


@pytest.mark.django_db
def test_every_file_follows_the_rules_and_agrees_with_its_member(demo):
    today = demo_day(demo)
    files = list(DevelopmentFile.objects.select_related("member", "organization"))
    assert len(files) >= 30
    for file in files:
        state = replay(file, today)
        stored = services.file_state(file)
        assert (stored.last_step, stored.stage, stored.probation_end_on) == (
            file.last_step,
            file.stage,
            file.probation_end_on,
        )
        assert state.last_step == file.last_step
        assert file.organization.type in services.DEVELOPING_TYPES
        if file.last_step >= 17 or file.status == rules.CANCELLED:
            assert file.member is not None and file.member.join_date == file.vote_on
        else:
            assert file.member is None
        status = file.member and status_before_transit(file.member)
        if file.status == rules.COMPLETED:
            assert status == "full" and file.member.full_date == file.full_on
        if file.status == rules.CANCELLED:
            assert status == "removed" and file.member.removal_reason == "probation_cancelled"
        if file.status == rules.OPEN and file.last_step >= 17:
            assert status == "probationary"
    # The county's member figures are the generator's: no active member was added.
    # (Members the transfers demo put in transit are counted by neither side.)
    counted = Member.objects.filter(status__in=[*Member.ACTIVE_STATUSES, "in_transit"]).count()
    assert demo["members"] == counted


@pytest.mark.django_db
def test_people_at_every_stage_and_some_overdue(demo):
    today = demo_day(demo)
    stages = Counter(DevelopmentFile.objects.filter(status="open").values_list("stage", flat=True))
    assert set(stages) == {1, 2, 3, 4, 5}, stages
    statuses = set(DevelopmentFile.objects.values_list("status", flat=True))
    assert statuses == {"open", "completed", "rejected", "cancelled"}
    county = User.objects.get(username="demo-county")
    items = queries.due_items(county, county.organization, today, 15)
    overdue = Counter(i.kind for i in items if i.is_overdue)
    assert overdue["talk"] and overdue["review"] and overdue["approval"]
    branch = User.objects.get(username="demo-branch")
    mine = DevelopmentFile.objects.filter(organization=branch.organization)
    assert {1, 2, 3, 4}.issubset(set(mine.filter(status="open").values_list("stage", flat=True)))
    assert mine.filter(stage=5).exists() and mine.filter(status="rejected").exists()
    assert any(i.is_overdue for i in queries.due_items(branch, branch.organization, today, 15))


def status_before_transit(member) -> str:
    """The transfers demo may put any member in transit; the file is about the status behind it."""
    if member.status != "in_transit":
        return member.status
    from jiceng.transfers.models import Transfer

    return Transfer.objects.filter(member=member).order_by("-id").values_list("member_status", flat=True).first()
