"""The vanguard index (先锋指数) of members: every stored component equals the recount of the
records it links to (attendance, dues paid on time, points against the line's pace, stars held),
the index is their weighted average, ties share a rank, the page and the API rank the members of
the subtree asked for, the export holds what the page shows, weights are the county admin's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.core.indices import VANGUARD
from jiceng.dues import services as dues
from jiceng.dues.models import DuesPayment
from jiceng.life.models import Attendance, Record
from jiceng.members.models import Member
from jiceng.ratings import queries, rules, services
from jiceng.ratings.models import MemberIndexScore, PointsMonth, Star
from jiceng.ratings.testing import meeting
from jiceng.testing import add_member, client_for, export_rows_without_formulas

NOW = "2026-11-20 10:00 +0800"
YEAR = 2026


@pytest.fixture
def built(county):
    """Branch 甲's year: three meetings (李四 absent at one), 张三's dues paid on time for January
    to March and late for April, points computed, the third quarter's stars decided; two new
    members with no records at all (the same index: a tie); the vanguard index computed."""
    with time_machine.travel(NOW):
        li = Member.objects.get(name="李四")
        for day in (date(2026, 9, 5), date(2026, 10, 5), date(2026, 11, 5)):
            meeting(county.secretary_a, county.branch_a, day, absent=[li] if day.month == 10 else [])
        for m in (county.member_a, li):
            dues.set_base(None, m, year=YEAR, category="farmer")
        for month in (1, 2, 3):
            dues.record_payment(None, county.member_a, months=[date(YEAR, month, 1)], paid_on=date(YEAR, month, 5))
        dues.record_payment(None, county.member_a, months=[date(YEAR, 4, 1)], paid_on=date(YEAR, 5, 3))
        twins = [
            add_member(county.branch_a, name, status="probationary", join_date=date(2026, 1, 5), full_date=None)
            for name in ("新甲", "新乙")
        ]
        for month in range(1, 11):
            services.recompute_month(date(YEAR, month, 1))
        review = services.propose_review(county.secretary_a, county.branch_a, date(YEAR, 7, 1))
        services.decide_review(county.secretary_a, review, {})
        services.compute_vanguard(YEAR, county.root)
        yield {"li": li, "twins": twins}


def recount(member, code) -> tuple[D, D] | None:
    """The component of ``member`` counted again from the records, as docs/ratings.md defines it."""
    if code == "life.member_attendance":
        rows = Attendance.objects.filter(
            member=member, record__state__in=Record.HELD_STATES, record__held_on__year=YEAR
        )
        expected = rows.count()
        return (D(rows.filter(status="present").count()), D(expected)) if expected else None
    if code == "dues.member_on_time":
        through = 10  # November 2026: the months before it
        start = max(1, member.join_date.month if member.join_date and member.join_date.year == YEAR else 1)
        payments = DuesPayment.objects.filter(member=member, month__year=YEAR, month__month__lte=through)
        exempt = payments.filter(due_amount=0).count()
        on_time = sum(
            1
            for p in payments
            if p.due_amount > 0 and p.amount >= p.due_amount and p.paid_on <= rules.month_end(p.month)
        )
        owed = through - start + 1 - exempt
        return (D(on_time), D(owed)) if owed > 0 else None
    if code == "ratings.member_points":
        total = sum(
            (p.points for p in PointsMonth.objects.filter(member=member, month__year=YEAR, month__month__lte=10)), D(0)
        )
        line = rules.prorated_line(queries.scheme_of_year(YEAR).unqualified_below, YEAR, member.join_date)
        return total, (line * 10 / 12).quantize(D("0.1"))
    if code == "ratings.member_stars":
        held = services.stars_held([member.pk]).get(member.pk, set())
        return D(len(held)), D(Star.objects.filter(active=True).count())
    raise AssertionError(code)


def test_every_component_equals_the_recount_of_its_records(county, built):
    rows = MemberIndexScore.objects.filter(
        index=VANGUARD, year=YEAR, organization__path__startswith=county.branch_a.path
    )
    assert (
        rows.count()
        == Member.objects.filter(
            county.branch_a.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES
        ).count()
    )
    links = {
        "life.member_attendance": lambda m: reverse("life:attendance_report"),
        "dues.member_on_time": lambda m: reverse("dues:member", args=[m.pk]),
        "ratings.member_points": lambda m: reverse("ratings:member", args=[m.pk]),
        "ratings.member_stars": lambda m: reverse("ratings:member", args=[m.pk]),
    }
    seen = set()
    for row in rows.select_related("member"):
        parts = queries.stored_parts(row)
        assert {p.component.code for p in parts} == set(links)
        for part in parts:
            expected = recount(row.member, part.component.code)
            if expected is None:
                assert part.figure is None, (row.member.name, part.component.code)
                continue
            assert (part.figure.numerator, part.figure.denominator) == expected, (row.member.name, part.component.code)
            assert part.figure.url.startswith(links[part.component.code](row.member))
            seen.add(part.component.code)
        assert row.value == queries.weighted(parts)
    assert seen == set(links)
    zhang = queries.stored_parts(rows.get(member=county.member_a))
    dues_part = next(p for p in zhang if p.component.code == "dues.member_on_time")
    assert (dues_part.figure.numerator, dues_part.figure.denominator) == (3, 10)  # April was late


def test_ties_share_a_rank_and_the_next_rank_skips(county, built):
    with time_machine.travel(NOW):
        qs, ranks, computed = queries.vanguard(county.secretary_a, county.branch_a, YEAR)
    rows = list(qs)
    assert computed is not None and ranks.ranked == len(rows)
    a, b = (next(r for r in rows if r.member_id == t.pk) for t in built["twins"])
    assert a.value == b.value and ranks.of(a.value) == ranks.of(b.value)
    below = [r for r in rows if r.value is not None and r.value < a.value]
    if below:
        assert min(ranks.of(r.value) for r in below) == ranks.of(a.value) + 2
    # Ranks follow the values.
    for x in rows:
        for y in rows:
            if x.value > y.value:
                assert ranks.of(x.value) < ranks.of(y.value)


def walked_ranks(rows) -> dict:
    """The ranks as the page computed them before (every row of the subtree walked in Python in
    the page's order): the n-th row's rank is n unless it ties with the row above."""
    ranks, rank, previous = {}, 0, None
    for n, row in enumerate(rows, start=1):
        if row.value is None:
            continue
        if row.value != previous:
            rank, previous = n, row.value
        ranks[row.pk] = rank
    return ranks


def test_ranks_from_the_counts_per_value_equal_the_walk_over_every_row(county, built):
    """Ties among several values, members nothing could judge: the ranks from the GROUP BY equal
    the ranks of the walk over every row, for the county and for a branch."""
    rows = list(MemberIndexScore.objects.filter(index=VANGUARD, year=YEAR).order_by("pk"))
    for n, row in enumerate(rows):  # three-way and two-way ties, and one member without a value
        row.value = [D("80.0"), D("80.0"), D("80.0"), D("65.5"), D("65.5"), None][n % 6]
    MemberIndexScore.objects.bulk_update(rows, ["value"])
    with time_machine.travel(NOW):
        for user, root in ((county.county_admin, county.root), (county.secretary_a, county.branch_a)):
            qs, ranks, _computed = queries.vanguard(user, root, YEAR)
            rows = list(qs)
            walked = walked_ranks(rows)
            assert walked and {r.pk: ranks.of(r.value) for r in rows if r.value is not None} == walked
            assert ranks.ranked == len(walked)
            assert all(ranks.of(r.value) is None for r in rows if r.value is None)


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_members(county, built):
    def count():
        c = client_for(county.county_admin)
        with CaptureQueriesContext(connection) as captured:
            assert c.get(reverse("ratings:vanguard"), {"org": county.root.pk, "year": YEAR}).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert c.get("/api/v1/ratings/vanguard/", {"org": county.root.pk, "year": YEAR}).status_code == 200
        return len(captured), len(api)

    with time_machine.travel(NOW):
        before = count()
        for k in range(60):
            add_member(county.branch_a, f"新党员{k}")
        services.compute_vanguard(YEAR, county.root)
        assert MemberIndexScore.objects.filter(index=VANGUARD, year=YEAR).count() > 60
        assert count() == before


def test_page_export_and_api_rank_the_subtree_asked_for(county, built):
    with time_machine.travel(NOW):
        c = client_for(county.admin_a)
        with CaptureQueriesContext(connection) as captured:
            page = c.get(reverse("ratings:vanguard"), {"org": county.branch_a.pk, "year": YEAR}).content.decode()
        assert len(captured) <= 14
        assert "张三" in page and "赵秘密" not in page and 'data-component="dues.member_on_time"' in page
        assert reverse("dues:member", args=[county.member_a.pk]) in page
        rows = export_rows_without_formulas(
            c.get(reverse("ratings:vanguard_export"), {"org": county.branch_a.pk, "year": YEAR}).content
        )
        stored = {
            r.member.name: r
            for r in MemberIndexScore.objects.filter(index=VANGUARD, year=YEAR).select_related("member")
        }
        assert {r["姓名"].value for r in rows} == {
            n for n, s in stored.items() if s.organization.path.startswith(county.branch_a.path)
        }
        for r in rows:
            value = r["先锋指数"].value
            assert (D(str(value)) if value is not None else None) == stored[r["姓名"].value].value
        api = c.get("/api/v1/ratings/vanguard/", {"org": county.branch_a.pk, "year": YEAR}).json()
        by_name = {r["name"]: r for r in api["results"]}
        assert "赵秘密" not in by_name and by_name["张三"]["components"][0]["url"]
        _qs, ranks, _ = queries.vanguard(county.admin_a, county.branch_a, YEAR)
        zhang = MemberIndexScore.objects.get(member=county.member_a, year=YEAR)
        assert by_name["张三"]["rank"] == ranks.of(zhang.value)
        # A plain member may not open the ranking; the member of 乙 is in no page of 甲.
        assert client_for(county.member_user).get(reverse("ratings:vanguard")).status_code == 403


def test_weights_are_the_county_admins_and_count_from_the_next_computation(county, built):
    with time_machine.travel(NOW):
        c = client_for(county.county_admin)
        data = {
            "w-life.member_attendance": "100",
            "w-dues.member_on_time": "0",
            "w-ratings.member_points": "0",
            "w-ratings.member_stars": "0",
        }
        assert client_for(county.admin_a).post(reverse("ratings:vanguard_weights"), data).status_code == 403
        c.post(reverse("ratings:vanguard_weights"), data)
        c.post(reverse("ratings:vanguard_compute"), {"org": county.root.pk, "year": YEAR})
        li = MemberIndexScore.objects.get(member=built["li"], year=YEAR)
        assert li.value == D("66.7")  # present at 2 of 3
        assert (
            client_for(county.admin_b)
            .post(reverse("ratings:vanguard_compute"), {"org": county.branch_a.pk, "year": YEAR})
            .status_code
            == 404
        )


def test_the_members_points_page_shows_their_index_and_its_components(county, built):
    with time_machine.travel(NOW):
        own = client_for(county.member_user).get(reverse("ratings:mine"), {"year": YEAR}).content.decode()
        staff = client_for(county.secretary_a).get(reverse("ratings:member", args=[county.member_a.pk]), {"year": YEAR})
    row = MemberIndexScore.objects.get(member=county.member_a, year=YEAR)
    assert f"{YEAR}年先锋指数" in own and 'data-component="dues.member_on_time"' in own
    assert "按时交纳 3/10 个月" in own
    assert reverse("dues:member", args=[county.member_a.pk]) in staff.content.decode()
    assert row.value is not None


@pytest.mark.django_db
def test_the_page_order_has_an_index_best_first():
    """Migration 0011: (index, year, value DESC) — on PostgreSQL NULLS LAST, the page's order, with
    the columns of the ranks' GROUP BY included — so a city's first page is read from the top of
    the index instead of sorting every member, and the ranks from the index alone."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, MemberIndexScore._meta.db_table)
    index = constraints["ratings_member_index_order"]
    assert index["columns"][:3] == ["index", "year", "value"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ratings_member_index_order'")
            definition = cursor.fetchone()[0]
        assert "(index, year, value DESC NULLS LAST) INCLUDE (organization_id, computed_at)" in definition
