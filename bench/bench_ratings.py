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
- the pages: the county's ranking, a member's ledger, the unqualified list, the command card.

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
    if smoke:
        print(f"SMOKE {len(cases)} cases ran, {len(orm):,} month totals equal")


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
