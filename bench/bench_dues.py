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
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench-dues.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    (ROOT / "var").mkdir(exist_ok=True)

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

    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        print("loading the demo county (seed 1) once …", flush=True)
        call_command("demo_county", "--seed", "1", "--password", "demo12345", verbosity=0)
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()

    print(f"database: {connection.vendor} ({args.database_url})")
    print(f"payments on record: {DuesPayment.objects.count():,}")

    ctx = DemoContext(
        seed=1,
        scale="county",
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
    print(f"dues demo: {elapsed:.1f} s for {payments:,} payments and {bases:,} bases")

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
    print(f"\n{'page':<34}{'median ms':>10}{'queries':>9}")
    for username, url, label in pages:
        client = Client()
        client.force_login(users[username])
        client.get(url)  # warm-up
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{label:<34}{statistics.median(times):>10.0f}{len(queries):>9}")
    client = Client()
    client.force_login(users["demo-county"])
    started = time.perf_counter()
    response = client.get("/dues/export/")
    print(f"{'Excel ledger, whole county':<34}{(time.perf_counter() - started) * 1000:>10.0f}{'':>9}  (once)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
