#!/usr/bin/env python
"""Foundation benchmark: the command screen and the subtree member list, ORM versus hand SQL.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_foundation.py [--scale county|city|province|both] [--repeat N] [--fresh] [--explain]
        [--database NAME]

Each scale gets its own PostgreSQL database (jiceng_bench_county, jiceng_bench_city, or the
name given with --database for a single scale), created if missing and loaded once with
`manage.py demo_county --seed 1 --scale <scale>`; it is kept for the next run, which reuses it
as it is (`--fresh` drops and reloads it, `--drop` drops it after the run). Because
DATABASE_URL must be set before django.setup(), every scale runs in a child process of this
script (`--_child <scale>`); the parent only creates databases and prints the table.

Timings are the median of --repeat runs (default 7) after one warm-up, in milliseconds.
The hand SQL is checked against the ORM: any difference in a figure is reported and the
script exits non-zero.

    .venv/bin/python bench/bench_foundation.py --smoke

checks instead that the ORM, the views and the hand SQL still agree, once each, on the tiny demo
(`demo_county --seed 1 --scale tiny`) in a throwaway PostgreSQL database
(jiceng_smoke_foundation_<pid>, dropped at the end), plus the term warnings with approved
postponements set up inside a rolled-back transaction (the tiny demo has none). It prints one
line and exits non-zero on a crash or mismatch; without PostgreSQL it prints SKIPPED and exits
0, unless JICENG_REQUIRE_POSTGRES is set. No timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
SCALES = ("county", "city", "province")
BOTH = ("county", "city")  # the default; the province (3.7 million members) only when asked
# Server without a database name; the bench databases are <base>/jiceng_bench_<scale>.
PG_BASE = os.environ.get("JICENG_BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
COUNTY_USER = "demo-county"
TOWNSHIP_USER = "demo-township"


# --database NAME: the one scale asked for runs in this database instead (kept and reused like the
# default ones: a province loaded once serves every later run with the same name).
DATABASE_NAMES: dict[str, str] = {}


def db_name(scale: str) -> str:
    return DATABASE_NAMES.get(scale, f"jiceng_bench_{scale}")


# --------------------------------------------------------------------------- parent side


def maintenance_connection():
    import psycopg

    return psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5)


def ensure_database(scale: str, fresh: bool) -> None:
    from psycopg import sql

    name = db_name(scale)
    with maintenance_connection() as conn:
        if fresh:
            print(f"[{scale}] dropping database {name} (--fresh)", flush=True)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"[{scale}] creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


def drop_database(scale: str) -> None:
    from psycopg import sql

    with maintenance_connection() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name(scale))))
    print(f"[{scale}] dropped database {db_name(scale)} (--drop)")


def run_child(scale: str, args) -> dict | None:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"{PG_BASE}/{db_name(scale)}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix=f"bench_{scale}_", delete=False) as tmp:
        out_path = tmp.name
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", scale, "--repeat", str(args.repeat)]
    cmd += ["--_out", out_path]
    if args.explain:
        cmd.append("--explain")
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        text = Path(out_path).read_text(encoding="utf-8")
        result = json.loads(text) if text.strip() else None
    finally:
        Path(out_path).unlink(missing_ok=True)
    if result is None:
        print(f"[{scale}] child process failed (exit {proc.returncode}) before producing results", file=sys.stderr)
        return None
    result["exit"] = proc.returncode
    return result


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def markdown_table(header, lines) -> None:
    widths = [max(text_width(x) for x in col) for col in zip(header, *lines, strict=False)]

    def show(cells):
        print("| " + " | ".join(str(c) + " " * (w - text_width(c)) for c, w in zip(cells, widths, strict=True)) + " |")

    show(header)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        show(line)


def fmt_ms(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def fmt_ratio(a, b) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.1f}×"


def print_table(results: list[dict]) -> None:
    header = ("scale", "what", "ORM/view ms", "hand SQL ms", "ratio", "queries (ORM / SQL)")
    lines = []
    for r in results:
        for row in r["rows"]:
            queries = (
                f"{row['queries']} / {row['sql_statements']}" if row.get("sql_statements") else str(row["queries"])
            )
            lines.append(
                (
                    r["scale"],
                    row["what"],
                    fmt_ms(row["orm_ms"]),
                    fmt_ms(row["sql_ms"]),
                    fmt_ratio(row["orm_ms"], row["sql_ms"]),
                    queries,
                )
            )
    markdown_table(header, lines)


def print_breakdown(results: list[dict]) -> None:
    header = ("scale", "figure group (county root)", "ORM ms", "hand SQL ms", "ratio", "ORM queries")
    lines = [
        (
            r["scale"],
            b["what"],
            fmt_ms(b["orm_ms"]),
            fmt_ms(b["sql_ms"]),
            fmt_ratio(b["orm_ms"], b["sql_ms"]),
            b["queries"],
        )
        for r in results
        for b in r["breakdown"]
    ]
    markdown_table(header, lines)


def parent(args) -> int:
    scales = BOTH if args.scale == "both" else (args.scale,)
    results, failed = [], False
    for scale in scales:
        ensure_database(scale, args.fresh)
        result = run_child(scale, args)
        if result is None:
            failed = True
            continue
        results.append(result)
        failed = failed or result["exit"] != 0 or bool(result["mismatches"])
    if args.drop:
        for scale in scales:
            drop_database(scale)
    if not results:
        return 1
    print()
    print("== Jiceng foundation benchmark ==")
    print(f"machine: {os.cpu_count()} CPU(s), {platform.machine()}, Python {platform.python_version()}")
    for r in results:
        c = r["counts"]
        print(
            f"[{r['scale']}] {r['pg_version']}; organizations {c['organizations']}, members {c['members']} "
            f"(active {c['active_members']}), users {c['users']}; "
            f"{COUNTY_USER} subtree {r['roots']['county']}, {TOWNSHIP_USER} subtree {r['roots']['township']}"
        )
    print(f"median of {args.repeat} runs after one warm-up, milliseconds\n")
    print_table(results)
    print()
    print_breakdown(results)
    for r in results:
        for m in r["mismatches"]:
            print(f"!! MISMATCH [{r['scale']}] {m}", file=sys.stderr)
    if failed:
        print("\n!! hand SQL and ORM disagree, or a run failed — see above", file=sys.stderr)
        return 1
    return 0


def smoke() -> int:
    """--smoke: every comparison once on the tiny demo in a throwaway PostgreSQL database."""
    script = "bench_foundation"
    clock = _smoke.Clock()
    if not _smoke.postgres_reachable():
        return _smoke.without_postgres(script)
    _smoke.terminate_cleanly()
    with tempfile.NamedTemporaryFile("r", suffix=".json", prefix="bench_smoke_", delete=False) as tmp:
        out_path = tmp.name
    try:
        with _smoke.postgres_database(script) as url:
            _smoke.load_tiny_demo(url)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "tiny", "--smoke", "--repeat", "1"]
            proc = _smoke.run_child(cmd + ["--_out", out_path], url)
        text = Path(out_path).read_text(encoding="utf-8")
        result = json.loads(text) if text.strip() else None
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        return _smoke.failed(script, repr(exc), clock)
    finally:
        Path(out_path).unlink(missing_ok=True)
    output = proc.stdout + proc.stderr
    if result is None or proc.returncode not in (0, 2):
        return _smoke.failed(script, f"child process crashed (exit {proc.returncode})", clock, output)
    if result["mismatches"]:
        lines = "\n".join(f"!! MISMATCH {m}" for m in result["mismatches"])
        return _smoke.failed(script, f"{len(result['mismatches'])} mismatch(es)", clock, output + lines)
    return _smoke.ok(script, f"{result['figures']} figures agree", clock)


# --------------------------------------------------------------------------- child side


def child(scale: str, repeat: int, out_path: str, explain: bool, smoke: bool = False) -> int:
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("--_child needs DATABASE_URL in the environment (run without --_child)")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    # One connection for the whole run, also across the test client's requests.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "3600")
    # Whitenoise warns about the static root collectstatic has not filled; irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    bench = ChildBench(scale, repeat, explain, smoke)
    result = bench.run()
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 2 if result["mismatches"] else 0


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


class ChildBench:
    def __init__(self, scale: str, repeat: int, explain: bool, smoke: bool = False):
        self.scale = scale
        self.repeat = repeat
        self.explain = explain
        self.smoke = smoke  # every comparison once, no timing
        self.mismatches: list[str] = []
        self.figures = 0  # numbers compared

    # ---- setup

    def prepare(self) -> None:
        from django.core.management import call_command
        from django.db import connection

        from jiceng.orgs.models import Organization

        print(f"[{self.scale}] migrating {connection.settings_dict['NAME']}", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not Organization.objects.exists():
            cmd = [sys.executable, "manage.py", "demo_county", "--seed", "1", "--scale", self.scale]
            cmd += ["--password", DEMO_PASSWORD]
            print(f"[{self.scale}] loading the demo: {' '.join(cmd[1:])}", flush=True)
            connection.close()
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=os.environ, check=True)
            print(f"[{self.scale}] demo loaded in {time.perf_counter() - start:.0f} s", flush=True)
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
        else:
            print(f"[{self.scale}] demo already loaded (use --fresh to reload)", flush=True)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")

    # ---- the run

    def run(self) -> dict:
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.utils import timezone

        from jiceng.members.models import Member
        from jiceng.orgs.models import Organization

        self.prepare()
        users = get_user_model().objects.select_related("organization")
        self.today = timezone.localdate()
        county = users.get(username=COUNTY_USER)
        township = users.get(username=TOWNSHIP_USER)
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg_version = "PostgreSQL " + cur.fetchone()[0]
        counts = {
            "organizations": Organization.objects.count(),
            "members": Member.objects.count(),
            "active_members": Member.objects.filter(status__in=Member.ACTIVE_STATUSES).count(),
            "users": get_user_model().objects.count(),
        }
        roots = {}
        for key, user in (("county", county), ("township", township)):
            root = user.organization
            roots[key] = (
                f"{root.name} ({Organization.objects.filter(root.subtree_filter()).count()} orgs, "
                f"{Member.objects.filter(root.subtree_filter('organization__')).count()} members)"
            )
        print(f"[{self.scale}] {pg_version}; {counts}", flush=True)

        rows = []
        for label, user in (("county", county), ("township", township)):
            rows += self.command_screen_rows(label, user)
        for label, user in (("county", county), ("township", township)):
            rows += self.member_list_rows(label, user)
        breakdown = self.breakdown(county)
        if self.smoke:
            self.postponed_terms(county)
        if self.explain:
            self.print_explain(county)
            self.print_explain(township)
        return {
            "scale": self.scale,
            "pg_version": pg_version,
            "counts": counts,
            "roots": roots,
            "rows": rows,
            "breakdown": breakdown,
            "mismatches": self.mismatches,
            "figures": self.figures,
        }

    def measure(self, fn) -> tuple[float, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if self.smoke:  # one run, counted and timed
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                fn()
                ms = (time.perf_counter() - start) * 1000
            return ms, len(ctx.captured_queries)
        ms = median_ms(fn, self.repeat)
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return ms, len(ctx.captured_queries)

    def compare(self, what: str, orm, hand) -> None:
        self.figures += _smoke.count_figures(orm)
        if orm != hand and isinstance(orm, dict) and isinstance(hand, dict):
            # Name only the figure groups that differ.
            keys = [k for k in orm.keys() | hand.keys() if orm.get(k) != hand.get(k)]
            orm, hand = {k: orm.get(k) for k in sorted(keys)}, {k: hand.get(k) for k in sorted(keys)}
        if orm != hand:
            self.mismatches.append(f"{what}: ORM {orm!r} != hand SQL {hand!r}")
            print(f"[{self.scale}] !! MISMATCH {what}\n   ORM:      {orm!r}\n   hand SQL: {hand!r}", flush=True)

    # ---- command screen

    def command_screen_rows(self, label: str, user) -> list[dict]:
        from django.db import connection
        from django.test import Client

        from jiceng.dashboard.queries import command_screen

        root = user.organization
        today = self.today

        def orm():
            return command_screen(user, root, today)

        def hand():
            return hand_command_screen(connection, user, root, today)

        orm_ms, orm_q = self.measure(orm)
        sql_ms, sql_q = self.measure(hand)
        self.compare(f"command screen ({label})", orm_numbers(orm()), hand())

        client = Client()
        client.force_login(user)

        def view():
            response = client.get("/")
            if response.status_code != 200:
                raise RuntimeError(f"GET / as {user.username}: HTTP {response.status_code}")

        view_ms, view_q = self.measure(view)

        def card():
            # The structure and term warnings, which the page loads after itself (htmx).
            response = client.get(f"/dashboard/warnings/?org={root.pk}")
            if response.status_code != 200:
                raise RuntimeError(f"GET /dashboard/warnings/ as {user.username}: HTTP {response.status_code}")

        card_ms, card_q = self.measure(card)
        who = f"{user.username} ({root.short_name or root.name})"
        return [
            {
                "what": f"command screen, ORM — {who}",
                "orm_ms": orm_ms,
                "sql_ms": sql_ms,
                "queries": orm_q,
                "sql_statements": sql_q,
            },
            {
                "what": f"command screen, view GET / — {who}",
                "orm_ms": view_ms,
                "sql_ms": sql_ms,
                "queries": view_q,
                "sql_statements": sql_q,
            },
            {
                "what": f"its warnings card, GET /dashboard/warnings/ — {who}",
                "orm_ms": card_ms,
                "sql_ms": None,
                "queries": card_q,
            },
        ]

    # ---- term warnings with postponements (smoke only)

    def postponed_terms(self, user) -> None:
        """Every branch of the term rule, set up in a transaction that is rolled back.

        The tiny demo has no approved postponement (延期换届), so without this the smoke run
        would compare the postponed count only as 0 = 0.
        """
        from datetime import timedelta

        from django.db import connection, transaction

        from jiceng.dashboard.queries import command_screen
        from jiceng.orgs import rules as org_rules
        from jiceng.orgs.models import Organization

        root, today = user.organization, self.today
        day = timedelta(days=1)
        cases = [
            (today - 30 * day, None),  # expired
            (today + 30 * day, None),  # expiring within the lead time
            (today - 30 * day, today + 60 * day),  # postponed, still running
            (today - 200 * day, today - 10 * day),  # the postponement has passed: expired
            (today - 30 * day, today - 60 * day),  # "postponed" to before the term's end: not a postponement
            (today + 30 * day, today + 90 * day),  # postponed before the term ended
        ]
        orgs = list(
            Organization.objects.filter(root.subtree_filter(), type__in=org_rules.TERM_TYPES).order_by("path")[
                : len(cases)
            ]
        )
        if len(orgs) < len(cases):
            self.mismatches.append(f"postponed terms: only {len(orgs)} organizations with a term under {root.path}")
            return
        with transaction.atomic():
            for org, (term_end, postponed_to) in zip(orgs, cases, strict=False):
                Organization.objects.filter(pk=org.pk).update(term_end=term_end, term_postponed_to=postponed_to)
            orm = orm_numbers(command_screen(user, root, today))
            self.compare("command screen with postponed terms", orm, hand_command_screen(connection, user, root, today))
            postponed = dict(orm["term_warnings"])[org_rules.WARNING_LABELS[org_rules.TERM_POSTPONED]]
            if postponed < 2:
                self.mismatches.append(
                    f"postponed terms: the ORM counts {postponed} postponed terms, expected 2 or more"
                )
            transaction.set_rollback(True)

    # ---- member list

    def member_list_rows(self, label: str, user) -> list[dict]:
        from django.db import connection
        from django.test import Client

        from jiceng.core.scoping import visible
        from jiceng.members.models import Member

        def orm():
            qs = visible(user, Member.objects.select_related("organization")).order_by(
                "organization__path", "name_pinyin", "id"
            )
            return qs.count(), [m.pk for m in qs[:50]]

        def hand():
            return hand_member_list(connection, user)

        orm_ms, orm_q = self.measure(orm)
        sql_ms, sql_q = self.measure(hand)
        self.compare(f"member list ({label})", orm(), hand())

        client = Client()
        client.force_login(user)

        def view():
            response = client.get("/members/")
            if response.status_code != 200:
                raise RuntimeError(f"GET /members/ as {user.username}: HTTP {response.status_code}")

        view_ms, view_q = self.measure(view)
        who = f"{user.username} ({user.organization.short_name or user.organization.name})"
        return [
            {
                "what": f"member list p.1, ORM count+50 — {who}",
                "orm_ms": orm_ms,
                "sql_ms": sql_ms,
                "queries": orm_q,
                "sql_statements": sql_q,
            },
            {
                "what": f"member list p.1, view GET /members/ — {who}",
                "orm_ms": view_ms,
                "sql_ms": sql_ms,
                "queries": view_q,
                "sql_statements": sql_q,
            },
        ]

    # ---- per figure group, for the county root

    def breakdown(self, user) -> list[dict]:
        from django.db import connection
        from django.db.models import Count, Q

        from jiceng.core.scoping import path_q, visible
        from jiceng.members import rules as member_rules
        from jiceng.members.models import Member
        from jiceng.orgs import queries as org_queries
        from jiceng.orgs.models import Organization

        root, today = user.organization, self.today
        # The same querysets command_screen builds (jiceng/dashboard/queries.py).
        # Built afresh on every call: a queryset evaluated once would answer later runs from its cache.

        def orgs():
            return visible(user, Organization.objects.all()).filter(path_q("path", root.path))

        def members():
            return visible(user, Member.objects.all()).filter(path_q("organization__path", root.path))

        def active():
            return members().filter(status__in=Member.ACTIVE_STATUSES)

        bands = {b: member_rules.birth_range_for_band(b, today) for b in member_rules.AGE_BANDS}

        def band_q(band):
            after, upto = bands[band]
            q = Q()
            if after is not None:
                q &= Q(birth_date__gt=after)
            if upto is not None:
                q &= Q(birth_date__lte=upto)
            return q

        groups = {
            "orgs by type + by domain": lambda: (
                list(orgs().values("type").annotate(n=Count("id")).order_by()),
                list(orgs().values("domain").annotate(n=Count("id")).order_by()),
            ),
            "members by status": lambda: list(members().values("status").annotate(n=Count("id")).order_by()),
            "active: gender/age/mobile/no post": lambda: active().aggregate(
                total=Count("id"),
                male=Count("id", filter=Q(gender="male")),
                female=Count("id", filter=Q(gender="female")),
                mobile=Count("id", filter=Q(is_mobile=True)),
                no_post=Count("id", filter=Q(post="")),
                **{f"band_{b}": Count("id", filter=band_q(b)) for b in member_rules.AGE_BANDS},
            ),
            "active by education": lambda: list(active().values("education").annotate(n=Count("id")).order_by()),
            "children + members per child": lambda: (
                list(orgs().filter(parent=root).order_by("path")),
                org_queries.active_members_by_child(root),
            ),
            # The columns command_screen loads (warnings_in adds term_postponed_to itself).
            "warnings (Python roll-up)": lambda: org_queries.warning_totals(
                org_queries.warnings_in(orgs().only("id", "type", "has_committee", "term_end"), root.path, today)
            ),
        }
        statements = hand_statements(user, root, today)
        out = []
        for (what, orm_fn), (sql, params) in zip(groups.items(), statements, strict=True):

            def hand(sql=sql, params=params):
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall()

            orm_ms, orm_q = self.measure(orm_fn)
            sql_ms, _ = self.measure(hand)
            out.append({"what": what, "orm_ms": orm_ms, "sql_ms": sql_ms, "queries": orm_q})
        return out

    def print_explain(self, user) -> None:
        from django.db import connection

        from jiceng.core.scoping import visible
        from jiceng.members.models import Member

        print(f"\n[{self.scale}] ==== EXPLAIN (ANALYZE, BUFFERS), {user.username} ====")
        stmts = hand_statements(user, user.organization, self.today) + member_list_statements(user)
        with connection.cursor() as cur:
            for sql, params in stmts:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n-- " + " ".join(sql.split())[:110] + " …")
                print("\n".join(r[0] for r in cur.fetchall()))
        qs = visible(user, Member.objects.select_related("organization")).order_by(
            "organization__path", "name_pinyin", "id"
        )
        print("\n-- ORM member list page 1")
        print(qs[:50].explain(analyze=True, buffers=True))


# --------------------------------------------------------------------------- hand SQL


def scope_bounds(user, root) -> tuple[str, str]:
    """Path range of `root`'s subtree within the user's scope (what visible() + path_q select)."""
    from jiceng.core.scoping import has_full_scope, scope_root
    from jiceng.core.tree import path_upper_bound

    lo, hi = root.path, path_upper_bound(root.path)
    if not has_full_scope(user):
        scope = scope_root(user)
        lo, hi = max(lo, scope.path), min(hi, path_upper_bound(scope.path))
    return lo, hi


def tables() -> dict[str, str]:
    from jiceng.core.models import CountySettings
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization

    return {
        "O": Organization._meta.db_table,
        "M": Member._meta.db_table,
        "C": CountySettings._meta.db_table,
    }


def hand_statements(user, root, today) -> list[tuple[str, dict]]:
    """One statement per figure group of the command screen, in the order of the breakdown."""
    from jiceng.core.tree import path_upper_bound
    from jiceng.members import rules as member_rules
    from jiceng.members.models import Member
    from jiceng.orgs import rules as org_rules
    from jiceng.orgs.models import Organization

    t = tables()
    lo, hi = scope_bounds(user, root)
    p = {
        "lo": lo,
        "hi": hi,
        # The child counts and the warnings' subtree counts are not scoped by user (as in the ORM).
        "root_lo": root.path,
        "root_hi": path_upper_bound(root.path),
        "root_len": len(root.path),
        "max_len": Organization._meta.get_field("path").max_length,
        "segment": org_rules.SEGMENT,
        "width": len(root.path) + org_rules.SEGMENT,
        "root_id": root.pk,
        "active": list(Member.ACTIVE_STATUSES),
        "today": today,
        "branch": sorted(org_rules.BRANCH_TYPES),
        "branch_gb": sorted(org_rules.BRANCH_TYPES | {"general_branch"}),
        "term": sorted(org_rules.TERM_TYPES),
    }
    band_sql = []
    for band in member_rules.AGE_BANDS:
        after, upto = member_rules.birth_range_for_band(band, today)
        conds = []
        if after is not None:
            p[f"{band}_after"] = after
            conds.append(f"m.birth_date > %({band}_after)s")
        if upto is not None:
            p[f"{band}_upto"] = upto
            conds.append(f"m.birth_date <= %({band}_upto)s")
        band_sql.append(f"count(*) FILTER (WHERE {' AND '.join(conds)})")
    member_from = "{M} m JOIN {O} o ON o.id = m.organization_id WHERE o.path >= %(lo)s AND o.path < %(hi)s".format(**t)
    statements = [
        # Organizations by type and by domain, one range scan on the unique path index.
        "SELECT type, domain, count(*) FROM {O} WHERE path >= %(lo)s AND path < %(hi)s "
        "GROUP BY GROUPING SETS ((type), (domain))".format(**t),
        # Members (all statuses) by status.
        f"SELECT m.status, count(*) FROM {member_from} GROUP BY m.status",
        # Active members: total, gender, age bands, mobile, without post — one pass.
        "SELECT count(*), count(*) FILTER (WHERE m.gender = 'male'), count(*) FILTER (WHERE m.gender = 'female'), "
        "count(*) FILTER (WHERE m.is_mobile), count(*) FILTER (WHERE m.post = ''), "
        f"{', '.join(band_sql)} FROM {member_from} AND m.status = ANY(%(active)s)",
        # Active members by education.
        f"SELECT m.education, count(*) FROM {member_from} AND m.status = ANY(%(active)s) GROUP BY m.education",
        # Children of the root with the active members of each child's subtree.
        """
        SELECT c.path, c.short_name, c.name, coalesce(n.n, 0)
        FROM {O} c
        LEFT JOIN (
            SELECT substr(o.path, 1, %(width)s) AS prefix, count(*) AS n
            FROM {M} m JOIN {O} o ON o.id = m.organization_id
            WHERE o.path >= %(root_lo)s AND o.path < %(root_hi)s AND m.status = ANY(%(active)s)
            GROUP BY 1
        ) n ON n.prefix = c.path
        WHERE c.parent_id = %(root_id)s AND c.path >= %(lo)s AND c.path < %(hi)s
        ORDER BY c.path
        """.format(**t),
        # Warnings: direct counts per organization, rolled up to every ancestor within the root
        # (one row per ancestor prefix), then the statute rules of jiceng.orgs.rules as FILTERs.
        # generate_series gets constant bounds so the planner knows it yields a few rows: with
        # length(d.path) as bound it assumes 1,000 rows per organization, the estimated cost
        # passes jit_above_cost and JIT compilation alone costs ~20 ms.
        """
        WITH direct AS (
            SELECT o.path,
                   count(*) FILTER (WHERE m.status = 'full') AS full_n,
                   count(*) AS members_n
            FROM {M} m JOIN {O} o ON o.id = m.organization_id
            WHERE o.path >= %(root_lo)s AND o.path < %(root_hi)s AND m.status = ANY(%(active)s)
            GROUP BY o.path
        ), rolled AS (
            SELECT left(d.path, g.n) AS path, sum(d.full_n) AS full_n, sum(d.members_n) AS members_n
            FROM direct d JOIN generate_series(%(root_len)s, %(max_len)s, %(segment)s) AS g(n) ON g.n <= length(d.path)
            GROUP BY 1
        ), facts AS (
            SELECT o.type, o.has_committee, o.term_end, o.term_postponed_to,
                   -- an approved postponement counts when it moves the due date past the term's end
                   coalesce(o.term_postponed_to > o.term_end, false) AS postponed,
                   coalesce(r.full_n, 0) AS full_n, coalesce(r.members_n, 0) AS members_n
            FROM {O} o LEFT JOIN rolled r ON r.path = o.path
            WHERE o.path >= %(lo)s AND o.path < %(hi)s
        ), lead AS (
            SELECT (%(today)s::date + make_interval(months => coalesce(
                (SELECT term_warning_months FROM {C} ORDER BY id LIMIT 1), 3)::int))::date AS until
        )
        SELECT
            count(*) FILTER (WHERE type = ANY(%(branch)s) AND full_n < 3),
            count(*) FILTER (WHERE type = ANY(%(branch)s) AND members_n >= 7 AND NOT has_committee),
            count(*) FILTER (WHERE type = ANY(%(branch)s) AND members_n > 50 AND members_n < 100),
            count(*) FILTER (WHERE type = ANY(%(branch_gb)s) AND members_n >= 100),
            count(*) FILTER (WHERE type = ANY(%(term)s) AND NOT postponed
                                   AND term_end >= %(today)s AND term_end <= lead.until),
            count(*) FILTER (WHERE type = ANY(%(term)s) AND (CASE WHEN postponed THEN term_postponed_to < %(today)s
                                                                  ELSE term_end < %(today)s END)),
            count(*) FILTER (WHERE type = ANY(%(term)s) AND postponed AND term_postponed_to >= %(today)s)
        FROM facts CROSS JOIN lead
        """.format(**t),
    ]
    return [(sql, p) for sql in statements]


def choice_list(counts: dict, choices) -> list[tuple[str, int]]:
    out = [(label, counts.get(value, 0)) for value, label in choices]
    if counts.get("", 0):
        out.append(("未填写", counts[""]))
    return out


def hand_command_screen(connection, user, root, today) -> dict:
    """The numbers of command_screen() from six hand-written statements."""
    from jiceng.members import rules as member_rules
    from jiceng.members.models import Member
    from jiceng.orgs import rules as org_rules
    from jiceng.orgs.models import Organization

    results = []
    with connection.cursor() as cur:
        for sql, params in hand_statements(user, root, today):
            cur.execute(sql, params)
            results.append(cur.fetchall())
    org_rows, status_rows, (totals,), education_rows, child_rows, warning_rows = results
    by_type = {t: n for t, d, n in org_rows if t is not None}
    by_domain = {d: n for t, d, n in org_rows if d is not None}
    total, male, female, mobile, no_post, *bands = totals
    warning_counts = dict(
        zip(
            (
                org_rules.FEW_FULL,
                org_rules.NO_COMMITTEE,
                org_rules.SUGGEST_GENERAL_BRANCH,
                org_rules.SUGGEST_COMMITTEE,
                org_rules.TERM_EXPIRING,
                org_rules.TERM_EXPIRED,
                org_rules.TERM_POSTPONED,
            ),
            warning_rows[0],
            strict=True,
        )
    )
    return {
        "org_total": sum(by_type.values()),
        "member_total": total,
        "orgs_by_type": choice_list(by_type, Organization.Type.choices),
        "orgs_by_domain": choice_list(by_domain, Organization.Domain.choices),
        "members_by_status": choice_list(dict(status_rows), Member.Status.choices),
        "members_by_education": choice_list(dict(education_rows), Member.Education.choices),
        "members_by_gender": [("男", male), ("女", female)],
        "members_by_age": [(label, n) for label, n in zip(member_rules.AGE_BANDS.values(), bands, strict=True)],
        "mobile": mobile,
        "no_post": no_post,
        "members_by_child": [(short or name, n) for _path, short, name, n in child_rows],
        "structure_warnings": [(org_rules.WARNING_LABELS[c], warning_counts[c]) for c in org_rules.STRUCTURE_CODES],
        "term_warnings": [(org_rules.WARNING_LABELS[c], warning_counts[c]) for c in org_rules.TERM_CODES],
    }


LIST_KEYS = (
    "orgs_by_type",
    "orgs_by_domain",
    "members_by_status",
    "members_by_education",
    "members_by_gender",
    "members_by_age",
    "members_by_child",
    "structure_warnings",
    "term_warnings",
)


def orm_numbers(data: dict) -> dict:
    out = {"org_total": data["org_total"], "member_total": data["member_total"]}
    out.update({key: [(f.label, f.value) for f in data[key]] for key in LIST_KEYS})
    out["mobile"] = data["mobile"].value
    out["no_post"] = data["no_post"].value
    return out


def member_list_statements(user) -> list[tuple[str, dict]]:
    t = tables()
    lo, hi = scope_bounds(user, user.organization)
    p = {"lo": lo, "hi": hi}
    where = "FROM {M} m JOIN {O} o ON o.id = m.organization_id WHERE o.path >= %(lo)s AND o.path < %(hi)s".format(**t)
    return [
        (f"SELECT count(*) {where}", p),
        # The columns the list template shows, in the list's order.
        (
            "SELECT m.id, m.name, m.gender, m.id_number_masked, m.status, m.education, m.join_date, m.is_mobile, "
            f"o.name {where} ORDER BY o.path, m.name_pinyin, m.id LIMIT 50",
            p,
        ),
    ]


def hand_member_list(connection, user) -> tuple[int, list[int]]:
    (count_sql, p), (page_sql, _) = member_list_statements(user)
    with connection.cursor() as cur:
        cur.execute(count_sql, p)
        (count,) = cur.fetchone()
        cur.execute(page_sql, p)
        ids = [row[0] for row in cur.fetchall()]
    return count, ids


# --------------------------------------------------------------------------- entry point


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs after one warm-up (default 7)")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the bench databases first")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases (the default)")
    parser.add_argument("--drop", action="store_true", help="drop the bench databases after the run")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the statements")
    parser.add_argument(
        "--database",
        metavar="NAME",
        help="PostgreSQL database for the one --scale asked for (default jiceng_bench_<scale>); "
        "created and loaded if missing or empty, reused as it is otherwise (--fresh reloads it)",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="check once that ORM, views and hand SQL agree on the tiny demo, then exit"
    )
    parser.add_argument("--_child", dest="child", choices=[*SCALES, "tiny"], help=argparse.SUPPRESS)
    parser.add_argument("--_out", dest="out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.keep and args.drop:
        parser.error("--keep and --drop exclude each other")
    if args.database:
        if args.scale == "both":
            parser.error("--database names the database of one scale: give --scale county, city or province")
        DATABASE_NAMES[args.scale] = args.database
    if args.child:
        return child(args.child, args.repeat, args.out, args.explain, args.smoke)
    if args.smoke:
        return smoke()
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
