"""The tiny demo county for tests, generated once per test run and copied back in afterwards.

About thirty test modules check their app's demo data or read pages over it. Generating the tiny
demo takes 15–40 s (two years of points and star reviews go through the services, with their
audit entries); each module generating its own made the PostgreSQL run take 39 minutes in CI.
``tiny_demo(seed, password)`` generates the county the first time a seed is asked for (with the
same date and hour), keeps a copy of every table as it then stands, and on later calls replaces
the tables' contents with that copy (about 200,000 rows: a second or two). The copy is taken
inside the test's transaction, so a test that rolls back still leaves it to the next one.

Tests that are about the generator itself (the same seed gives the same county, the command's
output, copying a county) call ``jiceng.demo.generator.generate``.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from typing import TextIO

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from jiceng.orgs.models import Organization
from jiceng.testing import FAST_PASSWORD_HASHERS

from .generator import DemoDataExists, generate


@dataclass
class _Copy:
    result: dict
    output: str
    tables: dict[str, tuple]  # table -> (columns, rows) on SQLite; (None, COPY data) on PostgreSQL


_COPIES: dict[tuple, _Copy] = {}
SKIPPED_TABLES = {"django_migrations"}


def tiny_demo(seed: int, password: str, stdout: TextIO | None = None) -> dict:
    """The tiny demo county of ``seed`` in the test database (which must hold no organizations),
    as ``generate(seed, scale="tiny", password=password)`` would build it; returns what it returns."""
    now = timezone.localtime()
    key = (connection.vendor, connection.settings_dict["NAME"], seed, password, now.date(), now.hour)
    kept = _COPIES.get(key)
    if kept is None:
        output = io.StringIO()
        # The tests' hasher wherever the county is first asked for (a module's fixture runs
        # before the per-test setting): its accounts must log in in every test that reuses it.
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
            result = generate(seed, scale="tiny", password=password, stdout=output)
        kept = _COPIES[key] = _Copy(result, output.getvalue(), _read_tables())
    else:
        if Organization.objects.exists():
            raise DemoDataExists("数据库已有党组织数据，不能生成演示县")
        _write_tables(kept.tables)
    if stdout is not None:
        stdout.write(kept.output)
    return copy.deepcopy(kept.result)


def _tables() -> list[str]:
    names = set(connection.introspection.table_names()) - SKIPPED_TABLES
    return sorted(name for name in names if not name.startswith("sqlite_"))


def _read_tables() -> dict[str, tuple]:
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            name = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                data = io.BytesIO()
                with cursor.cursor.copy(f"COPY {name} TO STDOUT") as out:
                    for block in out:
                        data.write(block)
                if data.tell():
                    tables[table] = (None, data.getvalue())
            else:
                columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
                # "+column" (a no-op on any value) is an expression: the values come back as
                # stored, not turned into dates and times by the column's declared type.
                cursor.execute(f"SELECT {', '.join('+' + connection.ops.quote_name(c) for c in columns)} FROM {name}")
                rows = cursor.fetchall()
                if rows:
                    tables[table] = (columns, rows)
    return tables


def _write_tables(tables: dict[str, tuple]) -> None:
    """Every table's rows replaced by the copy's, in one savepoint. Foreign keys are checked at
    the end (deferred). Triggers are off while the rows go in (the audit log's append-only
    trigger refuses the DELETE; the member tallies' would count the members twice) and on again
    after."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            try:
                for table in _tables():
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
                for table, (_, data) in tables.items():
                    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN") as into:
                        into.write(data)
                _sequences_past_the_rows(cursor, tables)
            finally:
                cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            # SQLite cannot switch triggers off (the member tallies are kept by triggers): they
            # are dropped and made again, inside the same transaction.
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            for table in _tables():
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            for table, (columns, rows) in tables.items():
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                marks = ", ".join("%s" for _ in columns)
                cursor.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})", rows)
            for _, sql in triggers:
                cursor.execute(sql)
        # Statistics for the planner, as the generator leaves them.
        cursor.execute("ANALYZE")


def _sequences_past_the_rows(cursor, tables) -> None:
    """A test that reset the sequences must not be handed ids the copy already uses."""
    cursor.execute(
        "SELECT c.relname, pg_get_serial_sequence(quote_ident(c.relname), 'id') FROM pg_class c "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
        "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s)",
        [list(tables)],
    )
    for table, sequence in cursor.fetchall():
        if sequence:
            cursor.execute(
                f"SELECT setval(%s, GREATEST((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), "
                f"(SELECT last_value FROM {sequence})))",
                [sequence],
            )
