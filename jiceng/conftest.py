"""Shared fixtures: a small county with two townships, and the three personas
(the right user, a user of a sibling township, an anonymous visitor)."""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from jiceng.orgs.models import Enterprise
from jiceng.orgs.services import create_organization
from jiceng.testing import (
    FAST_PASSWORD_HASHERS,
    MOVED_CLOCK_ENV,
    County,
    add_member,
    chromium_path,
    client_for,
    flush_past_the_audit_seal,
    make_user,
    parse_moved_now,
)

# --- Hypothesis: no timing in tests ----------------------------------------------------------------
# Speed is measured in bench/, never asserted by a test. Hypothesis's per-example deadline and its
# "input generation too slow" health check are timings: on a loaded machine (CI runs three suites
# side by side on two cores) they failed a pure rule test. Both are off for every property test.
hypothesis_settings.register_profile("jiceng", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("jiceng")


# --- The clock -----------------------------------------------------------------------------------
# Tests must not depend on the day they run. A test that means a date pins it with
# time_machine.travel(...); everything else must hold on any day. To prove it, the whole suite can
# run with the clock moved: JICENG_TEST_NOW="2026-12-31 23:59" pytest (or `pytest --now=2027-01-04`;
# write a time with T, 2026-12-31T23:59, on the command line: pytest reads an unknown option with a
# space as a path before it loads this file). Every test, with the fixtures its set-up builds,
# starts at that instant (Asia/Shanghai) and the clock ticks from there; a test's own travel nests
# inside. `make test` runs the PostgreSQL suite so; `make test-moved-clock MOVED_NOW=…` runs SQLite.
# (MOVED_CLOCK_ENV and parse_moved_now are in jiceng/testing.py.)
_moved_now = None


def pytest_addoption(parser):
    parser.addoption(
        "--now",
        default=os.environ.get(MOVED_CLOCK_ENV) or None,
        help='run every test with the clock moved to this instant, e.g. "2027-02-15" or "2026-12-31 23:59" '
        f"(Asia/Shanghai; also ${MOVED_CLOCK_ENV})",
    )


def pytest_configure(config):
    global _moved_now
    flush_past_the_audit_seal()
    text = config.getoption("--now", default=None)
    if not text:
        return
    import time_machine

    _moved_now = parse_moved_now(text)
    # From here on (collection, the session's database set-up and data migrations) the clock is moved.
    traveller = time_machine.travel(_moved_now, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    if _moved_now is not None:
        return f"clock moved: every test starts at {_moved_now.isoformat()} (Asia/Shanghai)"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With the clock moved, each test starts at the same instant, and so do the module- and
    session-wide fixtures its set-up builds (a long suite must not drift past midnight between a
    fixture and its tests)."""
    if _moved_now is None:
        yield
        return
    import time_machine

    with time_machine.travel(_moved_now, tick=True):
        yield


@pytest.fixture(autouse=True)
def _moved_clock_cookies(settings):
    """Cookies are session cookies when the clock is moved: the browser checks their expiry on its
    own, real clock."""
    if _moved_now is not None:
        settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
        settings.CSRF_COOKIE_AGE = None


def pytest_collection_modifyitems(items):
    """Tests that empty the database when they end (transactional_db, live_server) would take
    with them the rows that data migrations seed: the holiday calendar, the default activity
    types, the request categories. Serialized rollback restores them at the start of every such
    test. (pytest-django runs all plain `db` tests before the transactional ones, as Django does,
    so those never see an emptied database.)"""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is None:
            continue
        marker = item.get_closest_marker("django_db")
        transactional = "transactional_db" in names or "live_server" in names
        if marker is not None and marker.kwargs.get("transaction"):
            transactional = True
        if not transactional:
            continue
        if "django_db_serialized_rollback" not in names:
            names.append("django_db_serialized_rollback")
        if marker is not None and not marker.kwargs.get("serialized_rollback"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """No autovacuum on the PostgreSQL test database. Tests build a demo inside a transaction
    and roll it back; an autovacuum ANALYZE that runs meanwhile sees none of those rows and sets
    the tables' row counts to 0 (in place, for everyone), and the test's next statements are
    planned for empty tables: nested loops over 20,000 attendance rows per member, minutes per
    query (it stalled a CI run). Tests that need statistics run ANALYZE themselves, and the demo
    generator ends with one."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT format('ALTER TABLE %I.%I SET (autovacuum_enabled = off)', schemaname, tablename) "
                "FROM pg_tables WHERE schemaname = current_schema()"
            )
            for (statement,) in cursor.fetchall():
                cursor.execute(statement)
    yield


class _OneRequestAtATime:
    """What the live server needs on SQLite: its requests run one at a time, and a test can wait
    until none is running."""

    lock = threading.Lock()
    idle = threading.Condition()
    running = 0

    @classmethod
    def wait_until_idle(cls, timeout: float = 30) -> bool:
        with cls.idle:
            return cls.idle.wait_for(lambda: cls.running == 0, timeout=timeout)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():
    """On SQLite the test database lives in memory and the live server's threads all share the
    test's one connection; pages that load several cards at once (htmx) then deadlocked on it.
    So the application runs one request at a time, under a lock, its response read whole inside
    it. The server itself stays threaded: a server of one thread (what this was before) stalls on
    the connections Chromium opens ahead and may never use, and a page then never answered in CI.
    PostgreSQL keeps full concurrency, with a connection per thread."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    state = _OneRequestAtATime

    class OneRequestAtATime(ThreadedWSGIServer):
        def process_request(self, request, client_address):
            with state.idle:
                state.running += 1  # counted from the moment it is accepted
            super().process_request(request, client_address)

        def shutdown_request(self, request):
            try:
                super().shutdown_request(request)
            finally:
                with state.idle:
                    state.running -= 1
                    state.idle.notify_all()

        def set_app(self, application):
            def one_at_a_time(environ, start_response):
                with state.lock:
                    response = application(environ, start_response)
                    try:
                        return list(response)
                    finally:
                        if hasattr(response, "close"):
                            response.close()

            super().set_app(one_at_a_time)

    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATime
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(autouse=True)
def _browser_quiet_before_teardown(request):
    """A browser test may end while its pages still load cards (htmx) from the live server. The
    server is session-wide, so such a late request would run during the database flush of this
    test or inside the next test. After every browser test: close every page, send one request of
    our own (accepted after anything the pages sent), then wait until the server runs none (on
    SQLite, where it counts them)."""
    if "browser" not in request.fixturenames or "live_server" not in request.fixturenames:
        yield
        return
    # Set up the database and the server before this fixture, so this teardown runs first.
    request.getfixturevalue("transactional_db")
    server = request.getfixturevalue("live_server")
    yield
    browser = request.getfixturevalue("browser")
    for context in list(browser.contexts):
        context.close()
    import urllib.request

    try:
        urllib.request.urlopen(f"{server.url}/static/vendor/htmx.min.js", timeout=30).read()
    except OSError:
        pass
    _OneRequestAtATime.wait_until_idle()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, login slow-downs and cached figures live in Django's cache; each test starts
    with none of another test's counts."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 (the production hasher) takes about a second per user; tests need no such cost.
    jiceng/core/tests/test_settings.py checks that production still hashes with Argon2."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def county(db) -> County:
    root = create_organization(None, parent=None, code="T", name="测试县委", type="committee", domain="agency")
    town_a = create_organization(
        None, parent=root, code="TA", name="甲镇党委", short_name="甲镇", type="committee", domain="rural"
    )
    village_a = create_organization(
        None,
        parent=town_a,
        code="TA01",
        name="甲镇东村党总支",
        type="general_branch",
        domain="rural",
        term_end=date(2099, 1, 1),
    )
    branch_a = create_organization(
        None, parent=village_a, code="TA0101", name="东村第一党支部", type="branch", domain="rural", has_committee=False
    )
    group_a = create_organization(
        None, parent=branch_a, code="TA010101", name="东村一组党小组", type="group", domain="rural"
    )
    town_b = create_organization(
        None, parent=root, code="TB", name="乙乡党委", short_name="乙乡", type="committee", domain="rural"
    )
    branch_b = create_organization(
        None, parent=town_b, code="TB01", name="乙乡秘密村党支部", type="branch", domain="rural"
    )
    member_a = add_member(branch_a, "张三", phone="13800001234")
    add_member(
        branch_a,
        "李四",
        gender="female",
        birth=date(1995, 3, 2),
        join_date=date(2018, 7, 1),
        full_date=date(2019, 7, 1),
    )
    add_member(group_a, "王五", status="probationary", join_date=date(2026, 1, 10), full_date=None)
    member_b = add_member(branch_b, "赵秘密", phone="13900009999")
    enterprise_b = Enterprise.objects.create(name="乙乡秘密企业", kind="private_enterprise", township=town_b)
    member_user = make_user("member-a", branch_a, "member", member=member_a)
    return County(
        root=root,
        town_a=town_a,
        village_a=village_a,
        branch_a=branch_a,
        group_a=group_a,
        town_b=town_b,
        branch_b=branch_b,
        county_admin=make_user("county", root, "county_admin"),
        admin_a=make_user("admin-a", town_a, "township_admin"),
        admin_b=make_user("admin-b", town_b, "township_admin"),
        secretary_a=make_user("secretary-a", branch_a, "branch_secretary"),
        member_user=member_user,
        member_a=member_a,
        member_b=member_b,
        enterprise_b=enterprise_b,
    )


@pytest.fixture
def client_as():
    return client_for


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("JICENG_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for browser tests (JICENG_REQUIRE_BROWSER) but was not found")
        pytest.skip("SKIPPED browser test: Debian's chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Once Playwright's sync API runs, the main thread has a running event loop and Django keeps
    # its connections per context instead of per thread: the test code would get fresh
    # connection objects, without the serialized seed rows and, on SQLite, a second connection
    # to the shared in-memory database (table locks against the live server). Keep the same ones.
    current = {alias: connections[alias] for alias in connections}
    with sync_playwright() as p:
        for alias, connection in current.items():
            connections[alias] = connection
        b = p.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()
