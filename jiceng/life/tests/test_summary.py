"""The per-member monthly summary (MemberMonth) equals a recount of the records after every
service, the pages that read it give the figures the records give, and their queries are bounded
by an index (issue 10: what a page scans must not grow with the years of records)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext

from jiceng.dual import queries as dual_queries
from jiceng.life import queries, rules, services, summary
from jiceng.life.models import Attendance, MemberMonth, Record
from jiceng.members.models import Member
from jiceng.testing import at, held


def rows_of(member) -> dict[str, tuple[int, int]]:
    return {
        f"{m:%Y-%m}": (e, t)
        for m, e, t in MemberMonth.objects.filter(member=member).values_list("month", "expected", "took_part")
    }


def marks(record, present=(), leave=()):
    return {
        a.member_id: (
            "present" if a.member_id in present else "leave" if a.member_id in leave else "absent",
            False,
            False,
        )
        for a in record.attendance.all()
    }


@time_machine.travel("2026-05-20 10:00 +0800")
def test_summary_follows_every_service(county, types):
    a = county.member_a
    r1 = services.create_record(
        county.secretary_a, organization=county.branch_a, activity_type=types["themed_day"], **held(date(2026, 3, 15))
    )
    assert rows_of(a) == {"2026-03": (1, 0)} and summary.differences() == []
    services.set_attendance(county.secretary_a, r1, marks(r1, present=[a.pk]))
    assert rows_of(a) == {"2026-03": (1, 1)}
    r2 = services.create_record(
        county.secretary_a,
        organization=county.branch_a,
        activity_type=types["general_meeting"],
        **held(date(2026, 3, 28)),
    )
    services.set_attendance(county.secretary_a, r2, marks(r2, leave=[a.pk]))
    assert rows_of(a) == {"2026-03": (2, 2)}
    # Moved to April: both months are recounted.
    services.update_record(county.secretary_a, r2, held_on=date(2026, 4, 2))
    assert rows_of(a) == {"2026-03": (1, 1), "2026-04": (1, 1)}
    # The record deleted: its month goes with it.
    services.delete_record(county.secretary_a, r2)
    assert rows_of(a) == {"2026-03": (1, 1)}
    assert summary.differences() == []
    # A plan is not held: no row until it is recorded.
    plan = services.create_record(
        county.secretary_a,
        organization=county.branch_a,
        activity_type=types["party_lecture"],
        plan_only=True,
        planned_on=date(2026, 5, 25),
        topic="党课",
    )
    assert rows_of(a) == {"2026-03": (1, 1)}
    with time_machine.travel("2026-05-26 10:00 +0800"):
        services.record_held(county.secretary_a, plan, held_on=date(2026, 5, 25), place="村部")
    assert rows_of(a)["2026-05"] == (1, 0)
    assert summary.differences() == []
    # The rebuild command agrees and restores a damaged table.
    MemberMonth.objects.filter(member=a).update(took_part=9)
    assert summary.differences() != []
    call_command("life_summary", "--rebuild", "--check")
    assert summary.differences() == [] and rows_of(a)["2026-03"] == (1, 1)


def test_qr_sign_in_is_counted(county, types):
    with time_machine.travel("2026-04-10 08:00 +0800"):
        r = services.create_record(
            county.secretary_a,
            organization=county.branch_a,
            activity_type=types["themed_day"],
            **held(date(2026, 4, 10), starts_at=at(2026, 4, 10, 9), ends_at=at(2026, 4, 10, 11)),
        )
    services.sign_in(county.member_user, r, now=at(2026, 4, 10, 9, 5))
    assert rows_of(county.member_a) == {"2026-04": (1, 1)}
    assert summary.differences() == []


# ---- the same figures as the records give, on the demo county ----------------------------------


def months_without_life_from_records(members, today: date) -> dict[int, int]:
    """The six-month watch's organizational-life half as it was computed before the summary:
    straight from a year of attendance."""
    last = rules.month_of(today).start - timedelta(days=1)
    months = rules.months_between(rules.add_months_start(last, -11), last)
    seen = defaultdict(dict)
    for member_id, month, took_part in (
        Attendance.objects.filter(
            member__in=members,
            record__state__in=Record.HELD_STATES,
            record__held_on__gte=months[0].start,
            record__held_on__lte=last,
        )
        .annotate(month=TruncMonth("record__held_on"))
        .values_list("member_id", "month")
        .annotate(took_part=Count("id", filter=Q(status__in=["present", "leave"])))
        .order_by()
    ):
        month = month.date() if hasattr(month, "date") else month
        seen[member_id][f"{month:%Y-%m}"] = took_part > 0
    out = {}
    for member_id, by_month in seen.items():
        run = rules.consecutive_missed(by_month, months)
        if run:
            out[member_id] = run
    return out


def party_days_from_attendance(registration: dict, year: int) -> dict[int, int]:
    """dual_progress's party days as they were computed before (from the members' attendance)."""
    out = dict.fromkeys(registration, 0)
    for member_id, org_path, held_on in (
        Attendance.objects.filter(
            member_id__in=list(registration),
            status="present",
            record__state__in=Record.HELD_STATES,
            record__held_on__gte=date(year, 1, 1),
            record__held_on__lte=date(year, 12, 31),
        )
        .filter(Q(record__activity_type__code="themed_day") | Q(record__activity_type__counts_for__code="themed_day"))
        .values_list("member_id", "record__organization__path", "record__held_on")
    ):
        path, since = registration[member_id]
        if path and org_path.startswith(path) and (since is None or held_on >= since):
            out[member_id] += 1
    return out


def test_demo_summary_and_pages_equal_the_records(demo):
    assert MemberMonth.objects.exists() and summary.differences() == []
    members = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    for today in (demo, date(2026, 12, 3), date(2026, 9, 1), date(2027, 1, 15)):
        expected = months_without_life_from_records(members, today)
        assert queries.months_without_life(members, today) == expected
    assert any(v >= 4 for v in months_without_life_from_records(members, demo).values())
    registered = Member.objects.filter(registered_community__isnull=False)
    registration = {
        pk: (path, since)
        for pk, path, since in registered.values_list("pk", "registered_community__path", "registered_on")
    }
    assert registration, "the demo registers in-office members with communities"
    progress = dual_queries.dual_progress(registered, demo.year)
    before = party_days_from_attendance(registration, demo.year)
    assert {pk: p["party_day"] for pk, p in progress.items()} == before
    assert sum(before.values()) > 0


def test_watch_reads_no_attendance(demo):
    """The watch's organizational-life half reads the summary only, one query, whatever the years."""
    members = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    with CaptureQueriesContext(connection) as ctx:
        queries.months_without_life(members, demo)
    assert len(ctx.captured_queries) == 1
    assert not any("life_attendance" in q["sql"] for q in ctx.captured_queries)


def plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: PostgreSQL only")
def test_plans_use_an_index_not_a_scan_of_attendance(demo):
    """With sequential scans discouraged, an index must exist for each access path: a plan that still
    shows a Seq Scan has no index to use. A township's watch and the party days of its communities."""
    from jiceng.orgs.models import Organization

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    township = Organization.objects.filter(parent__parent__isnull=True, parent__isnull=False).order_by("path").first()
    members = Member.objects.filter(
        organization__path__gte=township.path, organization__path__lt=township.path_end, status__in=["full"]
    )
    with CaptureQueriesContext(connection) as ctx:
        queries.months_without_life(members, demo)
        dual_queries.dual_progress(Member.objects.filter(registered_community__isnull=False), demo.year)
    statements = [q["sql"] for q in ctx.captured_queries]
    touched = [s for s in statements if "life_attendance" in s or "life_membermonth" in s]
    assert touched
    for sql in touched:
        text = plan(sql)
        assert "Seq Scan on life_attendance" not in text, text
        assert "Seq Scan on life_membermonth" not in text, text
        assert "Seq Scan on life_record" not in text, text
