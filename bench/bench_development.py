#!/usr/bin/env python
"""发展党员 benchmark: the reads behind the due list, the counts by stage, the idle ledger and the
command-screen card, on a database that holds a demo county.

    DATABASE_URL=sqlite:///$PWD/var/jiceng.sqlite3 .venv/bin/python bench/bench_development.py [--repeat N]

(`make run` builds such a database; any DATABASE_URL with `manage.py demo_county` loaded works,
SQLite or PostgreSQL.) Prints the median of --repeat runs (default 7) after one warm-up, in
milliseconds, with the number of queries and rows of each read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.development import queries
    from jiceng.development.filters import DevelopmentFileFilter
    from jiceng.development.models import DevelopmentFile

    user = User.objects.filter(username="demo-county").first()
    if user is None or not DevelopmentFile.objects.exists():
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
    print(f"{connection.vendor}: {DevelopmentFile.objects.count():,} files, {root.name}, {today}")
    print(f"{'read':32} {'median ms':>10} {'queries':>8} {'rows':>7}")
    for name, read in reads.items():
        read()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                rows = read()
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name:32} {statistics.median(times):10.1f} {len(captured.captured_queries):8d} {len(rows):7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
