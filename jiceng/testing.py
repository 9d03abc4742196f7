"""Builders and helpers for the tests of every app (plain, importable code; fixtures and pytest
hooks stay in the conftest modules, which import from here).

An app's own builders (the dues ledger, the development walk, the request desk, the training
course) live in ``jiceng/<app>/testing.py``. This module rests on the lower layers only (core,
accounts, orgs, members), so any app's testing module may import it.

jiceng/conftest.py imports this module while pytest starts, right after pytest-django has set
Django up; models and services are still imported inside the functions that use them, so the
module imports without a configured Django (annotations name models under TYPE_CHECKING).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from openpyxl import load_workbook

if TYPE_CHECKING:
    from jiceng.accounts.models import User
    from jiceng.members.models import Member
    from jiceng.orgs.models import Enterprise, Organization

# --- Users and passwords -------------------------------------------------------------------------

# The password of every test user.
PASSWORD = "test-pass-123"

# What jiceng/conftest.py's autouse fixture sets for every test (Argon2 costs ~1 s per user).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, org, role: str, **extra) -> User:
    """A user with the test password, attached to `org` in `role`."""
    from jiceng.accounts.models import User

    return User.objects.create_user(username=username, password=PASSWORD, organization=org, role=role, **extra)


def client_for(user) -> Client:
    """A test client signed in as `user`."""
    c = Client()
    c.force_login(user)
    return c


# --- The test county (the `county` fixture of jiceng/conftest.py) ---------------------------------


@dataclass
class County:
    root: Organization
    town_a: Organization
    village_a: Organization
    branch_a: Organization
    group_a: Organization
    town_b: Organization
    branch_b: Organization
    county_admin: User
    admin_a: User
    admin_b: User
    secretary_a: User
    member_user: User
    member_a: Member
    member_b: Member
    enterprise_b: Enterprise


_seq = iter(range(10_000, 99_999))


def make_id(birth: date = date(1980, 5, 17), gender: str = "male") -> str:
    """A valid citizen ID number, a new one at each call."""
    from jiceng.core import idnumbers

    n = next(_seq)
    area = f"42{n % 10000:04d}"
    return idnumbers.make(area, birth, n % 100, gender)


def add_member(org, name="张三", status="full", birth=date(1980, 5, 17), gender="male", **extra) -> Member:
    """A member of `org` (full since 2011 unless `status` says otherwise) with a fresh ID number."""
    from jiceng.members.services import create_member

    fields = {"join_date": date(2010, 7, 1), "full_date": date(2011, 7, 1) if status == "full" else None}
    fields.update(extra)
    return create_member(
        None, id_number=make_id(birth, gender), name=name, gender=gender, organization=org, status=status, **fields
    )


# --- Time ----------------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """An aware datetime in Asia/Shanghai: at(2026, 3, 15, 9, 5)."""
    return datetime(*args, tzinfo=SHANGHAI)


# The whole suite can run with the clock moved (jiceng/conftest.py's hooks; docs/architecture.md).
MOVED_CLOCK_ENV = "JICENG_TEST_NOW"


def parse_moved_now(text: str) -> datetime:
    """The instant of --now / $JICENG_TEST_NOW in Asia/Shanghai; a bare date means 9 o'clock."""
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            naive = naive.replace(hour=9)  # a working morning, not midnight
        return naive.replace(tzinfo=SHANGHAI)
    raise pytest.UsageError(f"--now / {MOVED_CLOCK_ENV}: not a date or date and time: {text!r}")


# --- Uploads -------------------------------------------------------------------------------------


def jpeg(name="photo.jpg", color="red", size=(60, 40)) -> SimpleUploadedFile:
    """A small JPEG upload (wishes, liaison)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def photo_upload(name="photo.jpg", color=(200, 30, 30), fmt="JPEG") -> SimpleUploadedFile:
    """A camera-sized (640×480) photo upload (organisational life)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


# --- Organisational life -------------------------------------------------------------------------
# (jiceng/life is not given a testing module of its own while its views are being split.)


def held(day: date, **extra) -> dict:
    """The fields of a meeting held on `day`, for jiceng.life.services."""
    fields = {"held_on": day, "topic": extra.pop("topic", "学习党章"), "place": "村部会议室"}
    fields.update(extra)
    return fields


# --- The database --------------------------------------------------------------------------------


@contextmanager
def kept_for_the_module(django_db_blocker) -> Iterator[None]:
    """Data built once and shared by the tests of one module (a demo county takes seconds to
    generate; a module's read-only tests need not generate it each).

    Use in a module-scoped fixture::

        @pytest.fixture(scope="module")
        def tiny(django_db_setup, django_db_blocker):
            with kept_for_the_module(django_db_blocker):
                yield tiny_demo(3, password=PASSWORD)  # jiceng.demo.testing

    What the fixture builds is written inside one transaction that is rolled back when the
    module ends (with the tests' fast password hasher); each test runs in a savepoint inside it (pytest-django's ``db``), so what a
    test writes is undone after it and the next test sees the data as built. Every test of the
    module then sees the data, also those that do not ask for the fixture, so keep tests that
    need an empty database in another module. Not for ``transactional_db`` tests or tests that
    use other connections (threads, live servers): they cannot see uncommitted data.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def flush_past_the_audit_seal() -> None:
    """Between transactional tests Django empties every table with TRUNCATE, which the audit log's
    trigger refuses on PostgreSQL (as it must in production). The test database user is a
    superuser, so the flush switches triggers off for its own transaction
    (session_replication_role = replica, which only a superuser may set); nothing else changes."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    plain = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = plain(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush


# --- Exports -------------------------------------------------------------------------------------


def export_rows_without_formulas(content: bytes) -> list[dict]:
    """The rows of an exported sheet as {header: cell}; fails on any cell Excel would run as a formula."""
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f", (headers[c.column - 1], c.value)
        rows.append(dict(zip(headers, row, strict=True)))
    return rows


# --- The browser ---------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """Debian's Chromium, which the browser tests drive through Playwright (None if missing)."""
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


# --- Concurrency ---------------------------------------------------------------------------------


def race(*calls):
    """Run the calls at the same moment in threads, each on its own database connection; return
    (what the winners returned, the messages of the refusals: ValidationError)."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connections

    barrier = threading.Barrier(len(calls))
    won, refused = [], []

    def run(call):
        try:
            barrier.wait()
            won.append(call())
        except ValidationError as exc:
            refused.extend(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, refused
