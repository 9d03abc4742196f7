"""The demo county generator, run at the "tiny" scale (two townships, a few hundred members):
one county generated for the whole module."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.demo.testing import tiny_demo
from jiceng.members import rules as member_rules
from jiceng.members.models import LeadHousehold, Member, StatusChange
from jiceng.orgs import rules
from jiceng.orgs.models import Enterprise, Organization
from jiceng.orgs.queries import warning_totals, warnings_in
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

PASSWORD = "demo-test-2468"


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker) -> dict:
    """One tiny county for the module (jiceng.testing.kept_for_the_module); the tests that need
    an empty database are in test_demo_seed.py."""
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password=PASSWORD)


def test_counts_and_tree(tiny):
    orgs = list(Organization.objects.all())
    assert tiny["organizations"] == len(orgs)
    assert tiny["townships"] == 2
    assert 200 <= tiny["members"] <= 1500
    # Apps' demo data may put members in transit (组织关系转接): counted by neither side, never lost.
    assert (
        tiny["members"] == Member.objects.filter(status__in=(*Member.ACTIVE_STATUSES, Member.Status.IN_TRANSIT)).count()
    )
    by_id = {o.id: o for o in orgs}
    roots = [o for o in orgs if o.parent_id is None]
    assert len(roots) == 1 and roots[0].code == "C" and roots[0].path == "0001"
    for org in orgs:
        assert org.code.isalnum() and len(org.code) <= 32
        if org.parent_id:
            parent = by_id[org.parent_id]
            assert org.code.startswith(parent.code) and len(org.code) == len(parent.code) + 2
            assert org.path.startswith(parent.path) and len(org.path) == len(parent.path) + rules.SEGMENT
            assert org.depth == parent.depth + 1
            assert parent.type != Organization.Type.GROUP
        if org.type in rules.TERM_TYPES:
            assert org.term_start and org.term_end > org.term_start
    assert any(o.type == Organization.Type.GROUP for o in orgs)
    assert {o.name for o in orgs if o.depth == 1} >= {"城关镇党委", "城东街道党工委"}


def test_id_numbers_are_valid_and_consistent(tiny):
    today = timezone.localdate()
    numbers = set()
    for member in Member.objects.all():
        number = idnumbers.decrypt(member.id_number_encrypted)
        info = idnumbers.parse(number)
        assert info.birth_date == member.birth_date
        assert info.gender == member.gender
        assert member.id_number_masked == idnumbers.mask(number)
        assert member.id_number_digest == idnumbers.digest(number)
        numbers.add(number)
        assert 18 <= member_rules.age_on(member.birth_date, today) <= 95
        errors = member_rules.record_errors(
            status=member.status,
            birth_date=member.birth_date,
            join_date=member.join_date,
            full_date=member.full_date,
            today=today,
        )
        assert errors == {}, (member.name, errors)
        assert member.name_pinyin and member.name_initials
        assert member.phone == "" or (len(member.phone) == 11 and member.phone[:2] in {"13", "15", "18"})
    assert len(numbers) == Member.objects.count()


def test_status_history_and_households(tiny):
    members = Member.objects.count()
    # One creation row per member; apps' demo data (e.g. transfers) may add later rows, and the
    # last row always matches the member's status.
    assert StatusChange.objects.filter(from_status="").count() == members
    for member in Member.objects.prefetch_related("status_changes"):
        history = list(member.status_changes.all())
        assert history[0].from_status == "" and history[0].on >= member.join_date
        assert history[-1].to_status == member.status
    assert Member.objects.filter(status=Member.Status.PROBATIONARY, full_date__isnull=True).exists()
    leads = LeadHousehold.objects.select_related("member__organization")
    assert leads.exists()
    for lead in leads:
        assert 3 <= lead.households <= 10
        assert lead.member.organization.domain in {"rural", "community"}


def test_enterprises_cover_some(tiny):
    enterprises = list(Enterprise.objects.select_related("party_organization", "township"))
    assert {e.kind for e in enterprises} == {"private_enterprise", "social_org"}
    covered = [e for e in enterprises if e.party_organization_id]
    assert covered
    for e in covered:
        assert e.party_organization.domain == e.kind
        assert e.party_organization.type in rules.BRANCH_TYPES
    assert any(not e.party_organization_id for e in enterprises)
    for e in enterprises:
        assert e.township.depth == 1 and len(e.credit_code) == 18


def test_structure_warnings_exist(tiny):
    root = Organization.objects.get(parent__isnull=True)
    totals = warning_totals(warnings_in(Organization.objects.all(), root.path, timezone.localdate()))
    assert totals[rules.FEW_FULL] >= 1
    assert totals[rules.NO_COMMITTEE] >= 1
    assert totals[rules.SUGGEST_GENERAL_BRANCH] >= 1
    assert totals[rules.TERM_EXPIRED] >= 1
    assert totals[rules.TERM_EXPIRING] >= 1
    # The command screen counts the same from plain columns, for the county and a township, on any day.
    from datetime import date

    from jiceng.orgs.queries import warning_totals_in

    township = Organization.objects.filter(parent=root).order_by("path").first()
    for day in (timezone.localdate(), date(2027, 1, 4), date(2029, 6, 30)):
        for org in (root, township):
            orgs = Organization.objects.filter(path__gte=org.path, path__lt=org.path_end)
            assert warning_totals_in(orgs, org.path, day) == warning_totals(warnings_in(orgs, org.path, day))


def test_demo_accounts(tiny):
    User = get_user_model()
    users = {u.username: u for u in User.objects.select_related("organization", "member")}
    # Apps add their own demo accounts (e.g. requests' demo-department); these four are the generator's.
    assert {"demo-county", "demo-township", "demo-branch", "demo-member"} <= set(users)
    root = Organization.objects.get(parent__isnull=True)
    first_township = Organization.objects.filter(depth=1, name__endswith="镇党委").order_by("path").first()
    county, township, branch, member = (
        users[name] for name in ("demo-county", "demo-township", "demo-branch", "demo-member")
    )
    assert county.role == User.Role.COUNTY_ADMIN and county.organization == root
    assert township.role == User.Role.TOWNSHIP_ADMIN and township.organization == first_township
    assert township.organization.path == min(
        Organization.objects.filter(parent=root, type="committee", domain__in=["rural", "community"]).values_list(
            "path", flat=True
        )
    )
    assert branch.role == User.Role.BRANCH_SECRETARY and branch.organization.type == Organization.Type.BRANCH
    assert branch.organization.path.startswith(first_township.path)
    active = Member.objects.filter(
        organization__path__startswith=branch.organization.path, status__in=Member.ACTIVE_STATUSES
    )
    assert active.count() >= 3
    assert member.role == User.Role.MEMBER and member.organization == branch.organization
    assert member.member.organization == branch.organization
    assert branch.organization.secretary_name == branch.display_name
    for user in users.values():
        assert user.display_name and user.check_password(PASSWORD) and user.is_active
        client = Client()
        client.force_login(user)
        assert client.session["_auth_user_id"] == str(user.pk)


def test_command_refuses_or_skips_when_not_empty(tiny):
    out = StringIO()
    call_command("demo_county", "--seed", "3", "--if-empty", stdout=out)
    assert "数据库已有数据，跳过演示县生成" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("demo_county", "--seed", "3", stdout=StringIO())
    assert Organization.objects.count() == tiny["organizations"]
