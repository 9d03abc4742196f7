import pytest
from django.db import connection

import jiceng.settings as production


def test_production_hashes_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_member_scope_hides_other_members_records(db):
    from datetime import date

    from jiceng.accounts.models import User
    from jiceng.core.scoping import visible
    from jiceng.members.models import StatusChange
    from jiceng.orgs.services import create_organization
    from jiceng.testing import add_member

    root = create_organization(None, parent=None, code="X", name="县委", type="committee", domain="agency")
    branch = create_organization(None, parent=root, code="X1", name="支部", type="branch", domain="rural")
    me = add_member(branch, "甲", birth=date(1980, 1, 1))
    add_member(branch, "乙", birth=date(1981, 1, 1))
    user = User.objects.create_user("m", password="x-pass-123", organization=branch, role="member", member=me)
    assert list(visible(user, StatusChange.objects.all()).values_list("member__name", flat=True)) == ["甲"]
    secretary = User.objects.create_user("s", password="x-pass-123", organization=branch, role="branch_secretary")
    assert visible(secretary, StatusChange.objects.all()).count() == 2


def test_postgresql_connections_run_without_jit(db):
    """JIT compiled the city-wide aggregates for 1–2 s before running them (docs/performance.md);
    Jiceng's connections switch it off unless JICENG_PG_JIT=1."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_postgresql_connections_sort_a_city_in_memory(db):
    """With the server's default work_mem (4 MB) a city's per-township dues figures spilled their
    sorts to disk (docs/performance.md); Jiceng's connections ask for 32 MB unless told otherwise."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    import os

    wanted = os.environ.get("JICENG_PG_WORK_MEM", "32MB")
    if not wanted:
        pytest.skip("JICENG_PG_WORK_MEM is empty: the server's setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == wanted
