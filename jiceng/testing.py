"""Helpers for tests shared across apps (importable; fixtures stay in conftest modules)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook

# What jiceng/conftest.py's autouse fixture sets for every test (Argon2 costs ~1 s per user).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def kept_for_the_module(django_db_blocker) -> Iterator[None]:
    """Data built once and shared by the tests of one module (a demo county takes seconds to
    generate; a module's read-only tests need not generate it each).

    Use in a module-scoped fixture::

        @pytest.fixture(scope="module")
        def tiny(django_db_setup, django_db_blocker):
            with kept_for_the_module(django_db_blocker):
                yield generate(7, scale="tiny", password=PASSWORD)

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
