#!/usr/bin/env python
"""Requests benchmark: a million requests on PostgreSQL; the monthly ranking (ORM and view)
against hand-written SQL, and the public intake through the real views against a raw INSERT
loop, in the same run.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_requests.py [--requests N] [--intake N] [--repeat N] [--fresh] [--drop]
        [--periods 1,3,6,12] [--serial] [--database NAME]

The database jiceng_bench_requests (or --database NAME) is created if missing, migrated,
loaded once with the demo county (`demo_county --seed 1`, which also writes its ~14,000
requests of the past year) and then topped up by COPY to --requests rows (default 1,000,000)
spread over the twelve months before today, with the outcomes of a busy county (most handled
at village level, some escalated, some late, most rated). It is kept for the next run (`--fresh` reloads it, `--drop`
drops it after the run). Every run ANALYZEs the whole database, as autovacuum would (this
machine's server runs without it). DATABASE_URL must be set before django.setup(), so the
measuring runs in a child process (`--_child`).

Measured, median of --repeat runs after one warm-up, in milliseconds, with the CPU time of the
script and of its PostgreSQL backend when the server runs on this machine (parallel workers are
not in it: `--serial` turns them off, so that on a shared machine, where wall times wander with
the load, CPU times compare runs):

- the ranking of the county's townships for last month: `queries.ranking_children`
  (ORM, with the medians), `GET /requests/ranking/` as demo-county (the real view), and one
  hand-written statement (conditional counts, percentile_cont for the median, the weighted
  score and rank in SQL). Every figure, median, score and rank must agree, or the script
  exits non-zero.
- the departments' ranking, the same three ways.
- with `--periods 1,3,6,12`, both rankings over the last 1, 3, 6 and 12 months up to last month
  (`?from=&to=` on the page for more than one), each compared like the month.
- the public intake (`--intake 0` leaves it out): --intake POSTs of the village QR form
  through Django's test client (middleware, CSRF off as the client does, rate limiting with one address per resident,
  form, routing, deadlines on the working-day calendar, the request, its event, the audit
  entry and the holder's notice), sequential and from 4 threads, in requests per second;
  against a loop of raw single-row INSERTs into requests_request, each in its own
  transaction, with the same columns.

    .venv/bin/python bench/bench_requests.py --smoke

runs all of it once, without timing, at toy size: the tiny demo (`demo_county --seed 1 --scale
tiny`, about a hundred requests) in a throwaway PostgreSQL database (jiceng_smoke_requests_<pid>,
dropped at the end), topped up by COPY with 2,000 requests, and 8 intake POSTs from one client
then 8 from 4 threads. The rankings' ORM, view and hand SQL must agree, for last month and for
the last twelve months (each ranking comparing at least one unit), and every POST must be
accepted, or it exits non-zero. It prints one line; without PostgreSQL it prints SKIPPED and
exits 0, unless JICENG_REQUIRE_POSTGRES is set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("JICENG_BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = "jiceng_bench_requests"  # the default; --database names another
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
# Requests added by COPY in --smoke, on top of the tiny demo's: ~170 in last month, enough for
# every ranking to compare a few units (departments hold 4%).
SMOKE_COPY = 2000
SMOKE_INTAKE = 8  # intake POSTs in --smoke: 8 from one client, then 4 threads × 2
SMOKE_PERIODS = (1, 12)  # --smoke compares last month's ranking and the year's


# --------------------------------------------------------------------------- parent side


def maintenance_connection():
    import psycopg

    return psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5)


def ensure_database(name: str, fresh: bool) -> None:
    from psycopg import sql

    with maintenance_connection() as conn:
        if fresh:
            print(f"dropping database {name} (--fresh)", flush=True)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    from psycopg import sql

    with maintenance_connection() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    print(f"dropped database {name} (--drop)")


def parent(args) -> int:
    ensure_database(args.database, args.fresh)
    env = dict(os.environ, DATABASE_URL=f"{PG_BASE}/{args.database}", DJANGO_SETTINGS_MODULE="jiceng.settings")
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix="bench_requests_", delete=False) as tmp:
        out = tmp.name
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "--_out", out]
    cmd += ["--requests", str(args.requests), "--intake", str(args.intake), "--repeat", str(args.repeat)]
    cmd += ["--periods", ",".join(map(str, args.periods))] + (["--serial"] if args.serial else [])
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        text = Path(out).read_text(encoding="utf-8")
        result = json.loads(text) if text.strip() else None
    finally:
        Path(out).unlink(missing_ok=True)
    if args.drop:
        drop_database(args.database)
    if result is None:
        print(f"child process failed (exit {proc.returncode})", file=sys.stderr)
        return 1
    report(result, args)
    return 0 if proc.returncode == 0 and not result["mismatches"] else 1


def report(r: dict, args) -> None:
    print()
    print("== Jiceng requests benchmark ==")
    print(
        f"machine: {os.cpu_count()} CPU(s), {platform.machine()}, Python {platform.python_version()}; {r['pg_version']}"
    )
    c = r["counts"]
    print(
        f"requests {c['requests']:,} (last month {c['month_requests']:,}, month {r['month']}); "
        f"organizations {c['organizations']:,}; townships ranked {c['townships']}; departments {c['departments']}"
    )
    print(f"load: {r['load']}")
    before, after = r["load_average"]
    print(f"1-minute load average {before:.1f} before the runs, {after:.1f} after (on {os.cpu_count()} CPUs)")
    print(f"median of {args.repeat} runs after one warm-up", end="")
    print("; PostgreSQL without parallel workers (--serial)\n" if args.serial else "\n")
    print(
        "| what | ORM ms | view ms | hand SQL ms | ORM ÷ SQL | CPU ms (ORM / view / SQL) | queries (ORM / view / SQL) |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in r["rankings"]:
        ratio = f"{row['orm_ms'] / row['sql_ms']:.1f}×" if row["sql_ms"] else "—"
        cpu = " / ".join("—" if ms is None else f"{ms:.0f}" for ms in row["cpu_ms"])
        print(
            f"| {row['what']} | {row['orm_ms']:.1f} | {row['view_ms']:.1f} | {row['sql_ms']:.1f} | {ratio} "
            f"| {cpu} | {row['orm_queries']} / {row['view_queries']} / 1 |"
        )
    if r["intake"]:
        print()
        print("| intake | requests | seconds | per second | per request ms |")
        print("|---|---|---|---|---|")
    for row in r["intake"]:
        print(
            f"| {row['what']} | {row['n']:,} | {row['seconds']:.2f} | {row['per_second']:.1f} | "
            f"{row['seconds'] * 1000 / row['n']:.1f} |"
        )
    if r["mismatches"]:
        for m in r["mismatches"]:
            print(f"!! MISMATCH {m}", file=sys.stderr)


def smoke() -> int:
    """--smoke: everything once at toy size in a throwaway PostgreSQL database."""
    script = "bench_requests"
    clock = _smoke.Clock()
    if not _smoke.postgres_reachable():
        return _smoke.without_postgres(script)
    _smoke.terminate_cleanly()
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix="bench_smoke_", delete=False) as tmp:
        out = tmp.name
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "--smoke", "--_out", out]
    cmd += ["--requests", "0", "--intake", str(SMOKE_INTAKE), "--repeat", "1"]
    cmd += ["--periods", ",".join(map(str, SMOKE_PERIODS))]
    try:
        with _smoke.postgres_database(script) as url:
            _smoke.load_tiny_demo(url)
            proc = _smoke.run_child(cmd, url)
        text = Path(out).read_text(encoding="utf-8")
        result = json.loads(text) if text.strip() else None
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        return _smoke.failed(script, repr(exc), clock)
    finally:
        Path(out).unlink(missing_ok=True)
    output = proc.stdout + proc.stderr
    if result is None or proc.returncode not in (0, 2):
        return _smoke.failed(script, f"child process crashed (exit {proc.returncode})", clock, output)
    if result["mismatches"]:
        lines = "\n".join(f"!! MISMATCH {m}" for m in result["mismatches"])
        return _smoke.failed(script, f"{len(result['mismatches'])} mismatch(es)", clock, lines)
    empty = [what for what, n in result["units"].items() if not n]
    if empty:
        why = f"nothing to compare in the {' and '.join(empty)} (no requests last month)"
        return _smoke.failed(script, why, clock, output)
    posts = sum(row["n"] for row in result["intake"][:2])
    units = ", ".join(f"{n} in the {what}" for what, n in result["units"].items())
    what = f"{result['figures']} figures agree ({units}); {result['counts']['requests']} requests, {posts} intake POSTs"
    return _smoke.ok(script, what, clock)


# --------------------------------------------------------------------------- child side


def median_ms(fn, repeat: int, cpu=lambda: None) -> tuple[float, float | None]:
    """Median wall time of `repeat` runs after a warm-up, and median CPU time by `cpu()`."""
    fn()
    samples, cpu_samples = [], []
    for _ in range(repeat):
        cpu_start = cpu()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        if cpu_start is not None:
            cpu_samples.append((cpu() - cpu_start) * 1000)
    return statistics.median(samples), statistics.median(cpu_samples) if cpu_samples else None


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process on this machine (Linux), None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(args) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "3600")
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    result = Bench(args).run()
    Path(args._out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 2 if result["mismatches"] else 0


COLUMNS = [
    "ticket",
    "kind",
    "category_id",
    "priority",
    "tier",
    "channel",
    "source_label",
    "description",
    "place",
    "name",
    "phone",
    "organization_id",
    "state",
    "version",
    "level",
    "holder_org_id",
    "holder_department_id",
    "held_since",
    "accepted_at",
    "received_at",
    "assign_due_at",
    "response_due_at",
    "done_due_at",
    "deadline_estimated",
    "responded_at",
    "resolved_at",
    "closed_at",
    "assign_late",
    "response_late",
    "done_late",
    "result",
    "resolved_level",
    "resolved_org_id",
    "escalations",
    "reopen_count",
    "rating",
    "solved",
    "rating_note",
    "rating_channel",
    "rated_at",
    "published",
    "public_description",
    "public_result",
    "updated_at",
]


class RankingPeriod:
    """The last `months` calendar months up to and including `last` (last month): the monthly
    ranking (`?month=`) for one, a span of days (`?from=&to=`, at most a year) for more."""

    def __init__(self, first, last, months: int):
        from jiceng.requests import queries

        self.months = months
        self.first, self.last = first, last  # first days of the first and last months
        self.start = queries.month_bounds(first)[0]
        self.end = queries.month_bounds(last)[1]
        self.requests = 0

    @classmethod
    def ending(cls, last, months: int) -> RankingPeriod:
        from jiceng.core.dates import add_months

        return cls(add_months(last, 1 - months), last, months)

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.last:%Y-%m}"
        return f"{self.months} months {self.first:%Y-%m}–{self.last:%Y-%m}"

    @property
    def params(self) -> dict:
        if self.months == 1:
            return {"month": f"{self.last:%Y-%m}"}
        end = self.end.date() - timedelta(days=1)
        return {"from": f"{self.first:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}"}


class Bench:
    def __init__(self, args):
        self.args = args
        self.repeat = args.repeat
        self.smoke = args.smoke  # everything once, at toy size
        self.mismatches: list[str] = []
        self.figures = 0  # numbers compared
        self.units: dict[str, int] = {}  # units compared, per ranking

    # ---- data

    def prepare(self) -> str:
        from django.core.management import call_command
        from django.db import connection

        from jiceng.orgs.models import Organization
        from jiceng.requests.models import Request

        call_command("migrate", interactive=False, verbosity=0)
        notes = []
        if not Organization.objects.exists():
            cmd = [sys.executable, "manage.py", "demo_county", "--seed", "1", "--password", DEMO_PASSWORD]
            if self.smoke:
                cmd += ["--scale", "tiny"]
            print(f"loading the demo: {' '.join(cmd[1:])}", flush=True)
            connection.close()
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=os.environ, check=True)
            notes.append(f"demo county {time.perf_counter() - start:.0f} s")
        missing = SMOKE_COPY if self.smoke else self.args.requests - Request.objects.count()
        if missing > 0:
            start = time.perf_counter()
            self.copy_requests(missing)
            notes.append(f"COPY of {missing:,} requests {time.perf_counter() - start:.0f} s")
            start = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute("VACUUM requests_request")
            notes.append(f"VACUUM {time.perf_counter() - start:.0f} s")
        else:
            notes.append("data already loaded (use --fresh to reload)")
        # Statistics for every table, as autovacuum keeps them on a production server. Not only
        # requests_request: this machine's server runs without autovacuum, and without statistics
        # on orgs_organization the planner took a county's path range for one organization and
        # read the period by 932 bitmap scans, each block of the heap again and again (the view
        # over 12 months: 11.8 s instead of 5.5 s, docs/performance.md "Ranking over a year").
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        notes.append(f"ANALYZE {time.perf_counter() - start:.0f} s")
        return "; ".join(notes)

    def copy_requests(self, n: int) -> None:
        """A busy county's year: outcomes drawn like the demo's, deadlines by the 13710 rule
        on the loaded working-day calendar."""
        from django.db import connection
        from django.utils import timezone

        from jiceng.core.calendar import WorkingCalendar
        from jiceng.orgs.models import Organization
        from jiceng.requests import rules
        from jiceng.requests.models import Category, DeadlineRule, Department, RequestSettings

        rng = random.Random(20261125)
        depth = RequestSettings.current().township_depth
        villages = list(
            Organization.objects.filter(depth=depth + 1, domain__in=["rural", "community"]).values_list("id", "path")
        )
        townships = dict(Organization.objects.filter(depth=depth).values_list("path", "id"))
        departments = list(Department.objects.values_list("id", flat=True))
        categories = list(Category.objects.values_list("id", flat=True))
        rule_rows = [r.as_rule() for r in DeadlineRule.objects.all()]
        now = timezone.now()
        today = timezone.localdate()
        calendar = WorkingCalendar.load(today.year - 1, today.year + 1)
        picked = {
            (c, t): rules.pick_deadlines(rule_rows, c, t, "normal") for c in categories for t in dict(rules.TIERS)
        }
        open_states = ["received", "accepted", "in_progress", "escalated"]
        # Requests arrive over time, so the table holds them in the order they came in (a
        # month's requests sit together on disk, as they would after a real year).
        seconds = sorted((rng.randint(0, 365 * 86400) for _ in range(n)), reverse=True)
        print(f"writing {n:,} requests by COPY …", flush=True)
        with connection.cursor() as cur:
            pg = cur.cursor
            with pg.copy(f"COPY requests_request ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for i in range(n):
                    received = now - timedelta(seconds=seconds[i])
                    org_id, path = villages[rng.randrange(len(villages))]
                    category = categories[rng.randrange(len(categories))]
                    tier = rng.choices(("on_spot", "study", "coordinate"), (35, 55, 10))[0]
                    dues, estimated = rules.due_dates(received, picked[(category, tier)], calendar)
                    level, holder_org, holder_dept, escalations = "village", org_id, None, 0
                    roll = rng.random()
                    if roll < 0.12:
                        level, holder_org, escalations = "township", townships[rules.ancestor_path(path, depth)], 1
                    elif roll < 0.16 and departments:
                        level, holder_org, holder_dept, escalations = "department", None, rng.choice(departments), 2
                    accepted = received + timedelta(hours=rng.expovariate(1 / 8))
                    responded = accepted + timedelta(hours=rng.expovariate(1 / 20))
                    resolved = responded + timedelta(hours=rng.expovariate(1 / 60))
                    state, rating, solved, rated, closed = "closed", "", None, None, None
                    if resolved > now or rng.random() < 0.02:
                        state = rng.choice(open_states)
                        resolved = None
                        responded = responded if responded < now and state != "received" else None
                        accepted = accepted if accepted < now and state != "received" else None
                    elif rng.random() < 0.8:
                        rated = resolved + timedelta(hours=rng.uniform(1, 72))
                        rating = rng.choices(("satisfied", "basic", "unsatisfied"), (76, 17, 7))[0]
                        solved = rng.random() < {"satisfied": 0.97, "basic": 0.8, "unsatisfied": 0.2}[rating]
                        closed = rated
                    else:
                        closed = resolved + timedelta(days=15)
                    copy.write_row(
                        (
                            f"B{i:011d}",
                            "help",
                            category,
                            "normal",
                            tier,
                            "qr",
                            "",
                            "批量生成的诉求",
                            "",
                            "",
                            "13800000000",
                            org_id,
                            state,
                            0,
                            level,
                            holder_org,
                            holder_dept,
                            received,
                            accepted,
                            received,
                            dues["assign"],
                            dues["response"],
                            dues["done"],
                            estimated,
                            responded,
                            resolved,
                            closed,
                            bool(accepted and accepted > dues["assign"]),
                            bool(responded and responded > dues["response"]),
                            bool(resolved and resolved > dues["done"]),
                            "",
                            level if resolved else "",
                            holder_org if resolved else None,
                            escalations,
                            0,
                            rating,
                            solved,
                            "",
                            "online" if rating else "",
                            rated,
                            False,
                            "",
                            "",
                            now,
                        )
                    )
                    if i and i % 200_000 == 0:
                        print(f"  {i:,}", flush=True)

    # ---- the run

    def run(self) -> dict:
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.utils import timezone

        from jiceng.orgs.models import Organization
        from jiceng.requests import queries
        from jiceng.requests.models import Department, Request
        from jiceng.requests.views import figures

        load = self.prepare()
        if self.args.serial:  # the whole statement in this backend, so its CPU time is all of it
            with connection.cursor() as cur:
                cur.execute("SET max_parallel_workers_per_gather = 0")
        user = get_user_model().objects.select_related("organization").get(username="demo-county")
        root = user.organization
        today = timezone.localdate()
        self.month = figures.previous_month(today)
        self.start, self.end = queries.month_bounds(self.month)
        periods = [RankingPeriod.ending(self.month, months) for months in self.args.periods]
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg_version = "PostgreSQL " + cur.fetchone()[0]
        load_before = os.getloadavg()[0]
        counts = {
            "requests": Request.objects.count(),
            "month_requests": Request.objects.filter(received_at__gte=self.start, received_at__lt=self.end).count(),
            "organizations": Organization.objects.count(),
            "townships": Organization.objects.filter(parent=root).count(),
            "departments": Department.objects.count(),
        }
        print(f"{pg_version}; {counts}", flush=True)
        rankings = []
        for period in periods:
            period.requests = Request.objects.filter(received_at__gte=period.start, received_at__lt=period.end).count()
            print(f"ranking over {period.label}: {period.requests:,} requests", flush=True)
            rankings += [self.township_ranking(user, root, period), self.department_ranking(user, root, period)]
        intake = self.intake() if self.args.intake else []
        return {
            "pg_version": pg_version,
            "load_average": [load_before, os.getloadavg()[0]],
            "counts": counts,
            "month": f"{self.month:%Y-%m}",
            "load": load,
            "rankings": rankings,
            "intake": intake,
            "mismatches": self.mismatches,
            "figures": self.figures,
            "units": self.units,
        }

    def measure(self, fn) -> tuple[float, int, float | None]:
        """Wall ms, queries, and CPU ms of this process plus its PostgreSQL backend (when the
        server runs on this machine; parallel workers not included, see --serial)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if self.smoke:  # one run, counted and timed
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                fn()
                ms = (time.perf_counter() - start) * 1000
            return ms, len(ctx.captured_queries), None
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]

        def cpu():
            server = process_cpu_seconds(backend)
            return None if server is None else server + time.process_time()

        ms, cpu_ms = median_ms(fn, self.repeat, cpu)
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return ms, len(ctx.captured_queries), cpu_ms

    def view_ms(self, user, params: dict) -> tuple[float, int, float | None]:
        from django.test import Client

        client = Client()
        client.force_login(user)

        def get():
            response = client.get("/requests/ranking/", params)
            assert response.status_code == 200, response.status_code

        return self.measure(get)

    # ---- rankings

    def weights(self):
        from jiceng.requests.models import RequestSettings

        return RequestSettings.current().weights

    def township_ranking(self, user, root, period: RankingPeriod) -> dict:
        from django.db import connection
        from django.utils import timezone

        from jiceng.core.tree import path_upper_bound
        from jiceng.requests import queries

        now = timezone.now()
        weights = self.weights()
        result = {}

        def orm():
            result["rows"] = queries.ranking_children(root, period.start, period.end, now, weights)

        orm_ms, orm_queries, orm_cpu = self.measure(orm)
        view_ms, view_queries, view_cpu = self.view_ms(user, period.params)
        sql = RANKING_SQL.format(
            unit="substr(o.path, 1, %(len)s)",
            join="JOIN orgs_organization o ON o.id = r.organization_id",
            # The root's territory by the path range, which the planner estimates from the
            # statistics (933 organizations). A prefix, substr(o.path, 1, 4) = '0001', is
            # estimated at 0.5% of them (5): over 3 and 6 months that chose 932 bitmap scans of
            # request_org_received_idx, as slow as the whole year.
            where="o.path >= %(root)s AND o.path < %(upper)s AND o.path <> %(root)s",
        )
        params = {
            "len": len(root.path) + 4,
            "root": root.path,
            "upper": path_upper_bound(root.path),
            **self.sql_params(period, now, weights),
        }

        def hand():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                result["sql"] = cur.fetchall()

        sql_ms, _, sql_cpu = self.measure(hand)
        self.compare_ranking(
            f"township ranking ({period.label})", result["rows"], result["sql"], key=lambda row: row["key"]
        )
        return {
            "what": f"ranking of {len(result['rows'])} townships, {period.label} ({period.requests:,} requests)",
            "orm_ms": orm_ms,
            "orm_queries": orm_queries,
            "view_ms": view_ms,
            "view_queries": view_queries,
            "sql_ms": sql_ms,
            "cpu_ms": [orm_cpu, view_cpu, sql_cpu],
        }

    def department_ranking(self, user, root, period: RankingPeriod) -> dict:
        from django.db import connection
        from django.utils import timezone

        from jiceng.core.tree import path_upper_bound
        from jiceng.requests import queries

        now = timezone.now()
        weights = self.weights()
        result = {}

        def orm():
            result["rows"] = queries.ranking_departments(root, period.start, period.end, now, weights)

        orm_ms, orm_queries, orm_cpu = self.measure(orm)
        view_ms, view_queries, view_cpu = self.view_ms(user, {**period.params, "by": "department"})
        sql = RANKING_SQL.format(
            unit="r.holder_department_id",
            join="JOIN requests_department d ON d.id = r.holder_department_id JOIN orgs_organization c ON c.id = d.county_id",
            where="d.is_active AND c.path >= %(lo)s AND c.path < %(hi)s",
        )
        params = {"lo": root.path, "hi": path_upper_bound(root.path), **self.sql_params(period, now, weights)}

        def hand():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                result["sql"] = cur.fetchall()

        sql_ms, _, sql_cpu = self.measure(hand)
        self.compare_ranking(
            f"department ranking ({period.label})", result["rows"], result["sql"], key=lambda row: row["key"]
        )
        return {
            "what": f"ranking of {len(result['rows'])} departments, {period.label}",
            "orm_ms": orm_ms,
            "orm_queries": orm_queries,
            "view_ms": view_ms,
            "view_queries": view_queries,
            "sql_ms": sql_ms,
            "cpu_ms": [orm_cpu, view_cpu, sql_cpu],
        }

    def sql_params(self, period: RankingPeriod, now, weights) -> dict:
        return {
            "start": period.start,
            "end": period.end,
            "now": now,
            "wr": weights["response"],
            "ws": weights["resolution"],
            "wt": weights["satisfaction"],
        }

    def compare_ranking(self, what, rows, sql_rows, key) -> None:
        from jiceng.requests import rules

        by_unit = {r[0]: r for r in sql_rows}
        self.units[what] = 0
        for row in rows:
            f = row["figures"]
            if not f.received:
                if row["key"] in by_unit:
                    self.mismatches.append(f"{what} {row['label']}: SQL has a row for a unit without requests")
                continue
            s = by_unit.get(key(row))
            if s is None:
                self.mismatches.append(f"{what} {row['label']}: missing in SQL")
                continue
            orm = (
                f.received,
                f.response_settled,
                f.response_ok,
                f.resolved,
                f.done_settled,
                f.done_ok,
                f.village_resolved,
                f.rated,
                f.satisfied,
                f.solved,
                f.overdue_open,
                row["median_hours"],
                row["score"],
                row["rank"],
            )
            median = rules.median_hours([], s[12])
            score = None if s[13] is None else Decimal(s[13]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            hand = (*s[1:12], median, score, s[14])
            self.figures += len(orm)
            self.units[what] += 1
            if orm != hand:
                self.mismatches.append(f"{what} {row['label']}: ORM {orm} != SQL {hand}")

    # ---- intake

    def intake(self) -> list[dict]:
        from django.db import connection, connections
        from django.test import Client
        from django.utils import timezone

        from jiceng.orgs.models import Organization
        from jiceng.requests.models import Category, Request, RequestSettings

        n = self.args.intake
        depth = RequestSettings.current().township_depth
        villages = list(
            Organization.objects.filter(depth=depth + 1, domain="rural").values_list("code", flat=True)[:50]
        )
        category = Category.objects.get(code="road").pk
        out = []

        def post(client, i):
            data = {
                "kind": "help",
                "category": category,
                "description": f"基准测试：第 {i} 件，村口路灯坏了",
                "phone": "13800000000",
                "name": "测试",
            }
            response = client.post(
                f"/r/{villages[i % len(villages)]}/",
                data,
                REMOTE_ADDR=f"10.{i // 65025 % 250}.{i // 255 % 255}.{i % 255}",
            )
            assert response.status_code == 302, (response.status_code, response.content[:300])

        before = Request.objects.count()
        client = Client()
        start = time.perf_counter()
        for i in range(n):
            post(client, i)
        seconds = time.perf_counter() - start
        assert Request.objects.count() == before + n
        out.append(
            {
                "what": "POST /r/<village>/ through the views, 1 client",
                "n": n,
                "seconds": seconds,
                "per_second": n / seconds,
            }
        )

        threads, per_thread = 4, n // 4
        errors = []

        def worker(t):
            try:
                c = Client()
                for j in range(per_thread):
                    post(c, n + t * per_thread + j)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                connections.close_all()

        start = time.perf_counter()
        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        seconds = time.perf_counter() - start
        if errors:
            self.mismatches.append(f"threaded intake failed: {errors[:3]}")
        out.append(
            {
                "what": f"POST /r/<village>/ through the views, {threads} threads",
                "n": threads * per_thread,
                "seconds": seconds,
                "per_second": threads * per_thread / seconds,
            }
        )

        org = Organization.objects.get(code=villages[0])
        now = timezone.now()
        sql = f"INSERT INTO requests_request ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        start = time.perf_counter()
        with connection.cursor() as cur:
            for i in range(n):
                row = [
                    f"R{i:06d}{int(start) % 100000:05d}",
                    "help",
                    category,
                    "normal",
                    "study",
                    "qr",
                    "",
                    f"原始插入 {i}",
                    "",
                    "",
                    "13800000000",
                    org.pk,
                    "received",
                    0,
                    "village",
                    org.pk,
                    None,
                    now,
                    None,
                    now,
                    now,
                    now,
                    now,
                    False,
                    None,
                    None,
                    None,
                    False,
                    False,
                    False,
                    "",
                    "",
                    None,
                    0,
                    0,
                    "",
                    None,
                    "",
                    "",
                    None,
                    False,
                    "",
                    "",
                    now,
                ]
                cur.execute(sql, row)  # autocommit: one transaction per row, like one request per POST
        seconds = time.perf_counter() - start
        out.append(
            {
                "what": "raw single-row INSERT loop (requests_request only)",
                "n": n,
                "seconds": seconds,
                "per_second": n / seconds,
            }
        )
        return out


# One statement for the whole ranking: the counts of queries.figure_aggregates, the median of
# the hours to resolution, the composite score with the weight of a missing rate shared out,
# and the competition rank.
RANKING_SQL = """
WITH base AS (
    SELECT {unit} AS unit, r.*
    FROM requests_request r {join}
    WHERE {where}
      AND r.received_at >= %(start)s AND r.received_at < %(end)s AND r.state <> 'dismissed'
), counts AS (
    SELECT unit,
        count(*) AS received,
        count(*) FILTER (WHERE responded_at IS NOT NULL OR response_due_at < %(now)s OR response_late) AS response_settled,
        count(*) FILTER (WHERE responded_at IS NOT NULL AND NOT response_late) AS response_ok,
        count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
        count(*) FILTER (WHERE resolved_at IS NOT NULL OR done_due_at < %(now)s OR done_late) AS done_settled,
        count(*) FILTER (WHERE resolved_at IS NOT NULL AND NOT done_late) AS done_ok,
        count(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_level = 'village') AS village_resolved,
        count(*) FILTER (WHERE rating > '') AS rated,
        count(*) FILTER (WHERE rating IN ('basic', 'satisfied')) AS satisfied,
        count(*) FILTER (WHERE rating > '' AND solved) AS solved,
        count(*) FILTER (WHERE state IN ('received', 'assigned', 'transferred', 'escalated', 'returned', 'reopened',
                                         'accepted', 'in_progress')
                         AND ((accepted_at IS NULL AND assign_due_at < %(now)s)
                              OR (responded_at IS NULL AND response_due_at < %(now)s)
                              OR (resolved_at IS NULL AND done_due_at < %(now)s))) AS overdue_open,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) / 3600)
            FILTER (WHERE resolved_at IS NOT NULL) AS median_hours
    FROM base GROUP BY unit
), rates AS (
    SELECT *,
        response_ok::numeric / NULLIF(response_settled, 0) AS r_response,
        solved::numeric / NULLIF(rated, 0) AS r_resolution,
        satisfied::numeric / NULLIF(rated, 0) AS r_satisfaction
    FROM counts
), scored AS (
    SELECT *,
        100 * (COALESCE(%(wr)s * r_response, 0) + COALESCE(%(ws)s * r_resolution, 0) + COALESCE(%(wt)s * r_satisfaction, 0))
        / NULLIF(CASE WHEN r_response IS NULL THEN 0 ELSE %(wr)s END
               + CASE WHEN r_resolution IS NULL THEN 0 ELSE %(ws)s END
               + CASE WHEN r_satisfaction IS NULL THEN 0 ELSE %(wt)s END, 0) AS score
    FROM rates
)
SELECT unit, received, response_settled, response_ok, resolved, done_settled, done_ok, village_resolved,
       rated, satisfied, solved, overdue_open, median_hours, round(score, 2) AS score,
       CASE WHEN score IS NULL THEN NULL ELSE rank() OVER (ORDER BY round(score, 2) DESC NULLS LAST) END AS rank
FROM scored
ORDER BY score DESC NULLS LAST, unit
"""


def months_list(value: str) -> list[int]:
    try:
        months = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        months = []
    if not months or not all(1 <= n <= 12 for n in months):
        raise argparse.ArgumentTypeError("months between 1 and 12, separated by commas: 1,3,6,12")
    return months


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests to have in the database")
    parser.add_argument("--intake", type=int, default=400, help="POSTs through the intake view")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--periods",
        type=months_list,
        default=[1],
        metavar="N,N,…",
        help="rank over the last N months up to last month, for each N (e.g. 1,3,6,12; default 1)",
    )
    parser.add_argument(
        "--serial",
        action="store_true",
        help="no parallel workers, so that the CPU column holds all the work (compare on a shared machine)",
    )
    parser.add_argument("--database", default=DB_NAME, help=f"PostgreSQL database of the bench (default {DB_NAME})")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the bench database")
    parser.add_argument("--drop", action="store_true", help="drop the bench database after the run")
    parser.add_argument(
        "--smoke", action="store_true", help="check once, at toy size, that ORM, view and hand SQL agree, then exit"
    )
    parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        return child(args)
    if args.smoke:
        return smoke()
    return parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
