"""What the command screen reads at province scale (docs/performance.md, "The province screen"):
the structure and term warnings counted in one SQL statement, equal to the statute's rules in
Python on the demo county with every warning kind present; the member tallies read once for the
screen, its members per child and the care and transfer cards; no roll-up of the organizations in
Python."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.core.scoping import path_q, visible
from jiceng.dashboard.queries import command_screen
from jiceng.demo.testing import tiny_demo
from jiceng.members.models import Member
from jiceng.orgs import queries as org_queries
from jiceng.orgs import rules as org_rules
from jiceng.orgs.models import Organization
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

PERSONAS = ["demo-county", "demo-township", "demo-branch"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One tiny demo county for the module (jiceng.testing.kept_for_the_module)."""
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password="demo-test-2468")


def every_kind_present(root: Organization, today) -> None:
    """Give the demo every warning kind: it has no approved postponement, and its branches are
    smaller than 100 members. Term dates on each side of the rule's edges, and a township's
    committee recorded as a general branch (hundreds of members: 「可设基层党委」)."""
    day = timedelta(days=1)
    lead = org_rules.add_months(today, 3)
    cases = [
        (today - 30 * day, None),  # expired
        (today + 30 * day, None),  # expiring within the lead time
        (lead + day, None),  # beyond the lead time: nothing
        (today - 30 * day, today + 60 * day),  # postponed, still running
        (today - 200 * day, today - 10 * day),  # the postponement has passed: expired
        (today - 30 * day, today - 60 * day),  # "postponed" to before the term's end: not a postponement
        (today + 30 * day, today + 90 * day),  # postponed before the term ended
    ]
    orgs = Organization.objects.filter(root.subtree_filter(), type__in=org_rules.TERM_TYPES).order_by("path")
    for org, (term_end, postponed_to) in zip(orgs[: len(cases)], cases, strict=True):
        Organization.objects.filter(pk=org.pk).update(term_end=term_end, term_postponed_to=postponed_to)
    town = Organization.objects.filter(parent=root, type="committee").order_by("path").first()
    Organization.objects.filter(pk=town.pk).update(type="general_branch")


def test_the_screens_warnings_equal_the_rules_on_the_demo_county(demo):
    today = timezone.localdate()
    county = User.objects.get(username="demo-county").organization
    every_kind_present(county, today)
    reference = org_queries.warning_totals_in(
        Organization.objects.filter(path_q("path", county.path)), county.path, today
    )
    assert all(reference[code] > 0 for code in org_rules.WARNING_LABELS), reference
    for username in PERSONAS:
        user = User.objects.get(username=username)
        # The persona's own screen and the screen of every committee and general branch it sees.
        roots = visible(user, Organization.objects.filter(type__in=["committee", "general_branch"]))
        for root in [user.organization, *roots]:
            orgs = visible(user, Organization.objects.all()).filter(path_q("path", root.path))
            want = org_queries.warning_totals_in(orgs, root.path, today)
            assert org_queries.warning_totals_sql(orgs, root.path, today) == want, (username, root.name)
            screen = command_screen(user, root, today)
            shown = {f.label: f.value for f in screen["structure_warnings"] + screen["term_warnings"]}
            assert shown == {org_rules.WARNING_LABELS[code]: n for code, n in want.items()}, (username, root.name)


def test_the_screen_reads_the_tally_once_and_rolls_nothing_up_in_python(demo, monkeypatch):
    """GET / reads the member tallies in two statements: the figures (the screen's totals and
    the care and transfer cards' counts, one read) and the members per child. The warnings load
    after the page (`dashboard:warnings`) in one statement over the tallies, and no organization
    is read into Python for them."""

    def refused(*args, **kwargs):
        raise AssertionError("the command screen rolled up subtree counts in Python")

    monkeypatch.setattr(org_queries, "subtree_counts", refused)
    monkeypatch.setattr(org_queries, "warning_totals_in", refused)
    user = User.objects.get(username="demo-county")
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    over_tally = [q["sql"] for q in captured.captured_queries if "members_membertally" in q["sql"]]
    assert len(over_tally) == 2, over_tally
    card_url = f"/dashboard/warnings/?org={user.organization_id}"
    assert f'hx-get="{card_url}"' in response.content.decode()
    with CaptureQueriesContext(connection) as captured:
        card = client.get(card_url)
    assert card.status_code == 200
    over_tally = [q["sql"] for q in captured.captured_queries if "members_membertally" in q["sql"]]
    assert len(over_tally) == 1, over_tally
    assert len(captured.captured_queries) <= 10  # session, user, menu and notices, the root, settings, widths, warnings
    # No statement returns a row per organization of the county.
    assert not any(
        'SELECT "orgs_organization"."id", "orgs_organization"."type"' in q["sql"] for q in captured.captured_queries
    )


def test_the_warnings_card_shows_the_screens_warnings_and_is_for_staff(demo):
    today = timezone.localdate()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        html = client.get(f"/dashboard/warnings/?org={user.organization_id}").content.decode()
        screen = command_screen(user, user.organization, today)
        for figure in screen["structure_warnings"] + screen["term_warnings"]:
            assert f'href="{figure.url}" data-count="{figure.value}"' in html.replace("&amp;", "&"), figure
    member = Client()
    member.force_login(User.objects.get(username="demo-member"))
    assert member.get("/dashboard/warnings/").status_code == 403


def test_the_whole_tree_reads_without_the_path_join_and_shows_the_same(demo, monkeypatch):
    """At the top of the only tree the figures and the age bands skip the organizations' path
    (`subtree_is_everything`); the screen is the same as through the path range."""
    user = User.objects.get(username="demo-county")
    today = timezone.localdate()
    assert org_queries.subtree_is_everything(user.organization.path)
    town = Organization.objects.filter(parent=user.organization).first()
    assert not org_queries.subtree_is_everything(town.path)
    with CaptureQueriesContext(connection) as captured:
        fast = command_screen(user, user.organization, today)
    # The age bands' and the figures' statements (the members per child and the warnings group
    # by the organizations' paths and keep the join).
    bands = " ".join(q["sql"] for q in captured.captured_queries if "birth_date" in q["sql"])
    (figures,) = [
        q["sql"] for q in captured.captured_queries if '"members_membertally"."dimension" AS "dimension"' in q["sql"]
    ]
    assert "orgs_organization" not in bands + figures
    monkeypatch.setattr(org_queries, "subtree_is_everything", lambda path: False)
    assert command_screen(user, user.organization, today) == fast


def test_the_cards_show_what_they_show_when_read_alone(demo):
    """The care and transfer cards answered from the screen's read show the figures they
    compute on their own (outside the screen's shared read)."""
    from jiceng.transfers.queries import care_figures, transit_figures

    user = User.objects.get(username="demo-county")
    root = user.organization
    today = timezone.localdate()
    client = Client()
    client.force_login(user)
    response = client.get("/")
    panels = {p.template: p.context for p in response.context["panels"]}
    assert panels["transfers/panels/care.html"]["care"] == care_figures(root.path, today)
    alone = transit_figures(root.path, today, user)
    shown = panels["transfers/panels/transit.html"]["figures"]
    assert (shown.counted, shown.in_transit) == (alone.counted, alone.in_transit)
    active = Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
    assert response.context["member_total"] == shown.counted == active.count()
