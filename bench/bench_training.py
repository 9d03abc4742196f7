#!/usr/bin/env python
"""Training benchmark: the pages and figures of 教育培训 on the demo county.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_training.py [--repeat N] [--fresh]

The demo county (seed 1, county scale) is built once into its own SQLite file,
var/bench-training.sqlite3, and kept for the next run (`--fresh` rebuilds it). Timings are
the median of --repeat runs (default 5) after one warm-up, in milliseconds, with the number
of queries of one run. Set BENCH_DATABASE_URL to run against another database (e.g. a
PostgreSQL database you created and loaded with `manage.py demo_county`).

    .venv/bin/python bench/bench_training.py --smoke

runs every case once, without timing, on the tiny demo (`demo_county --seed 1 --scale tiny`) in a
temporary SQLite file, and exits non-zero if one crashes or a page does not answer 200. This
script has no hand SQL, so there are no figures to compare. It prints one line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "bench-training.sqlite3"
SCRIPT = "bench_training"


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


def measure(repeat: int, smoke: bool = False) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    # Whitenoise warns about the static root collectstatic has not filled; irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.training import queries, services
    from jiceng.training.models import Course, Enrollment

    today = timezone.localdate()
    county = User.objects.get(username="demo-county")
    township = User.objects.get(username="demo-township")
    course = Course.objects.filter(kind="academy").order_by("-id").first() or Course.objects.order_by("-id").first()
    member_id = Enrollment.objects.filter(course=course).values_list("member_id", flat=True).first()
    if course is None or member_id is None:
        raise RuntimeError("the demo has no training course with an enrolled member")
    rule_set = queries.current_settings()
    clients = {}

    def page(user, url):
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        response = clients[user.pk].get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} as {user.username}: HTTP {response.status_code}")

    cases = [
        (
            "course page (40 trainees × 6 sessions)",
            lambda: page(county, reverse("training:course_detail", args=[course.pk])),
        ),
        ("course roster export", lambda: page(county, reverse("training:course_export_matrix", args=[course.pk]))),
        ("credit card page", lambda: page(county, reverse("training:card", args=[member_id]))),
        ("card list, county (page of 50)", lambda: page(county, reverse("training:cards"))),
        ("summary, county", lambda: page(county, reverse("training:org_summary", args=[county.organization_id]))),
        ("summary, township", lambda: page(township, reverse("training:org_summary", args=[township.organization_id]))),
        (
            "command panel figures, county",
            lambda: queries.command_figures(county, county.organization, today, rule_set),
        ),
        (
            "cards of the whole county (facts + cards)",
            lambda: queries.cards_from(
                queries.facts_in_subtree(county, county.organization.path, today.year), today.year, rule_set
            ),
        ),
        ("absence check, whole year", lambda: services.check_absences(today.year)),
    ]
    print(f"database: {connection.vendor}; {Enrollment.objects.count():,} enrollments; median of {repeat} runs")
    print(f"{'case':<46} {'ms':>9} {'queries':>8}")
    if smoke:  # every case once, no timing
        for _label, fn in cases:
            fn()
        print(f"SMOKE {len(cases)} cases ran")
        return
    for label, fn in cases:
        fn()  # warm-up
        count = [0]

        def counter(execute, sql, params, many, context, count=count):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            fn()
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t) * 1000)
        print(f"{label:<46} {statistics.median(runs):>9.1f} {count[0]:>8}")


def smoke() -> int:
    """--smoke: every case once on the tiny demo in a temporary SQLite file."""
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
    return _smoke.ok(SCRIPT, line.removeprefix("SMOKE ") + ", pages answered 200", clock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="run every case once on the tiny demo in a temporary SQLite file"
    )
    parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DB}")
    if args._child:
        measure(args.repeat, args.smoke)
        return
    if args.smoke:
        sys.exit(smoke())
    build(url, args.fresh)
    # DATABASE_URL must be set before Django starts, so the measuring runs in a child.
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, __file__, "--_child", "--repeat", str(args.repeat)], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
