#!/usr/bin/env python
"""Page budget: every registered page and API list through the real views, as each persona.

Run from the repository root:

    .venv/bin/python bench/bench_pages.py [--db sqlite|postgres] [--scale county|city|tiny]
                                           [--repeat N] [--fresh] [--only SUBSTRING] [--pages-only] [--smoke]

The database is loaded once with `manage.py demo_county --seed 1 --scale <scale>` and kept for the
next run (`--fresh` reloads it): PostgreSQL database `jiceng_pages_<scale>` on $JICENG_BENCH_PG
(default postgres://postgres@127.0.0.1:5432; $JICENG_BENCH_PAGES_DB names another database), or
SQLite file var/bench-pages-<scale>.sqlite3.

For each persona (demo-county, demo-township, demo-branch, demo-member, demo-department, demo-cadre) the
script GETs, through django.test.Client with the persona logged in:
- every URL pattern without parameters (pages, exports, API lists), except logout;
- the detail pages in DETAIL below, with ids taken from the demo (a row in the persona's scope);
- the common filtered forms in FILTERED (a period, a township, a search).
Per URL and persona it prints the median time of --repeat runs after one warm-up, the status,
the number of queries and the slowest statement with its share of the time; then the 20 slowest,
and one line per page over budget: BUDGET_MS (500 ms at county scale, 1,500 ms at city scale).
It exits non-zero when a page answers 500 (or, with --strict, when a page is over budget).

A whole-list export above the row threshold (settings.JICENG_EXPORT_THRESHOLD, or --threshold)
answers with a redirect to 我的导出 and is written in the background (jiceng/core/exports.py):
the walk times that queued response as the download's time (against the download budget), then
runs the export's job once in the same process and reports its time apart ("job"). --threshold
0 queues every export that has rows; a huge --threshold measures every export in the request,
as before the background exports.

--smoke runs the tiny demo once per persona (repeat 1) and fails on any 500: a check that the
walk itself works, run by `make test`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("JICENG_BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PERSONAS = ("demo-county", "demo-township", "demo-branch", "demo-member", "demo-department", "demo-cadre")
BUDGET_MS = {"tiny": 500, "county": 500, "city": 1500}
# Downloads (Excel and Word files of a whole list) grow with the rows they hold by nature; they are
# timed and listed apart, against their own budget (docs/decisions/0015-page-budget.md).
DOWNLOAD_BUDGET_MS = {"tiny": 5000, "county": 5000, "city": 15000}
DOWNLOAD_TYPES = ("application/vnd.openxmlformats", "application/msword", "application/zip")
SKIP = {"accounts:logout"}
# URL names of downloads, left out by --pages-only (a city's whole-list downloads take minutes).
DOWNLOAD_NAMES = ("export", "template", "docx", "download")
# --smoke queues the exports of more rows than this (the tiny demo's registers and ledgers).
SMOKE_EXPORT_THRESHOLD = 100


def pg_name(scale: str) -> str:
    # JICENG_BENCH_PAGES_DB names another database (two people measuring on one server).
    return os.environ.get("JICENG_BENCH_PAGES_DB") or f"jiceng_pages_{scale}"


def database_url(db: str, scale: str) -> str:
    if db == "postgres":
        return f"{PG_BASE}/{pg_name(scale)}"
    return f"sqlite:///{ROOT / 'var' / f'bench-pages-{scale}.sqlite3'}"


def ensure_database(db: str, scale: str, fresh: bool) -> None:
    url = database_url(db, scale)
    if db == "postgres":
        import psycopg
        from psycopg import sql

        name = pg_name(scale)
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
            if fresh:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    else:
        path = ROOT / "var" / f"bench-pages-{scale}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        if fresh and path.exists():
            path.unlink()
        if path.exists():
            return
    env = dict(os.environ, DATABASE_URL=url)
    print(f"[{db}/{scale}] loading the demo ...", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "demo_county", "--seed", "1", "--scale", scale], cwd=ROOT, env=env, check=True
    )
    print(f"[{db}/{scale}] loaded in {time.perf_counter() - started:.0f} s", flush=True)


# --------------------------------------------------------------------------- child side


def detail_ids(user):
    """{url name: kwargs} for the detail pages, from rows the persona can see."""
    from jiceng.core.scoping import visible
    from jiceng.development.models import DevelopmentFile
    from jiceng.households.models import Household, Visit
    from jiceng.life.models import Record
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization
    from jiceng.ratings.models import PointsClaim, StarReview
    from jiceng.requests.queries import visible_requests
    from jiceng.transfers.models import Transfer
    from jiceng.wishes.models import Wish

    def first(qs):
        return qs.order_by("pk").values_list("pk", flat=True).first()

    org = first(visible(user, Organization.objects.filter(type="branch")))
    member = user.member_id or first(visible(user, Member.objects.filter(status="full")))
    table = {
        "orgs:detail": {"pk": org},
        "members:detail": {"pk": member},
        "dues:member": {"pk": member},
        "training:card": {"member_pk": member},
        "life:compliance_org": {"pk": org},
        "life:detail": {"pk": first(visible(user, Record.objects.filter(state="published")))},
        "development:detail": {"pk": first(visible(user, DevelopmentFile.objects.all()))},
        "transfers:detail": {"pk": first(Transfer.objects.filter(from_org_id=org))},
        "requests:detail": {"pk": first(visible_requests(user))},
        "wishes:detail": {"pk": first(visible(user, Wish.objects.all()))},
        "organization-detail": {"pk": org},
        "member-detail": {"pk": member},
        "ratings:member": {"pk": member},
        "ratings:claim": {"pk": first(visible(user, PointsClaim.objects.all()))},
        "ratings:star_review": {"pk": first(visible(user, StarReview.objects.all()))},
        "ratings-member-points": {"pk": member},
        "households:detail": {"pk": first(visible(user, Household.objects.all()))},
        "household-detail": {"pk": first(visible(user, Household.objects.all()))},
        "households:visit": {"pk": first(visible(user, Visit.objects.all()))},
    }
    return {name: kwargs for name, kwargs in table.items() if all(v is not None for v in kwargs.values())}


FILTERED = [
    "/life/compliance/?period={last_quarter}",
    "/members/?q=张",
    "/members/?organization={township}",
    "/requests/?box=overdue",  # the inbox view 超期未办 (state= takes a request state)
    "/requests/ranking/?month={last_month}",
    "/dues/?month={last_month}",
    "/members/watch/?org={township}",
    "/?org={township}",
    "/ratings/points/?org={township}",
    "/ratings/stars/?org={township}",
    "/ratings/panel/?org={township}",
    "/households/?org={township}&paired=0",
    "/households/coverage/?org={township}",
    "/ratings/points/unqualified/?year={this_year}",  # the running year: most members below the line
    "/ratings/fortress/?org={township}",
]


def child(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.core.tests.test_scope_walk import all_patterns
    from jiceng.orgs.models import Organization

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    # Background exports: no thread runs them beside the walk; the walk runs each one's job itself,
    # into a throwaway directory.
    import tempfile

    from jiceng.core import exports
    from jiceng.core.models import Export

    settings.JICENG_EXPORT_RUNNER = "sweep"
    export_dir = tempfile.mkdtemp(prefix="bench-exports-")
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": export_dir}},
    }
    if args.threshold is not None:
        settings.JICENG_EXPORT_THRESHOLD = args.threshold
    exports_url = reverse("core:exports")
    if connection.vendor == "postgresql":
        # As autovacuum would have done on a database that has lived a while: statistics, and the
        # visibility map without which PostgreSQL reads the table behind every index-only scan
        # (a freshly loaded city's watch and dues ledger took twice as long).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    last_quarter = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
    last_month = f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12"
    township = Organization.objects.filter(parent__parent__isnull=True, parent__isnull=False).order_by("path").first()
    fill = {
        "this_year": today.year,
        "last_quarter": last_quarter,
        "last_month": last_month,
        "township": township.pk if township else "",
    }

    plain = [(name, raw) for name, groups, raw in all_patterns() if not groups and name and name not in SKIP]
    results, failures = [], []
    for username in PERSONAS:
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"  (no user {username} in this demo)")
            continue
        client = Client()
        client.force_login(user)
        urls = [(name, reverse(name)) for name, _ in plain]
        urls += [(name, reverse(name, kwargs=kw)) for name, kw in detail_ids(user).items()]
        urls += [("filtered", u.format(**fill)) for u in FILTERED]
        for name, url in urls:
            if args.only and args.only not in url and args.only not in name:
                continue
            if args.pages_only and any(word in name for word in DOWNLOAD_NAMES):
                continue
            times, queries, status = [], None, None
            last_export = Export.objects.order_by("-id").values_list("id", flat=True).first() or 0
            for i in range(args.repeat + (0 if args.smoke else 1)):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url)
                    if response.streaming:
                        b"".join(response.streaming_content)
                    elapsed = (time.perf_counter() - started) * 1000
                status = response.status_code
                queued = status == 302 and response.get("Location") == exports_url
                download = queued or response.get("Content-Type", "").startswith(DOWNLOAD_TYPES)
                if i or args.smoke:
                    times.append(elapsed)
                queries = ctx.captured_queries
            job_ms = job_rows = None
            if queued:
                # Each repeat queued one; run the last one's job (as the runner would) and drop the rest.
                made = list(Export.objects.filter(id__gt=last_export).order_by("id").values_list("id", flat=True))
                started = time.perf_counter()
                exports.run(made[-1])
                job_ms = (time.perf_counter() - started) * 1000
                done = Export.objects.get(id=made[-1])
                if done.state != Export.State.DONE:
                    failures.append({"status": f"job {done.state}: {done.error}", "persona": username, "url": url})
                job_rows = done.row_count
                if done.file_name:
                    exports.storage().delete(done.file_name)
                Export.objects.filter(id__in=made).delete()
            slow = max(queries, key=lambda q: float(q["time"]), default=None)
            median = statistics.median(times)
            slow_ms = float(slow["time"]) * 1000 if slow else 0.0
            row = {
                "persona": username,
                "name": name,
                "url": url,
                "status": status,
                "download": download,
                "queued": queued,
                "job_ms": job_ms,
                "job_rows": job_rows,
                "ms": median,
                "queries": len(queries),
                "slowest_ms": slow_ms,
                "share": slow_ms / median if median else 0,
                "slowest_sql": (slow["sql"] if slow else "")[:160],
            }
            results.append(row)
            if status >= 500:
                failures.append(row)
            if args.verbose:
                print(f"{username:16} {median:8.1f} ms {status} {len(queries):3d} q  {url}", flush=True)
    budget = BUDGET_MS[args.scale]
    print(f"\n{len(results)} page loads measured ({connection.vendor}, scale {args.scale}, budget {budget} ms)")
    print("\n20 slowest (median ms, queries, slowest statement and its share):")
    for r in sorted(results, key=lambda r: -r["ms"])[:20]:
        print(
            f"{r['ms']:9.1f} ms {r['queries']:4d} q {r['status']}  {r['persona']:16} {r['url'][:60]:60} "
            f"slowest {r['slowest_ms']:.1f} ms ({r['share']:.0%}): {r['slowest_sql'][:90]}"
        )
    download_budget = DOWNLOAD_BUDGET_MS[args.scale]
    over = [r for r in results if r["ms"] > (download_budget if r["download"] else budget)]
    pages = [r for r in results if not r["download"]]
    print(f"\nPages: {len(pages)}, median of medians {statistics.median(r['ms'] for r in pages):.1f} ms")
    print(f"Over budget (pages {budget} ms, downloads {download_budget} ms): {len(over)}")
    for r in over:
        kind = "download" if r["download"] else "page"
        print(f"OVER {r['ms']:9.1f} ms  {kind:8} {r['persona']:16} {r['url']}")
    slow_downloads = sorted((r for r in results if r["download"]), key=lambda r: -r["ms"])[:10]
    print("\nSlowest downloads (a queued export: the redirect to 我的导出):")
    for r in slow_downloads:
        note = " (queued)" if r["queued"] else ""
        print(f"{r['ms']:9.1f} ms  {r['persona']:16} {r['url']}{note}")
    queued = sorted((r for r in results if r["queued"]), key=lambda r: -r["job_ms"])
    threshold = settings.JICENG_EXPORT_THRESHOLD
    print(f"\nBackground exports (above {threshold:,} rows): {len(queued)}; queued response, then the job's time")
    for r in queued:
        print(
            f"{r['ms']:9.1f} ms  job {r['job_ms'] / 1000:8.1f} s  {r['job_rows'] or 0:>9,} rows  "
            f"{r['persona']:16} {r['url']}"
        )
    shutil.rmtree(export_dir, ignore_errors=True)
    for r in failures:
        print(f"!! {r['status']} {r['persona']} {r['url']}")
    if failures:
        return 1
    if args.strict and over:
        return 1
    return 0


def smoke(args) -> int:
    """Every page as every persona, once, on the tiny demo in a throwaway SQLite file: no 500."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _smoke

    started = time.perf_counter()
    with _smoke.sqlite_database("bench_pages") as url:
        _smoke.load_tiny_demo(url)
        # A low threshold, so that the bigger exports of the tiny demo take the background path.
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "--smoke", "--scale", "tiny"]
        cmd += ["--threshold", str(SMOKE_EXPORT_THRESHOLD)]
        proc = _smoke.run_child(cmd, url)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        print(f"bench_pages --smoke: FAILED after {time.perf_counter() - started:.0f} s")
        return 1
    loads = next((line for line in proc.stdout.splitlines() if "page loads measured" in line), "")
    queued = next((line for line in proc.stdout.splitlines() if line.startswith("Background exports")), "")
    print(f"bench_pages --smoke: OK ({loads.strip()}; {queued.split(';')[0]}) in {time.perf_counter() - started:.0f} s")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--scale", choices=["tiny", "county", "city"], default="county")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--only", default="", help="only URLs or names containing this text")
    parser.add_argument("--pages-only", action="store_true", help="leave out downloads (exports, templates, files)")
    parser.add_argument("--strict", action="store_true", help="exit non-zero when a page is over budget")
    parser.add_argument("--verbose", action="store_true", help="print every page as it is measured")
    parser.add_argument("--smoke", action="store_true", help="tiny demo, one run per page, fail on a 500")
    parser.add_argument(
        "--threshold", type=int, default=None, help="rows above which an export is queued (default: the setting)"
    )
    parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.repeat = "tiny", 1
    if args._child:
        return child(args)
    if args.smoke:
        return smoke(args)
    ensure_database(args.db, args.scale, args.fresh)
    env = dict(os.environ, DATABASE_URL=database_url(args.db, args.scale))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", "--db", args.db, "--scale", args.scale]
    cmd += ["--repeat", str(args.repeat)] + (["--only", args.only] if args.only else [])
    cmd += ["--threshold", str(args.threshold)] if args.threshold is not None else []
    cmd += [
        flag
        for flag, on in (
            ("--strict", args.strict),
            ("--verbose", args.verbose),
            ("--smoke", args.smoke),
            ("--pages-only", args.pages_only),
        )
        if on
    ]
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
