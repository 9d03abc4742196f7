"""Copying a generated county in SQL (how the demo builds a city and a province): the copies
are whole (every owned table), connected (foreign keys move with them), unique where they must
be, scoped (a copy's accounts see their copy only) and give the same figures as the original."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from jiceng.dashboard.queries import command_screen
from jiceng.demo import replicate as replicate_module
from jiceng.demo.replicate import ReplicationError, Target, owned_tables, replicate
from jiceng.demo.testing import tiny_demo
from jiceng.dues import queries as dues_queries
from jiceng.dues.testing import at
from jiceng.life import queries as life_queries
from jiceng.life import rules as life_rules
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.requests.models import Request
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for table in owned_tables():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            out[table] = cursor.fetchone()[0]
        return out


@pytest.fixture(scope="module")
def two_copies(django_db_setup, django_db_blocker):
    """A tiny county and two copies, built once for the module's tests."""
    with kept_for_the_module(django_db_blocker):
        with at(2026, 11, 25):
            tiny_demo(3, password="demo-test-2468")
        source = Organization.objects.get(parent__isnull=True)
        before = _counts()
        targets = [Target(None, path, f"X{n}", f"复制{n}县委", f"复制{n}县") for n, path in ((2, "0002"), (3, "0003"))]
        replicate(source, targets)
        yield source, before


def test_every_owned_row_is_copied_once_per_target(two_copies):
    _, before = two_copies
    after = _counts()
    users = get_user_model()._meta.db_table
    for table, n in before.items():
        if table in (users, "core_notification"):
            assert n < after[table] <= 3 * n, table  # superusers and their notifications stay single
        else:
            assert after[table] == 3 * n, table
    assert before["life_attendance"] > 0 and before["requests_request"] > 0 and before["dues_duespayment"] > 0


def test_the_copies_are_connected_and_named(two_copies):
    source, _ = two_copies
    roots = list(Organization.objects.filter(parent__isnull=True).order_by("path"))
    assert [(o.path, o.code, o.name) for o in roots] == [
        (source.path, source.code, source.name),
        ("0002", "X2", "复制2县委"),
        ("0003", "X3", "复制3县委"),
    ]
    for root in roots:
        subtree = Organization.objects.filter(root.subtree_filter())
        assert subtree.count() == Organization.objects.filter(source.subtree_filter()).count()
        # Every organization's parent is in its own copy, one level up.
        for org in subtree.exclude(pk=root.pk).select_related("parent"):
            assert org.parent.path == org.path[:-4] and org.depth == org.parent.depth + 1
        # Members, their records and the requests stay inside their copy.
        assert (
            not Member.objects.filter(organization__in=subtree).exclude(root.subtree_filter("organization__")).exists()
        )
        assert (
            not Request.objects.filter(organization__in=subtree).exclude(root.subtree_filter("organization__")).exists()
        )
    tickets = Request.objects.values_list("ticket", flat=True)
    assert (
        len(set(tickets)) == len(tickets) == 3 * Request.objects.filter(source.subtree_filter("organization__")).count()
    )


def test_the_copies_give_the_same_figures(two_copies):
    source, _ = two_copies
    admin = get_user_model().objects.create_superuser("root-admin", password="x-demo-2468")

    def figures(root):
        screen = command_screen(admin, root, TODAY)
        quarter = life_rules.Period(date(2026, 7, 1), date(2026, 9, 30))
        rows, _ = life_queries.compliance_table(root, quarter, TODAY)
        members = Member.objects.filter(root.subtree_filter("organization__"))
        year = dues_queries.year_completion(
            members, 2026, TODAY, dues_queries.ledger_start(), unit_width=len(root.path) + 4
        )
        return {
            "screen": {
                k: [(f.label, f.value) for f in v] if isinstance(v, list) else getattr(v, "value", v)
                for k, v in screen.items()
                if k != "root"
            },
            "life": [(r.org.name, r.done, r.judged, r.orgs_missing) for r in rows],
            "dues": sorted((k[len(root.path) :], c.due, c.paid, c.credited_amount) for k, c in year.items()),
            "requests": Request.objects.filter(root.subtree_filter("organization__")).count(),
        }

    original = figures(source)
    assert original["screen"]["member_total"] > 100 and original["life"] and original["dues"]
    for path in ("0002", "0003"):
        assert figures(Organization.objects.get(path=path)) == original


def test_a_copy_s_accounts_see_their_copy_only(two_copies, client):
    source, _ = two_copies
    user = get_user_model().objects.get(username="demo-township-02")
    assert user.organization.path.startswith("0002")
    original = get_user_model().objects.get(username="demo-township")
    assert user.organization.name == original.organization.name
    client.force_login(user)
    own = client.get(f"/orgs/{user.organization.pk}/")
    assert own.status_code == 200 and own.context["org"] == user.organization  # the copy, not the original
    assert user.organization.name in own.content.decode()
    assert client.get(f"/orgs/{original.organization.pk}/").status_code == 404
    response = client.get("/members/")
    assert response.status_code == 200
    assert (
        response.context["page_obj"].paginator.count
        == Member.objects.filter(user.organization.subtree_filter("organization__")).count()
    )


def test_a_unique_column_without_a_rule_stops_the_copy(two_copies, monkeypatch):
    source, _ = two_copies
    rules = dict(replicate_module.UNIQUE)
    del rules[("requests_request", "ticket")]
    monkeypatch.setattr(replicate_module, "UNIQUE", rules)
    count = Organization.objects.count()
    with pytest.raises(ReplicationError, match="requests_request.ticket"):
        replicate(source, [Target(None, "0004", "X4", "复制4县委", "复制4县")])
    assert Organization.objects.count() == count
