"""The attendance report (/life/attendance/) reads only the page's members (issue 10): its rows, its
count and its totals equal the computation it replaced (every member grouped at once), for the
whole tree (members from MemberYear) and below it (members from the attendance), on the demo."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.life import queries, rules, services, summary
from jiceng.life.models import MemberMonth, MemberYear, Record
from jiceng.life.testing import demo_roots
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.testing import client_for, held

WINDOWS = ("2026", "2026-Q3", "2026-Q4", "2026-11", "2026-02", "2025", "2025-12")


def records_of(root, window):
    return queries.held_records(Record.objects.filter(root.subtree_filter("organization__")), window)


def assert_rows_equal(root, window):
    records = records_of(root, window)
    before = queries.member_attendance(records)
    rows = queries.member_attendance_rows(root, records, window)
    assert rows.count() == len(before)
    for size in (50, 7):
        paged = []
        for number in Paginator(rows, size).page_range:
            paged += Paginator(rows, size).page(number).object_list
        assert paged == before, (root.name, window.code, size)
    return before


def test_rows_and_count_equal_every_member_at_once(demo):
    assert summary.differences() == []
    counted = 0
    for root in demo_roots():
        for code in WINDOWS:
            counted += len(assert_rows_equal(root, rules.parse_period(code)))
    assert counted > 1000  # the demo has attendance to compare
    # Any slice, also across organization names and past the end.
    top = demo_roots()[0]
    window = rules.parse_period("2026")
    records = records_of(top, window)
    before = queries.member_attendance(records)
    rows = queries.member_attendance_rows(top, records, window)
    for start, stop in ((0, 1), (3, 91), (len(before) - 5, len(before) + 40), (len(before), len(before) + 9)):
        assert rows[start:stop] == before[start:stop]


def test_a_member_who_moved_counts_where_the_records_are(demo):
    """Attendance belongs to the records' organization: a member moved to another township is
    still listed under the first township's records, and under the whole tree once."""
    top, township = demo_roots()[:2]
    window = rules.parse_period("2026")
    moved = (
        Member.objects.filter(
            organization__path__gte=township.path,
            organization__path__lt=township.path_end,
            life_attendance__record__held_on__year=2026,
        )
        .distinct()
        .order_by("pk")
        .first()
    )
    elsewhere = Organization.objects.filter(type="branch").exclude(township.subtree_filter()).order_by("path").first()
    Member.objects.filter(pk=moved.pk).update(organization=elsewhere)
    rows = assert_rows_equal(township, window)
    assert moved.pk in {r["member_id"] for r in rows}
    rows = assert_rows_equal(top, window)
    assert [r["member_id"] for r in rows].count(moved.pk) == 1


def test_the_page_reads_only_its_members(demo):
    """The page of the whole tree counts its members from MemberYear and reads the attendance of
    the page's members only; the figures on the page are those of the old computation."""
    user = User.objects.get(username="demo-county")
    top = demo_roots()[0]
    c = client_for(user)
    window = rules.parse_period("2026")
    before = queries.member_attendance(records_of(top, window))
    assert len(before) > 50
    for page in (1, 2, (len(before) + 49) // 50):
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(reverse("life:attendance_report") + f"?period=2026&page={page}")
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == len(before)
        assert list(response.context["rows"]) == before[(page - 1) * 50 : page * 50]
        assert response.context["totals"] == queries.org_attendance(records_of(top, window))
        attendance = [q["sql"] for q in ctx.captured_queries if "life_attendance" in q["sql"]]
        assert len(attendance) == 1, attendance
        assert '"life_attendance"."member_id" IN (' in attendance[0]
        assert any("life_memberyear" in q["sql"] for q in ctx.captured_queries)
    html = c.get(reverse("life:attendance_report") + "?period=2026").content.decode()
    assert f'data-list-count="{len(before)}"' in html and before[0]["member__name"] in html
    # A township's page: members from its records' attendance, the same rows.
    township = demo_roots()[1]
    response = c.get(reverse("life:attendance_report") + f"?org={township.pk}&period=2026")
    assert list(response.context["rows"]) == queries.member_attendance(records_of(township, window))[:50]


def test_a_window_that_is_not_whole_months_reads_the_attendance(demo):
    top = demo_roots()[0]
    window = rules.Period(date(2026, 3, 2), date(2026, 5, 31), "quarter")
    assert summary.window_mask(window.start, window.end) is None
    assert summary.window_mask(date(2026, 7, 1), date(2026, 9, 30)) == 0b111 << 6
    assert summary.window_mask(date(2025, 12, 1), date(2026, 1, 31)) is None
    sql = str(queries.attended_members(records_of(top, window), window, whole_tree=True).query)
    assert "life_attendance" in sql and "life_memberyear" not in sql
    assert_rows_equal(top, window)


def test_member_year_follows_the_services(county, types):
    """MemberYear holds the months of MemberMonth: a record moved across the new year changes both
    years' rows, a deleted record removes its month."""
    a = county.member_a
    with time_machine.travel("2026-01-20 10:00 +0800"):
        r1 = services.create_record(
            county.secretary_a,
            organization=county.branch_a,
            activity_type=types["themed_day"],
            **held(date(2025, 12, 15)),
        )
        r2 = services.create_record(
            county.secretary_a,
            organization=county.branch_a,
            activity_type=types["general_meeting"],
            **held(date(2026, 1, 10)),
        )

        def years():
            return dict(MemberYear.objects.filter(member=a).values_list("year", "months"))

        assert years() == {2025: 1 << 11, 2026: 1}
        services.update_record(county.secretary_a, r2, held_on=date(2025, 11, 3))
        assert years() == {2025: (1 << 11) | (1 << 10)}
        services.delete_record(county.secretary_a, r1)
        assert years() == {2025: 1 << 10}
        assert summary.differences() == []
        MemberYear.objects.filter(member=a).update(months=5)
        assert any("2025年" in line for line in summary.differences())
        summary.rebuild()
        assert years() == {2025: 1 << 10} and summary.differences() == []
        assert MemberMonth.objects.filter(member=a).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: PostgreSQL only")
def test_the_members_of_a_year_are_read_by_an_index(demo):
    top = demo_roots()[0]
    window = rules.parse_period("2026-Q3")
    rows = queries.member_attendance_rows(top, records_of(top, window), window)
    with CaptureQueriesContext(connection) as ctx:
        rows.count()
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "life_member_year_idx" in plan and "life_attendance" not in plan, plan
