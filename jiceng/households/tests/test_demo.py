"""The households demo, run on the test county (its two rural villages) at tiny scale: the rows it
writes behave like the services' (valid ID numbers, one head, pairs within the cap, history)."""

from __future__ import annotations

import pytest
import time_machine
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.demo.context import DemoContext
from jiceng.households import demo
from jiceng.households.models import Household, HouseholdMember, HouseholdsSettings, Pair, Visit
from jiceng.testing import client_for


@pytest.fixture(params=["2026-12-07 07:00 +0800", "2026-12-31 23:59 +0800"])
def generated(request, county):
    """At 07:00 the day's visits are still to come; on New Year's Eve the year is whole."""
    traveller = time_machine.travel(request.param, tick=False)
    traveller.start()
    request.addfinalizer(traveller.stop)
    ctx = DemoContext(
        seed=3,
        scale="tiny",
        today=timezone.localdate(),
        root=county.root,
        township=county.town_a,
        branch=county.branch_a,
        users={},
        say=lambda text: None,
    )
    return demo.generate(ctx)


def test_the_demo_writes_consistent_households(county, generated):
    assert generated["帮扶户"] == Household.objects.count() >= 6
    assert generated["家庭成员"] == HouseholdMember.objects.count()
    assert generated["走访记录"] == Visit.objects.count() > 0
    assert not Visit.objects.filter(pair__isnull=False).exclude(pair__household=F("household")).exists()
    # The village cadres' universal visits have no pair, and are the village's own.
    universal = Visit.objects.filter(pair__isnull=True)
    assert universal.exists() and not universal.exclude(cadre__organization=F("household__village")).exists()
    assert not Visit.objects.filter(visited_at__gt=timezone.now()).exists()
    heads = Household.objects.annotate(heads=Count("people", filter=Q(people__relation="head")))
    assert set(heads.values_list("heads", flat=True)) == {1}
    for person in HouseholdMember.objects.all()[:20]:
        info = idnumbers.parse(idnumbers.decrypt(person.id_number_encrypted))
        assert info.birth_date == person.birth_date and idnumbers.mask(info.number) == person.id_number_masked
    cap = HouseholdsSettings.current().pairs_per_cadre
    loads = Pair.objects.filter(ends_on__isnull=True).values("cadre").annotate(n=Count("pk"))
    assert max(load["n"] for load in loads) <= cap
    assert not Pair.objects.filter(ends_on__isnull=True).values("household").annotate(n=Count("pk")).filter(n__gt=1)
    assert any(
        h.other_causes and all(c in Household.Cause.values for c in h.other_causes) for h in Household.objects.all()
    )
    for household in Household.objects.all():
        steps = list(household.status_changes.order_by("on", "id").values_list("from_status", "to_status"))
        assert steps[0][0] == "" and steps[-1][1] == household.status


def test_the_demo_county_pages_show_it(county, generated):
    c = client_for(county.county_admin)
    page = c.get(reverse("households:coverage")).content.decode()
    assert "甲镇党委" in page and "乙乡党委" in page
    household = Household.objects.filter(village=county.village_a).first()
    assert household.head_name in c.get(reverse("households:detail", args=[household.pk])).content.decode()


def test_the_demo_has_a_few_relapse_flags_that_the_scan_agrees_with(county, generated):
    from jiceng.households import services
    from jiceng.households.models import HouseholdExpense, RelapseFlag, RelapseReview

    flags = RelapseFlag.objects.all()
    assert generated["返贫风险预警"] == flags.count() >= 2
    assert generated["突发支出"] == HouseholdExpense.objects.count() >= 1
    assert flags.filter(state="open").exists() and RelapseReview.objects.exists()
    assert not flags.filter(opened_at__gt=timezone.now()).exists()
    assert not HouseholdExpense.objects.filter(on__gt=timezone.localdate()).exists()
    assert not RelapseReview.objects.filter(reviewed_on__gt=timezone.localdate()).exists()
    assert not RelapseReview.objects.filter(recorded_at__gt=timezone.now()).exists()
    for flag in flags.filter(outcome="monitor"):
        assert flag.household.status == "monitored"
    # The demo wrote what the daily scan would open: running it opens nothing more.
    assert services.scan() == []


def test_demo_member_is_a_cadre_with_households(county):
    with time_machine.travel("2026-12-07 07:00 +0800", tick=False):
        ctx = DemoContext(
            seed=3,
            scale="tiny",
            today=timezone.localdate(),
            root=county.root,
            township=county.town_a,
            branch=county.branch_a,
            users={"demo-member": county.member_user},
            say=lambda text: None,
        )
        demo.generate(ctx)
        page = client_for(county.member_user).get(reverse("households:mine")).content.decode()
        from jiceng.accounts.models import User

        cadre_user = User.objects.get(username="demo-cadre")
        resident_page = client_for(cadre_user).get(reverse("households:mine")).content.decode()
    assert page.count("data-household=") >= 1 and "登记走访" in page
    # demo-cadre: a non-member cadre of the same township with a resident's account (ADR 0033).
    assert cadre_user.role == "resident" and cadre_user.member_id is None
    assert cadre_user.help_cadre.organization == county.town_a and cadre_user.help_cadre.member_id is None
    assert resident_page.count("data-household=") >= 1 and "登记走访" in resident_page
