#!/usr/bin/env python
"""Ratings benchmark: a month of member points computed from the records, against one hand-written
SQL statement that computes the same month totals, and the points pages.

    .venv/bin/python bench/bench_ratings.py [--repeat N] [--fresh] [--month 2026-01]

The demo county (seed 1, county scale) is built once into var/bench-ratings.sqlite3 and kept
(`--fresh` rebuilds it). Set BENCH_DATABASE_URL to measure another database, e.g. the city
database of `bench_pages.py --db postgres --scale city` (~300,000 members).

Cases:
- **a month of points, computed** (`services.recompute_month`): the first computation of the
  month for every member (the month's ledger is removed before each run), writing the ledger
  lines and the month totals;
- **the same month, recomputed** with nothing changed (the nightly job's usual case: reads,
  compares, appends nothing);
- **hand SQL**: one statement that counts each member's events of the month per item from the
  same records, applies the items' monthly caps and the scheme's monthly cap, and adds the
  deductions. It is compared member by member with the month totals the service wrote; the month
  is a January, so a yearly cap can only bind within it (the statement applies it too).
- the pages: the county's ranking, a member's ledger, the unqualified list, the command cards,
  the fortress index page;
- **the fortress index, computed and stored** for every branch (`services.compute_fortress`), and
  **hand SQL** counting three of its four components from the rows (attendance from the
  attendance marks, points from the month totals and the active members, compliance with
  bench_life's hand statement per organization — PostgreSQL only); every stored component's
  numerator and denominator is compared with the hand figure, branch by branch. The dues
  component is the dues app's own year completion (tested there against the payments).

    .venv/bin/python bench/bench_ratings.py --smoke

runs every case once on the tiny demo (`demo_county --seed 1 --scale tiny`) in a temporary SQLite
file and exits non-zero on a crash, a page that does not answer 200, or a member whose month
total differs between the service and the hand SQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "bench-ratings.sqlite3"
SCRIPT = "bench_ratings"

# Each source's events of a month as (member_id, source code): the same rows the app's
# points_sources modules read (jiceng/*/points_sources.py).
EVENTS = """
SELECT a.member_id, 'life.present' AS source FROM life_attendance a JOIN life_record r ON r.id = a.record_id
 WHERE a.status = 'present' AND r.state IN ('recorded', 'reviewed', 'published') AND r.held_on BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT a.member_id, 'life.absent' FROM life_attendance a JOIN life_record r ON r.id = a.record_id
 WHERE a.status = 'absent' AND r.state IN ('recorded', 'reviewed', 'published') AND r.held_on BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT e.member_id, 'training.attended' FROM training_attendance t JOIN training_session s ON s.id = t.session_id
 JOIN training_enrollment e ON e.id = t.enrollment_id
 WHERE t.status IN ('present', 'late', 'early_leave') AND s."on" BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT p.member_id, 'dues.on_time' FROM dues_duespayment p
 WHERE p.month = %(first)s AND p.paid_on <= %(last)s AND p.amount >= p.due_amount AND p.due_amount > 0
UNION ALL
SELECT u.member_id, 'requests.resolved' FROM requests_request q JOIN accounts_user u ON u.id = q.resolved_by_id
 WHERE u.member_id IS NOT NULL AND q.resolved_at >= %(start)s AND q.resolved_at < %(end)s
UNION ALL
SELECT w.claimed_member_id, 'wishes.fulfilled' FROM wishes_wish w
 WHERE w.claimed_member_id IS NOT NULL AND w.fulfilled_at >= %(start)s AND w.fulfilled_at < %(end)s
UNION ALL
SELECT rep.member_id, 'liaison.visit' FROM liaison_visit_representatives vr JOIN liaison_visit v ON v.id = vr.visit_id
 JOIN liaison_representative rep ON rep.id = vr.representative_id
 WHERE rep.member_id IS NOT NULL AND v.date BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT sp.member_id, 'development.duty' FROM development_stepperson sp JOIN development_step st ON st.id = sp.step_id
 WHERE sp.member_id IS NOT NULL AND sp.role IN ('sponsor', 'contact') AND st.revoked_at IS NULL
   AND st."on" BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT c.member_id, 'claim:' || i.code FROM ratings_pointsclaim c JOIN ratings_pointitem i ON i.id = c.item_id
 WHERE c.state = 'approved' AND c."on" BETWEEN %(first)s AND %(last)s
"""

HAND_SQL = f"""
WITH ev AS ({EVENTS}),
items AS (
  SELECT CASE WHEN source = '' THEN 'claim:' || code ELSE source END AS source, points,
         cap_month, cap_year
    FROM ratings_pointitem WHERE scheme_id = %(scheme)s
),
per_item AS (
  SELECT ev.member_id, it.points,
         CASE WHEN it.points < 0 THEN COUNT(*) * it.points
              ELSE MIN(COUNT(*) * it.points, COALESCE(it.cap_month, 1e9), COALESCE(it.cap_year, 1e9)) END AS counted
    FROM ev JOIN items it ON it.source = ev.source
   GROUP BY ev.member_id, it.source, it.points, it.cap_month, it.cap_year
)
SELECT member_id,
       MIN(COALESCE(SUM(CASE WHEN points > 0 THEN counted ELSE 0 END), 0), %(cap)s)
       + COALESCE(SUM(CASE WHEN points < 0 THEN counted ELSE 0 END), 0) AS total
  FROM per_item GROUP BY member_id
"""


def build(url: str, fresh: bool) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if fresh and path.exists():
            path.unlink()
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "demo_county", "--seed", "1", "--password", "demo12345", "--if-empty"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def hand_sql(connection, month: date, scheme) -> dict[int, float]:
    from django.utils import timezone

    from jiceng.ratings import rules

    last = rules.month_end(month)
    sql = HAND_SQL
    if connection.vendor == "postgresql":  # MIN/MAX of values are LEAST/GREATEST there
        sql = sql.replace("MIN(COUNT(*) * it.points,", "LEAST(COUNT(*) * it.points,").replace(
            "MIN(COALESCE(SUM(", "LEAST(COALESCE(SUM("
        )
    start = timezone.make_aware(datetime.combine(month, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    ops = connection.ops
    values = {
        "first": ops.adapt_datefield_value(month),
        "last": ops.adapt_datefield_value(last),
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "scheme": scheme.pk,
        "cap": float(scheme.monthly_cap),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return {member_id: float(total) for member_id, total in cursor.fetchall()}


# The fortress index's components by hand (jiceng/*/index_sources.py count the same): every
# organization's own rows rolled up to each organization above it by the prefixes of its path
# (4 characters a level), then kept for the branches.
ANCESTORS = """
WITH RECURSIVE lv(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM lv WHERE n < 16),
own AS ({own}),
up AS (SELECT substr(own.path, 1, lv.n * 4) AS path, own.a, own.b FROM own JOIN lv ON lv.n * 4 <= length(own.path))
SELECT o.id, SUM(up.a), SUM(up.b) FROM up JOIN orgs_organization o ON o.path = up.path
 WHERE o.type IN ('branch', 'joint_branch', 'temporary_branch') AND o.path >= %(root)s AND o.path < %(root_end)s
 GROUP BY o.id
"""
ATTENDANCE_OWN = """
SELECT o.path, COUNT(*) FILTER (WHERE a.status = 'present') AS a, COUNT(*) AS b
  FROM life_attendance a JOIN life_record r ON r.id = a.record_id JOIN orgs_organization o ON o.id = r.organization_id
 WHERE r.state IN ('recorded', 'reviewed', 'published') AND r.held_on BETWEEN %(first)s AND %(last)s
 GROUP BY o.path
"""
# Points of the year's whole months of the active members (a), and the active members (b).
POINTS_OWN = """
SELECT o.path, COALESCE(SUM(p.t), 0) AS a, COUNT(*) AS b
  FROM members_member m JOIN orgs_organization o ON o.id = m.organization_id
  LEFT JOIN (SELECT member_id, SUM(points) AS t FROM ratings_pointsmonth
              WHERE month BETWEEN %(first)s AND %(through)s GROUP BY member_id) p ON p.member_id = m.id
 WHERE m.status IN ('probationary', 'full')
 GROUP BY o.path
"""


def hand_fortress(connection, root, year: int, today: date) -> dict[str, dict[int, tuple[float, float]]]:
    """{component code: {branch id: (numerator, denominator)}} by hand; compliance on PostgreSQL
    only (bench_life's hand statement, per organization instead of per child)."""
    from decimal import Decimal

    from jiceng.ratings import queries

    through = 12 if year < today.year else today.month - 1
    pace = queries.pace_line(year, through) if through >= 1 else Decimal(0)
    ops = connection.ops
    values = {
        "first": ops.adapt_datefield_value(date(year, 1, 1)),
        "last": ops.adapt_datefield_value(date(year, 12, 31)),
        "through": ops.adapt_datefield_value(date(year, max(through, 1), 1)),
        "root": root.path,
        "root_end": root.path_end,
    }
    out: dict[str, dict[int, tuple[float, float]]] = {}
    with connection.cursor() as cursor:
        present = "COUNT(*) FILTER (WHERE a.status = 'present')"
        if connection.vendor == "sqlite":  # no FILTER on an older SQLite
            present = "SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END)"
        cursor.execute(
            ANCESTORS.format(own=ATTENDANCE_OWN.replace("COUNT(*) FILTER (WHERE a.status = 'present')", present)),
            values,
        )
        out["life.attendance"] = {i: (float(a), float(b)) for i, a, b in cursor.fetchall() if b}
        if through >= 1 and pace:
            cursor.execute(ANCESTORS.format(own=POINTS_OWN), values)
            out["ratings.points"] = {i: (float(a), float(b * pace)) for i, a, b in cursor.fetchall() if b}
        if connection.vendor == "postgresql":
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_life import HAND_SQL as LIFE

            per_org = LIFE[: LIFE.index("SELECT substr(c.path")] + (
                "SELECT c.org_id, SUM(CASE c.status WHEN 'met' THEN 1 WHEN 'late' THEN 0.5 ELSE 0 END),"
                " COUNT(*) FILTER (WHERE c.status IN ('met', 'late', 'missing')) FROM counted c"
                " JOIN orgs_organization o ON o.id = c.org_id"
                " WHERE o.type IN ('branch', 'joint_branch', 'temporary_branch') GROUP BY c.org_id"
            )
            cursor.execute(
                per_org,
                {"root": root.path, "start": date(year, 1, 1), "end": date(year, 12, 31), "today": today, "months": 12},
            )
            out["life.compliance"] = {i: (float(a), float(b)) for i, a, b in cursor.fetchall() if b}
    return out


def compare_fortress(year: int, hand: dict) -> tuple[int, list[str]]:
    """Each stored component's numerator and denominator against the hand figures."""
    from jiceng.core.indices import FORTRESS
    from jiceng.ratings.models import IndexScore

    compared, differ = 0, []
    stored = {code: {} for code in hand}
    for org_id, parts in IndexScore.objects.filter(index=FORTRESS, year=year).values_list("organization_id", "parts"):
        for part in parts:
            if part["code"] in stored and part["denominator"] is not None:
                stored[part["code"]][org_id] = (float(part["numerator"]), float(part["denominator"]))
    for code, figures in hand.items():
        for org_id in set(figures) | set(stored[code]):
            compared += 1
            a, b = stored[code].get(org_id), figures.get(org_id)
            if a is None or b is None or abs(a[0] - b[0]) > 1e-6 or abs(a[1] - b[1]) > 1e-6:
                differ.append(f"{code} branch {org_id}: stored {a}, hand SQL {b}")
    return compared, differ


def measure(repeat: int, smoke: bool, month_text: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.members.models import Member
    from jiceng.ratings import services
    from jiceng.ratings.models import PointsEntry, PointsMonth

    today = timezone.localdate()
    month = datetime.strptime(month_text, "%Y-%m").date() if month_text else date(today.year, 1, 1)
    if month.month != 1:
        raise SystemExit("--month must be a January (see the module doc)")
    scheme = services.scheme_for(month)
    county = User.objects.get(username="demo-county")
    member = User.objects.get(username="demo-member").member
    members = Member.objects.count()
    root = county.organization

    def fresh_month():
        PointsEntry.objects.filter(month=month).delete()
        PointsMonth.objects.filter(month=month).delete()

    client = Client()
    client.force_login(county)

    def page(url):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status_code}")

    year = month.year
    cases = [
        ("a month of points, computed", lambda: services.recompute_month(month), fresh_month),
        ("the same month, recomputed (no change)", lambda: services.recompute_month(month), None),
        ("hand SQL: the month's totals", lambda: hand_sql(connection, month, scheme), None),
        ("page: ranking, county", lambda: page(reverse("ratings:ranking") + f"?year={year}"), None),
        ("page: a member's ledger", lambda: page(reverse("ratings:member", args=[member.pk]) + f"?year={year}"), None),
        ("page: unqualified, county", lambda: page(reverse("ratings:unqualified") + f"?year={year}"), None),
        ("card: command screen points", lambda: page(reverse("ratings:panel")), None),
        ("card: command screen 考核评价", lambda: page(reverse("ratings:overview_panel")), None),
        ("page: fortress index, county", lambda: page(reverse("ratings:fortress") + f"?year={today.year}"), None),
        ("the fortress index, computed and stored", lambda: services.compute_fortress(today.year), None),
        ("hand SQL: the fortress components", lambda: hand_fortress(connection, root, today.year, today), None),
    ]
    print(f"database: {connection.vendor}; {members:,} members; month {month:%Y-%m}; median of {repeat} runs")
    print(f"{'case':<42} {'ms':>10} {'queries':>8}")
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    for label, fn, before in cases:
        runs = []
        if before is None and not smoke:
            fn()  # warm-up: templates, the menu, the first connection
        for n in range(1 if smoke else repeat):
            if before:
                before()
            count[0] = 0
            t = time.perf_counter()
            with connection.execute_wrapper(counter):
                fn()
            runs.append((time.perf_counter() - t) * 1000)
            if n == 0 and smoke:
                break
        print(f"{label:<42} {statistics.median(runs):>10.1f} {count[0]:>8}", flush=True)
    # Compare: every member's month total written by the service equals the hand statement's.
    orm = {m: float(p) for m, p in PointsMonth.objects.filter(month=month).values_list("member_id", "points")}
    hand = hand_sql(connection, month, scheme)
    differ = [m for m in set(orm) | set(hand) if abs(orm.get(m, 0.0) - hand.get(m, 0.0)) > 1e-9]
    with_points = sum(1 for v in orm.values() if v)
    print(f"compared {len(orm):,} month totals ({with_points:,} non-zero): {len(differ)} differ")
    if differ:
        for m in differ[:10]:
            print(f"  member {m}: service {orm.get(m, 0.0)}, hand SQL {hand.get(m, 0.0)}")
        raise SystemExit(1)
    # Compare: every stored component of the fortress index equals its hand-counted figure.
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    branches = Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES).count()
    compared, differ = compare_fortress(today.year, hand_fortress(connection, root, today.year, today))
    print(f"fortress index: {branches:,} branches; compared {compared:,} component figures: {len(differ)} differ")
    if differ:
        for line in differ[:10]:
            print(f"  {line}")
        raise SystemExit(1)
    if smoke:
        print(f"SMOKE {len(cases)} cases ran, {len(orm):,} month totals and {compared:,} index figures equal")


def smoke() -> int:
    clock = _smoke.Clock()
    try:
        with _smoke.sqlite_database(SCRIPT) as url:
            _smoke.load_tiny_demo(url)
            proc = _smoke.run_child([sys.executable, __file__, "--_child", "--smoke", "--repeat", "1"], url)
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        return _smoke.failed(SCRIPT, repr(exc), clock)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("SMOKE ")), None)
    if proc.returncode != 0 or line is None:
        return _smoke.failed(SCRIPT, f"child process failed (exit {proc.returncode})", clock, proc.stdout + proc.stderr)
    return _smoke.ok(SCRIPT, line.removeprefix("SMOKE "), clock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--month", help="a January, YYYY-01 (default: this year's)")
    parser.add_argument("--smoke", action="store_true", help="every case once on the tiny demo (SQLite)")
    parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DB}")
    if args._child:
        measure(args.repeat, args.smoke, args.month)
        return
    if args.smoke:
        sys.exit(smoke())
    build(url, args.fresh)
    env = {**os.environ, "DATABASE_URL": url}
    cmd = [sys.executable, __file__, "--_child", "--repeat", str(args.repeat)]
    if args.month:
        cmd += ["--month", args.month]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
