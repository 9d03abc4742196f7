"""The command screen's transfer and care panels (and dual registration's, jiceng.dual) stay
bounded by the subtree (issue 10): for a township, PostgreSQL reads the township's members and
member tallies through an index, not every member of the county (an OR across two path ranges
once made it read the whole members table)."""

import json
from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from jiceng.demo.testing import tiny_demo
from jiceng.dual.panels import command_panel_context as dual_command_panel
from jiceng.orgs.models import Organization
from jiceng.transfers.panels import command_panels

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: PostgreSQL only"),
]


def whole_table_reads(sql: str, table: str) -> list[str]:
    """Scans of `table` that read it whole: a Seq Scan, or an index walked without an Index Cond
    (what PostgreSQL does instead when sequential scans are discouraged)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    root = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if node.get("Relation Name") != table:
            continue
        kind = node["Node Type"]
        if kind == "Seq Scan" or kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            found.append(f"{kind} on {table} {node.get('Index Name', '')}")
    return found


def test_a_township_s_panels_read_its_members_through_an_index():
    with time_machine.travel("2026-11-18 10:00 +0800"):
        tiny_demo(3, password="demo-test-2468")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    township = Organization.objects.filter(parent__parent__isnull=True, parent__isnull=False).order_by("path").first()
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="demo-county")
    with CaptureQueriesContext(connection) as ctx:
        command_panels(request, township, date(2026, 11, 18))
        dual_command_panel(township, date(2026, 11, 18))
    # The care card's members who joined in this month of this year (the rest is in the tallies).
    statements = [
        q["sql"] for q in ctx.captured_queries if 'FROM "members_member"' in q["sql"] and "join_date" in q["sql"]
    ]
    assert statements
    for sql in statements:
        assert whole_table_reads(sql, "members_member") == [], sql
    # The tallies of a village (a township is a third of the tiny demo, where a merge join over the
    # whole small table is the planner's right choice; a county of a province is not).
    from jiceng.transfers.queries import care_figures

    village = Organization.objects.filter(parent=township).order_by("path").first()
    with CaptureQueriesContext(connection) as ctx:
        care_figures(village.path, date(2026, 11, 18))
    tallies = [q["sql"] for q in ctx.captured_queries if "members_membertally" in q["sql"]]
    assert tallies
    for sql in tallies:
        assert whole_table_reads(sql, "members_membertally") == [], sql
