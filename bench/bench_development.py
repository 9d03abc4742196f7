#!/usr/bin/env python
"""发展党员 benchmark: the reads behind the due list, the counts by stage, the idle ledger and the
command-screen card, on a database that holds a demo county.

    DATABASE_URL=sqlite:///$PWD/var/jiceng.sqlite3 .venv/bin/python bench/bench_development.py [--repeat N]

(`make run` builds such a database; any DATABASE_URL with `manage.py demo_county` loaded works,
SQLite or PostgreSQL.) Prints the median of --repeat runs (default 7) after one warm-up, in
milliseconds, with the number of queries and rows of each read.

    .venv/bin/python bench/bench_development.py --smoke

runs every read once, without timing, on the tiny demo (`demo_county --seed 1 --scale tiny`) in a
temporary SQLite file, and exits non-zero if one crashes (or the demo has no development files).
This script has no hand SQL, so there are no figures to compare. It prints one line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
SCRIPT = "bench_development"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--smoke", action="store_true", help="run every read once on the tiny demo in a temporary SQLite file"
    )
    args = parser.parse_args()
    if not args.smoke:
        return run(args.repeat)
    clock = _smoke.Clock()
    try:
        with _smoke.sqlite_database(SCRIPT) as url:
            os.environ["DATABASE_URL"] = url  # before django.setup()
            _smoke.load_tiny_demo(url)
            checked = run(1, smoke=True)
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        import traceback

        return _smoke.failed(SCRIPT, repr(exc), clock, traceback.format_exc())
    return _smoke.ok(SCRIPT, checked, clock)


def run(repeat: int, smoke: bool = False) -> int | str:
    """The benchmark; with `smoke`, every read runs once, quietly, on the tiny demo the caller loaded."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.development import queries
    from jiceng.development.filters import DevelopmentFileFilter
    from jiceng.development.models import DevelopmentFile

    say = (lambda *a, **k: None) if smoke else print
    user = User.objects.filter(username="demo-county").first()
    if user is None or not DevelopmentFile.objects.exists():
        if smoke:
            raise RuntimeError("the tiny demo has no demo-county or no development files")
        print("SKIPPED: no demo county with development files in this database (run `make run` first)")
        return 0
    root, today = user.organization, timezone.localdate()

    def list_page():
        qs = queries.visible_files(user, DevelopmentFile.objects.select_related("organization"))
        f = DevelopmentFileFilter({"due": "overdue"}, queryset=qs)
        return list(f.qs.order_by("organization__path", "name_pinyin", "id")[:50])

    reads = {
        "due list (county)": lambda: queries.due_items(user, root, today, 15),
        "counts by stage (townships)": lambda: queries.stage_table(root, today)[0],
        "idle ledger (2 years)": lambda: queries.idle_branches(root, today.year - 1, 2),
        "command-screen card": lambda: [queries.panel_figures(root.path, today)],
        "file list, overdue, page 1": list_page,
    }
    say(f"{connection.vendor}: {DevelopmentFile.objects.count():,} files, {root.name}, {today}")
    say(f"{'read':32} {'median ms':>10} {'queries':>8} {'rows':>7}")
    rows_read = 0
    for name, read in reads.items():
        if not smoke:
            read()  # warm-up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                rows = read()
            times.append((time.perf_counter() - start) * 1000)
        say(f"{name:32} {statistics.median(times):10.1f} {len(captured.captured_queries):8d} {len(rows):7d}")
        rows_read += len(rows)
    if smoke:
        return f"{len(reads)} reads ran, {rows_read} rows"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
