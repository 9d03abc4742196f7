#!/usr/bin/env python
"""Dues benchmark: the demo's dues at county scale, and the dues pages over a whole county.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_dues.py [--database-url URL] [--repeat N]

The default database is SQLite in `var/bench-dues.sqlite3` (the embedded default, and the
slower of the two); it is created and loaded with the demo county (seed 1) on the first run
and kept. Pass a PostgreSQL URL to measure there (the database must exist).

Printed: the time the dues part of the demo takes (re-run inside a transaction that is rolled
back), then the median of --repeat requests (after one warm-up) for each page, with its query
count, as the county admin (about 22,000 members) and the township admin.

    .venv/bin/python bench/bench_dues.py --smoke

does all of it once, without timing, on the tiny demo (`demo_county --seed 1 --scale tiny`) in a
temporary SQLite file, and exits non-zero if anything crashes or a page does not answer 200.
This script has no hand SQL, so there are no figures to compare. It prints one line.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "bench_dues"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench-dues.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--smoke", action="store_true", help="run everything once on the tiny demo in a temporary SQLite file"
    )
    args = parser.parse_args()
    if not args.smoke:
        return run(args.database_url, args.repeat)
    clock = _smoke.Clock()
    try:
        with _smoke.sqlite_database(SCRIPT) as url:
            _smoke.load_tiny_demo(url)
            checked = run(url, 1, smoke=True)
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        import traceback

        return _smoke.failed(SCRIPT, repr(exc), clock, traceback.format_exc())
    return _smoke.ok(SCRIPT, checked, clock)


def run(database_url: str, repeat: int, smoke: bool = False) -> int | str:
    """The benchmark; with `smoke`, everything once and quietly, returning what was checked."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    (ROOT / "var").mkdir(exist_ok=True)

    # Whitenoise warns about the static root collectstatic has not filled; irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiceng.demo.context import DemoContext
    from jiceng.dues import demo
    from jiceng.dues.models import DuesBase, DuesConsent, DuesPayment, DuesSettings
    from jiceng.orgs.models import Organization

    say = (lambda *a, **k: None) if smoke else print
    scale = "tiny" if smoke else "county"
    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        say(f"loading the demo county (seed 1, {scale}) once …", flush=True)
        demo_out = io.StringIO() if smoke else sys.stdout  # a smoke run prints one line
        call_command("demo_county", "--seed", "1", "--scale", scale, "--password", "demo12345", stdout=demo_out)
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()

    say(f"database: {connection.vendor} ({database_url})")
    say(f"payments on record: {DuesPayment.objects.count():,}")

    ctx = DemoContext(
        seed=1,
        scale=scale,
        today=timezone.localdate(),
        root=root,
        township=users["demo-township"].organization,
        branch=users["demo-branch"].organization,
        users=users,
        say=lambda text: None,
    )
    with transaction.atomic():
        DuesPayment.objects.all().delete()
        DuesConsent.objects.all().delete()
        DuesBase.objects.all().delete()
        DuesSettings.objects.all().delete()
        started = time.perf_counter()
        demo.generate(ctx)
        elapsed = time.perf_counter() - started
        # Counted in the database: the figures generate() returns are display labels for the summary.
        payments, bases = DuesPayment.objects.count(), DuesBase.objects.count()
        transaction.set_rollback(True)
    say(f"dues demo: {elapsed:.1f} s for {payments:,} payments and {bases:,} bases")
    if not payments or not bases:
        raise RuntimeError(f"the dues demo wrote {payments} payments and {bases} bases")

    pages = [
        ("demo-county", "/dues/", "ledger, county"),
        ("demo-county", "/dues/?state=unpaid", "ledger, county, unpaid only"),
        ("demo-county", f"/dues/panel/?org={root.pk}&where=command", "command-screen card, county"),
        ("demo-county", "/api/v1/dues/completion/", "completion API, county"),
        ("demo-county", "/members/watch/", "six-month watch, county"),
        ("demo-township", "/dues/", "ledger, township"),
        ("demo-township", "/members/watch/", "six-month watch, township"),
        ("demo-branch", "/dues/", "ledger, branch"),
    ]

    def get(client, url, username):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} as {username}: HTTP {response.status_code}")

    say(f"\n{'page':<34}{'median ms':>10}{'queries':>9}")
    for username, url, label in pages:
        client = Client()
        client.force_login(users[username])
        if not smoke:
            get(client, url, username)  # warm-up
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                get(client, url, username)
                times.append((time.perf_counter() - started) * 1000)
        say(f"{label:<34}{statistics.median(times):>10.0f}{len(queries):>9}")
    client = Client()
    client.force_login(users["demo-county"])
    started = time.perf_counter()
    get(client, "/dues/export/", "demo-county")
    say(f"{'Excel ledger, whole county':<34}{(time.perf_counter() - started) * 1000:>10.0f}{'':>9}  (once)")
    if smoke:
        return f"dues demo re-run: {payments:,} payments; {len(pages) + 1} pages answered 200"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
