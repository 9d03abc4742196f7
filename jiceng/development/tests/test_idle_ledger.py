"""The idle ledger (连续未发展党员的党支部) equals a straightforward recount: on the tiny demo, with
files that moved and members who transferred added in the awkward orders (two moves on one day,
a later letter with the smaller id, a first transfer from outside the county), for the county and
a township and several windows. On PostgreSQL, none of its statements runs a subquery per row
(issue 10: the place of admission was a correlated `LIMIT 1` per file and per member)."""

import json
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.demo.testing import tiny_demo
from jiceng.development import queries
from jiceng.development.models import DevelopmentFile, Move
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.transfers.models import Transfer

BRANCHES = (Organization.Type.BRANCH, Organization.Type.JOINT_BRANCH)
WINDOWS = [(2025, 2), (2025, 1), (2024, 3), (2026, 1), (2020, 2)]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            with time_machine.travel("2026-11-18 10:00 +0800"):
                tiny_demo(3, password="demo-test-2468")
            yield
            transaction.set_rollback(True)


def recount(root: Organization, end_year: int, years: int):
    """The ledger from every record, in Python, as the rule reads (`queries.admissions`)."""
    start, end = date(end_year - years + 1, 1, 1), date(end_year, 12, 31)
    orgs = {o.pk: o for o in Organization.objects.all()}
    listed = {
        o.path: o
        for o in orgs.values()
        if o.path.startswith(root.path) and o.type in BRANCHES and (o.founded_on is None or o.founded_on <= start)
    }

    def branch_of(path):
        candidates = [p for p in listed if path.startswith(p)]
        return max(candidates, key=len) if candidates else None

    admitted = []  # (path of the admitting organization, 入党日期)
    approved = list(DevelopmentFile.objects.filter(approved_on__isnull=False))
    for f in approved:
        moves = sorted(Move.objects.filter(file=f), key=lambda m: (m.on, m.id))
        admitted.append((orgs[(moves[0].from_org_id if moves else f.organization_id)].path, f.vote_on))
    with_file = {f.member_id for f in approved if f.member_id}
    for m in Member.objects.all():
        if m.pk in with_file:
            continue
        letters = sorted(Transfer.objects.filter(member=m), key=lambda t: (t.issued_on, t.id))
        if not letters:
            admitted.append((orgs[m.organization_id].path, m.join_date))
        elif letters[0].kind != Transfer.Kind.IN and letters[0].from_org_id:
            admitted.append((orgs[letters[0].from_org_id].path, m.join_date))
    by_org = {}
    for path, day in admitted:
        if path.startswith(root.path) and day is not None:
            last, n = by_org.get(path, (None, 0))
            by_org[path] = (max(day, last) if last else day, n + (start <= day <= end))
    busy, last_join = set(), {}
    for path, (day, n) in by_org.items():
        key = branch_of(path)
        if key:
            busy |= {key} if n else set()
            last_join[key] = max(day, last_join.get(key, day))
    full = {}
    for m in Member.objects.filter(status=Member.Status.FULL):
        key = branch_of(orgs[m.organization_id].path)
        if key:
            full[key] = full.get(key, 0) + 1
    rows = []
    for path in sorted(listed):
        if path in busy:
            continue
        branch = listed[path]
        under = [o for o in orgs.values() if o.parent_id == root.pk and path.startswith(o.path)]
        open_files = DevelopmentFile.objects.filter(organization=branch, status=DevelopmentFile.Status.OPEN)
        rows.append(
            (
                branch.pk,
                under[0].pk if under else None,
                full.get(path, 0),
                last_join.get(path),
                open_files.count(),
                open_files.filter(stage__gte=3).count(),
            )
        )
    return by_org, rows


def ledger(root, end_year, years):
    return [
        (
            r.organization.pk,
            r.under.pk if r.under else None,
            r.full_members,
            r.last_join_date,
            r.open_files,
            r.candidates,
        )
        for r in queries.idle_branches(root, end_year, years)
    ]


def letter(member, kind, issued_on, from_org, to_org, number):
    return Transfer.objects.create(
        kind=kind,
        state=Transfer.State.COMPLETED,
        member=member,
        member_name=member.name,
        from_org=from_org,
        to_org=to_org,
        from_name=from_org.name if from_org else "外县某党支部",
        to_name=to_org.name,
        letter_number=number,
        issued_on=issued_on,
        valid_until=issued_on,
        due_on=issued_on,
        completed_on=issued_on,
    )


def awkward_records():
    """Moves and transfers in the orders that a per-row `ORDER BY … LIMIT 1` and a ranking must agree on."""
    township = Organization.objects.filter(parent__parent__isnull=True, parent__isnull=False).order_by("path")[0]
    a, b, c = Organization.objects.filter(type=Organization.Type.BRANCH).order_by("path")[:3]
    elsewhere = Organization.objects.filter(type=Organization.Type.BRANCH).exclude(path__startswith=township.path)
    d = elsewhere.order_by("path").first()
    with_file = DevelopmentFile.objects.filter(member__isnull=False).values("member_id")
    plain = list(Member.objects.exclude(pk__in=with_file).exclude(transfers__isnull=False).order_by("pk")[:4])
    for m, joined in zip(plain, [date(2025, 3, 1), date(2025, 4, 1), date(2024, 6, 1), date(2019, 7, 1)], strict=True):
        Member.objects.filter(pk=m.pk).update(join_date=joined, organization=d)
    m1, m2, m3, m4 = plain
    # m1: the later letter has the smaller id; the first transfer was sent by b.
    letter(m1, Transfer.Kind.WITHIN, date(2025, 9, 1), c, d, "IDLE-1")
    letter(m1, Transfer.Kind.WITHIN, date(2025, 5, 1), b, c, "IDLE-2")
    # m2: came from outside the county first, then moved within it: admitted elsewhere.
    letter(m2, Transfer.Kind.IN, date(2025, 5, 1), None, a, "")
    letter(m2, Transfer.Kind.WITHIN, date(2025, 8, 1), a, d, "IDLE-3")
    # m3: two letters the same day: the smaller id first (sent by a).
    letter(m3, Transfer.Kind.WITHIN, date(2024, 9, 1), a, c, "IDLE-4")
    letter(m3, Transfer.Kind.WITHIN, date(2024, 9, 1), c, d, "IDLE-5")
    # m4: joined in 2019, later sent out of the county by d: an admission of d.
    letter(m4, Transfer.Kind.OUT, date(2022, 1, 1), d, d, "IDLE-6")
    # Approved files that moved: two moves on one day (the smaller id first), and a later one.
    files = list(DevelopmentFile.objects.filter(approved_on__isnull=False).order_by("pk")[:2])
    assert len(files) == 2, "the tiny demo has approved files"
    f1, f2 = files
    Move.objects.create(file=f1, from_org=c, to_org=a, on=date(2025, 10, 1))
    Move.objects.create(file=f1, from_org=a, to_org=b, on=date(2025, 10, 1))
    Move.objects.create(file=f2, from_org=d, to_org=c, on=date(2026, 2, 1))
    Move.objects.create(file=f2, from_org=b, to_org=d, on=date(2025, 1, 1))
    return township


@pytest.mark.django_db
def test_the_ledger_equals_a_recount(demo):
    township = awkward_records()
    county = Organization.objects.get(parent__isnull=True)
    assert Move.objects.exists() and Transfer.objects.filter(kind=Transfer.Kind.IN).exists()
    compared = 0
    for root in (county, township):
        for end_year, years in WINDOWS:
            by_org, rows = recount(root, end_year, years)
            start, end = date(end_year - years + 1, 1, 1), date(end_year, 12, 31)
            assert queries.admissions(root.path, (start, end)) == by_org, (root.name, end_year, years)
            assert ledger(root, end_year, years) == rows, (root.name, end_year, years)
            compared += len(rows)
    assert compared > 20  # the comparison saw listed branches, not only empty ledgers


@pytest.mark.django_db
def test_the_ledger_s_queries(demo, django_assert_max_num_queries):
    county = Organization.objects.get(parent__isnull=True)
    with django_assert_max_num_queries(7):
        rows = queries.idle_branches(county, 2025, 2)
    assert rows and all(r.organization.name and r.under is not None for r in rows)


def per_row_reads(sql: str, params=()) -> list[str]:
    """Tables that a subquery of `sql` reads again for each row of the outer query: a scan inside a
    SubPlan executed more than once (EXPLAIN ANALYZE). A hashed or materialized subquery reads its
    table once, whatever the plan's size; a correlated one (`… WHERE file_id = outer.id LIMIT 1`)
    once per outer row."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    found, stack = [], [((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"], False)]
    while stack:
        node, in_subplan = stack.pop()
        in_subplan = in_subplan or node.get("Parent Relationship") == "SubPlan"
        if in_subplan and "Relation Name" in node and node["Actual Loops"] > 1:
            found.append(f"{node['Node Type']} on {node['Relation Name']} × {node['Actual Loops']}")
        stack.extend((child, in_subplan) for child in node.get("Plans", []))
    return found


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: PostgreSQL only")
def test_no_statement_reads_a_table_again_for_each_row(demo):
    """The place of admission is read once per statement (the ranking of moves and transfers as a
    derived table, the exclusions as hashed or materialized `NOT IN` / anti-joins), not looked up
    for each file or member as the correlated `ORDER BY … LIMIT 1` subqueries did."""
    awkward_records()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    county = Organization.objects.get(parent__isnull=True)
    with CaptureQueriesContext(connection) as ctx:
        queries.idle_branches(county, 2025, 2)
    statements = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(statements) == 7
    for sql in statements:
        assert per_row_reads(sql) == [], sql
    # The check finds the old shape: a correlated first move per file.
    old = DevelopmentFile.objects.filter(approved_on__isnull=False).annotate(admitted=queries.admitted_path())
    assert per_row_reads(*old.values("admitted").query.sql_with_params()) != []
