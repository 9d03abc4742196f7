#!/usr/bin/env python
"""Organizational-life benchmark: the county compliance table, ORM/view versus hand SQL.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_life.py [--scale county|city|both] [--repeat N] [--fresh]

Each scale gets its own PostgreSQL database (jiceng_life_bench_county, jiceng_life_bench_city),
created if missing and loaded once with `manage.py demo_county --seed 1 --scale <scale>` (the
demo includes a year of organizational life); it is kept for the next run (`--fresh` reloads it).
Every scale runs in a child process because DATABASE_URL must be set before django.setup().

Measured, for the whole root (county, or the city of 15 counties) and for the last full quarter
and the last full year before the demo's "today":

- ``queries.compliance_table()`` (the ORM and the rules in Python), and the same table through
  the page view (`/life/compliance/`) as the county admin;
- one hand-written SQL statement that evaluates the same rules inside PostgreSQL (cadence
  periods, applicability with founding dates and the committee history from elections, held
  and on-time counts, statuses) and rolls them up to the level below.

The figures per child and type (required, held, late periods, missing) and the score are
compared; any difference is printed and the script exits non-zero. Timings are the median of
--repeat runs after one warm-up, in milliseconds.

    .venv/bin/python bench/bench_life.py --smoke

checks instead, once and without timing, that the ORM and the hand SQL agree (and that the page
answers 200) on the tiny demo (`demo_county --seed 1 --scale tiny`) in a throwaway PostgreSQL
database (jiceng_smoke_life_<pid>, dropped at the end). It prints one line and exits non-zero on
a crash or mismatch; without PostgreSQL it prints SKIPPED and exits 0, unless
JICENG_REQUIRE_POSTGRES is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("JICENG_BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def db_name(scale: str) -> str:
    return f"jiceng_life_bench_{scale}"


def ensure_database(scale: str, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    name = db_name(scale)
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    env = dict(os.environ, DATABASE_URL=f"{PG_BASE}/{name}")
    print(f"[{scale}] loading the demo (a few minutes at city scale)", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "demo_county", "--seed", "1", "--scale", scale, "--password", "demo12345"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# The hand SQL. Parameters: root path, window start, window end, today.
HAND_SQL = """
WITH params AS (
    SELECT %(root)s::text AS root, %(start)s::date AS ws, %(end)s::date AS we, %(today)s::date AS today,
           %(months)s::int AS months
), types AS (
    SELECT id, cadence, applies_to, domain, min_count FROM life_activitytype WHERE is_active
), periods AS (   -- the cadence periods of each type that end inside the window
    SELECT t.id AS type_id, g::date AS ps,
           (g + CASE t.cadence WHEN 'monthly' THEN interval '1 month' WHEN 'quarterly' THEN interval '3 months'
                               ELSE interval '1 year' END - interval '1 day')::date AS pe
    FROM types t, params p,
         generate_series(p.ws, p.we, CASE t.cadence WHEN 'monthly' THEN interval '1 month'
                                                    WHEN 'quarterly' THEN interval '3 months'
                                                    ELSE interval '1 year' END) g
    WHERE t.cadence <> 'weekly'
      AND (CASE t.cadence WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 ELSE 12 END) <= p.months
      AND (g + CASE t.cadence WHEN 'monthly' THEN interval '1 month' WHEN 'quarterly' THEN interval '3 months'
                              ELSE interval '1 year' END - interval '1 day')::date <= p.we
), orgs AS (
    SELECT o.id, o.path, o.type, o.domain, o.founded_on, o.has_committee, o.term_start
    FROM orgs_organization o, params p
    WHERE o.path >= p.root AND o.path < lpad((p.root::numeric + 1)::text, length(p.root), '0')
      AND o.type IN ('branch', 'joint_branch', 'temporary_branch', 'group', 'general_branch')
), applicable AS (   -- organization x type, by organization type and domain
    SELECT o.*, t.id AS type_id, t.applies_to, t.min_count
    FROM orgs o JOIN types t ON (t.domain = '' OR t.domain = o.domain)
     AND CASE t.applies_to WHEN 'group' THEN o.type = 'group'
                           WHEN 'general_branch' THEN o.type = 'general_branch'
                           ELSE o.type IN ('branch', 'joint_branch', 'temporary_branch') END
), owed AS (
    SELECT a.id AS org_id, a.path, a.type_id, a.min_count, pr.ps, pr.pe,
        COALESCE(a.founded_on, '0001-01-01') <= pr.ps
        AND (a.applies_to <> 'branch_committee' OR CASE
            WHEN NOT EXISTS (SELECT 1 FROM elections_election e WHERE e.state = 'approved' AND e.organization_id = a.id)
                THEN a.has_committee AND COALESCE(a.term_start, a.founded_on, '0001-01-01') <= pr.ps
            ELSE COALESCE(   -- by-elections neither set up nor end a committee
                    (SELECT e.has_committee FROM elections_election e WHERE e.state = 'approved' AND e.organization_id = a.id
                     AND e.kind <> 'by_election' AND e.term_start <= pr.ps
                     ORDER BY e.term_start DESC LIMIT 1),
                    (SELECT COALESCE(e.had_committee_before, e.kind = 'by_election' AND e.has_committee)
                     FROM elections_election e WHERE e.state = 'approved' AND e.organization_id = a.id ORDER BY e.term_start LIMIT 1))
                 AND NOT EXISTS (SELECT 1 FROM elections_election e WHERE e.state = 'approved' AND e.organization_id = a.id
                                 AND e.kind <> 'by_election'
                                 AND e.term_start > pr.ps AND e.term_start <= pr.pe AND NOT e.has_committee)
            END) AS is_owed
    FROM applicable a JOIN periods pr ON pr.type_id = a.type_id
), held AS (   -- records counted for each type (its own and those that count for it)
    SELECT r.organization_id AS org_id, tt.target AS type_id, r.held_on, tt.late AS is_late
    FROM life_record r
    JOIN LATERAL (SELECT r.activity_type_id AS target, r.is_late AS late
                  UNION ALL
                  -- counted for another type: late by THAT type's cadence and grace days
                  SELECT t2.counts_for_id, COALESCE(r.recorded_on > (
                      date_trunc(CASE tc.cadence WHEN 'monthly' THEN 'month' WHEN 'quarterly' THEN 'quarter'
                                                 ELSE 'year' END, r.held_on)
                      + CASE tc.cadence WHEN 'monthly' THEN interval '1 month' WHEN 'quarterly' THEN interval '3 months'
                                        ELSE interval '1 year' END - interval '1 day')::date + tc.grace_days, false)
                  FROM life_activitytype t2 JOIN life_activitytype tc ON tc.id = t2.counts_for_id
                  WHERE t2.id = r.activity_type_id) tt ON true
    JOIN orgs o ON o.id = r.organization_id, params p
    WHERE r.state IN ('recorded', 'reviewed', 'published') AND r.held_on BETWEEN p.ws AND p.we
), judged AS (
    SELECT ow.org_id, ow.path, ow.type_id, ow.is_owed, ow.min_count, ow.pe,
           count(h.held_on) AS n_held, count(h.held_on) FILTER (WHERE NOT h.is_late) AS n_on_time
    FROM owed ow LEFT JOIN held h ON h.org_id = ow.org_id AND h.type_id = ow.type_id
                                  AND h.held_on BETWEEN ow.ps AND ow.pe
    GROUP BY ow.org_id, ow.path, ow.type_id, ow.is_owed, ow.min_count, ow.ps, ow.pe
), statuses AS (
    SELECT j.*, CASE WHEN NOT j.is_owed THEN 'not_owed'
                     WHEN j.n_on_time >= j.min_count THEN 'met'
                     WHEN j.n_held >= j.min_count THEN 'late'
                     WHEN j.pe >= (SELECT today FROM params) THEN 'pending'
                     ELSE 'missing' END AS status
    FROM judged j
), counted AS (   -- an organization and type count where anything is owed or held
    SELECT * FROM (
        SELECT s.*, bool_or(s.is_owed OR s.n_held > 0) OVER (PARTITION BY s.org_id, s.type_id) AS counts
        FROM statuses s
    ) x WHERE counts
)
SELECT substr(c.path, 1, length((SELECT root FROM params)) + 4) AS child, c.type_id,
       sum(CASE WHEN c.is_owed THEN c.min_count ELSE 0 END) AS required,
       sum(c.n_held) AS held,
       count(*) FILTER (WHERE c.status = 'late') AS late,
       sum(CASE WHEN c.status = 'missing' THEN greatest(c.min_count - c.n_held, 0) ELSE 0 END) AS missing,
       count(*) FILTER (WHERE c.status IN ('met', 'late', 'missing')) AS judged,
       sum(CASE c.status WHEN 'met' THEN 1 WHEN 'late' THEN 0.5 ELSE 0 END) AS done
FROM counted c
WHERE length(c.path) > length((SELECT root FROM params))
GROUP BY 1, 2
"""


def child(scale: str, repeat: int, smoke: bool = False) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiceng.accounts.models import User
    from jiceng.life import queries, rules
    from jiceng.life.models import Attendance, Record
    from jiceng.orgs.models import Organization

    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    # The demo's "today" is the day it was generated: the latest recorded day. Planned records
    # have no recorded_on, and PostgreSQL sorts NULL first in a descending order.
    today = (
        Record.objects.filter(recorded_on__isnull=False)
        .order_by("-recorded_on")
        .values_list("recorded_on", flat=True)
        .first()
    )
    windows = [rules.previous_window("quarter", today), rules.previous_window("year", today)]
    admin = User.objects.get(username="demo-county")
    client = Client()
    client.force_login(admin)
    out = {
        "scale": scale,
        "organizations": Organization.objects.count(),
        "records": Record.objects.count(),
        "attendance": Attendance.objects.count(),
        "rows": [],
        "mismatches": [],
        "figures": 0,
    }

    def timed(fn):
        if smoke:  # once, no warm-up
            t = time.perf_counter()
            fn()
            return (time.perf_counter() - t) * 1000
        fn()
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)

    for window in windows:
        months = {"month": 1, "quarter": 3, "year": 12}[window.kind]
        params = {"root": root.path, "start": window.start, "end": window.end, "today": today, "months": months}
        with CaptureQueriesContext(connection) as ctx:
            rows, _ = queries.compliance_table(root, window, today)
        orm_queries = len(ctx.captured_queries)
        orm_ms = timed(lambda w=window: queries.compliance_table(root, w, today))
        url = f"/life/compliance/?org={root.pk}&period={window.code}"

        def view(u=url):
            response = client.get(u)
            if response.status_code != 200:
                raise RuntimeError(f"GET {u} as demo-county: HTTP {response.status_code}")

        view_ms = timed(view)

        def hand(p=params):
            with connection.cursor() as cur:
                cur.execute(HAND_SQL, p)
                return cur.fetchall()

        sql_ms = timed(hand)
        # Compare the figures.
        orm = {}
        for r in rows:
            for tid, tt in r.types.items():
                orm[(r.org.path, tid)] = (tt.required, tt.held, tt.late, tt.missing)
        sql = {}
        done = {}
        for path, tid, required, held, late, missing, judged, done_ in hand():
            sql[(path, tid)] = (int(required), int(held), int(late), int(missing))
            j, d = done.get(path, (0, 0.0))
            done[path] = (j + judged, d + float(done_))
        out["figures"] += 4 * len(set(orm) | set(sql)) + len(rows)
        for key in sorted(set(orm) | set(sql)):
            if orm.get(key) != sql.get(key):
                out["mismatches"].append(f"{window.code} {key}: ORM {orm.get(key)} SQL {sql.get(key)}")
        for r in rows:
            j, d = done.get(r.org.path, (0, 0.0))
            sql_score = round(d * 100 / j, 1) if j else None
            if r.score != sql_score:
                out["mismatches"].append(f"{window.code} {r.org.name} score: ORM {r.score} SQL {sql_score}")
        out["rows"].append(
            {
                "window": window.code,
                "orm_ms": orm_ms,
                "view_ms": view_ms,
                "sql_ms": sql_ms,
                "queries": orm_queries,
                "children": len([r for r in rows if r.orgs_evaluated]),
            }
        )
    return out


def smoke() -> int:
    """--smoke: the comparison once on the tiny demo in a throwaway PostgreSQL database."""
    script = "bench_life"
    clock = _smoke.Clock()
    if not _smoke.postgres_reachable():
        return _smoke.without_postgres(script)
    _smoke.terminate_cleanly()
    try:
        with _smoke.postgres_database(script) as url:
            _smoke.load_tiny_demo(url)
            proc = _smoke.run_child([sys.executable, __file__, "--_child", "tiny", "--smoke", "--repeat", "1"], url)
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        return _smoke.failed(script, repr(exc), clock)
    output = proc.stdout + proc.stderr
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        return _smoke.failed(script, f"child process crashed (exit {proc.returncode})", clock, output)
    result = json.loads(line[7:])
    if result["mismatches"]:
        lines = "\n".join(f"MISMATCH {m}" for m in result["mismatches"])
        return _smoke.failed(script, f"{len(result['mismatches'])} mismatch(es)", clock, lines)
    windows = ", ".join(row["window"] for row in result["rows"])
    return _smoke.ok(script, f"{result['figures']} figures agree, {windows}", clock)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["county", "city", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="check once that ORM and hand SQL agree on the tiny demo, then exit"
    )
    parser.add_argument("--_child")
    args = parser.parse_args()
    if args._child:
        print("RESULT " + json.dumps(child(args._child, args.repeat, args.smoke), default=str))
        return 0
    if args.smoke:
        return smoke()
    scales = ["county", "city"] if args.scale == "both" else [args.scale]
    results = []
    for scale in scales:
        ensure_database(scale, args.fresh)
        env = dict(os.environ, DATABASE_URL=f"{PG_BASE}/{db_name(scale)}")
        proc = subprocess.run(
            [sys.executable, __file__, "--_child", scale, "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(line[7:]))
    print("| scale | window | orgs | records | attendance rows | ORM ms | view ms | hand SQL ms | ORM/SQL | queries |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for r in results:
        for row in r["rows"]:
            print(
                f"| {r['scale']} | {row['window']} | {r['organizations']:,} | {r['records']:,} | {r['attendance']:,} "
                f"| {row['orm_ms']:.0f} | {row['view_ms']:.0f} | {row['sql_ms']:.0f} "
                f"| {row['orm_ms'] / row['sql_ms']:.1f}× | {row['queries']} |"
            )
        for m in r["mismatches"]:
            failed = True
            print(f"MISMATCH [{r['scale']}] {m}")
    print("ORM and hand SQL agree." if not failed else "ORM and hand SQL DISAGREE.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
