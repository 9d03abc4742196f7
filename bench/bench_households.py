#!/usr/bin/env python
"""帮扶户 benchmark: the visit-compliance table (走访落实) and the coverage page, the app's code and
its page against hand-written SQL, on a database that holds a demo county or city.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiceng_pages_city .venv/bin/python bench/bench_households.py [--repeat N]

(any database loaded with `manage.py demo_county`, SQLite or PostgreSQL: `make run` builds one,
`bench/bench_pages.py --db postgres --scale city` keeps one as jiceng_pages_city). As the
administrator of the root (demo-county: the whole county, or the whole city), for the pair rule
(each paired household visited every month) in the last whole month and the village rule (the
village cadres' universal visit) in the last whole quarter, it times:

- ``queries.duties`` + ``queries.compliance`` (what the page computes), the page itself through
  the real view (`/households/compliance/?rule=&period=`, django.test.Client), and one hand-written
  SQL statement that counts the same duties per child of the root;
- the coverage page (`/households/coverage/`);
- the daily relapse scan over every household (`services.scan()`, rolled back).

The figures per child (duties owed, duties met) of the app and of the hand SQL are compared; any
difference is printed and the script exits non-zero. Timings: median of --repeat runs after one
warm-up, in milliseconds.

    .venv/bin/python bench/bench_households.py --smoke

makes the same comparisons once, without timing, on the tiny demo in a temporary SQLite file, and
exits non-zero on a crash or a difference (the pages must answer 200). It prints one line.
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
SCRIPT = "bench_households"

# The duties of a rule "each household visited at least :per times in the period", counted per
# child of the root: the pairs open on the period's first and last day (pair rule), or every
# active cadre filed under a village with every household of that village (village rule); a duty
# is met when its cadre visited its household at least :per times within [start, end).
PAIR_DUTIES = """
    SELECT p.cadre_id, p.household_id, o.path
    FROM households_pair p
    JOIN households_household h ON h.id = p.household_id
    JOIN orgs_organization o ON o.id = h.village_id
    WHERE p.starts_on <= %(first)s AND (p.ends_on IS NULL OR p.ends_on >= %(last)s)
      AND o.path >= %(root)s AND o.path < %(upper)s
"""
VILLAGE_DUTIES = """
    SELECT c.id AS cadre_id, h.id AS household_id, o.path
    FROM households_cadre c
    JOIN orgs_organization o ON o.id = c.organization_id
    JOIN orgs_organization parent ON parent.id = o.parent_id
    JOIN households_household h ON h.village_id = o.id
    WHERE c.is_active AND o.domain IN (%(d1)s, %(d2)s) AND parent.domain IN (%(d1)s, %(d2)s)
      AND o.path >= %(root)s AND o.path < %(upper)s
"""
HAND_SQL = """
    WITH duty AS ({duties}),
    seen AS (
        SELECT v.cadre_id, v.household_id, COUNT(*) AS n
        FROM households_visit v
        WHERE v.visited_at >= %(start)s AND v.visited_at < %(end)s
        GROUP BY v.cadre_id, v.household_id
    )
    SELECT substr(duty.path, 1, %(width)s) AS child,
           COUNT(*) AS owed,
           SUM(CASE WHEN COALESCE(seen.n, 0) >= %(per)s THEN 1 ELSE 0 END) AS met
    FROM duty
    LEFT JOIN seen ON seen.cadre_id = duty.cadre_id AND seen.household_id = duty.household_id
    GROUP BY substr(duty.path, 1, %(width)s)
    ORDER BY 1
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="compare once on the tiny demo in a temporary SQLite file")
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
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT of a scratch var dir

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.core.tree import SEGMENT, path_upper_bound
    from jiceng.households import queries, rules
    from jiceng.households.models import Household, Visit, VisitCadence
    from jiceng.orgs.models import Organization
    from jiceng.orgs.queries import PLACE_DOMAINS

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    say = (lambda *a, **k: None) if smoke else print
    user = User.objects.filter(username="demo-county").first()
    if user is None or not Household.objects.exists():
        if smoke:
            raise RuntimeError("the tiny demo has no demo-county or no households")
        print("SKIPPED: no demo county with households in this database (run `make run` first)")
        return 0
    root, today = user.organization, timezone.localdate()
    zone = timezone.get_current_timezone()
    client = Client()
    client.force_login(user)
    say(
        f"{connection.vendor}: {root.name}, {Household.objects.count():,} households, "
        f"{Visit.objects.count():,} visits, {today}"
    )

    def timed(read):
        if not smoke:
            read()  # warm-up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                result = read()
            times.append((time.perf_counter() - start) * 1000)
        return result, statistics.median(times), len(captured.captured_queries)

    differences = 0
    compared = 0
    cases = [
        (VisitCadence.Applies.PAIR, rules.MONTH, PAIR_DUTIES),
        (VisitCadence.Applies.VILLAGE, rules.QUARTER, VILLAGE_DUTIES),
    ]
    say(f"{'read':58} {'median ms':>10} {'queries':>8}")
    for applies, kind, duties_sql in cases:
        rule = (
            VisitCadence.objects.filter(
                applies_to=applies, kind=VisitCadence.Kind.EACH_HOUSEHOLD, period=kind, is_active=True
            )
            .order_by("pk")
            .first()
        )
        if rule is None:
            raise RuntimeError(f"no active rule of {applies}/{kind} (migration households 0008 loads them)")
        period = rules.period_of(kind, today).previous()
        if period.last < rule.effective_from:
            period = rules.period_of(kind, rule.effective_from)
        start, end = period.bounds(zone)
        label = f"{rule.name} {period.key}"

        def app(rule=rule, period=period):
            rows, total = queries.compliance(user, rule, period, root)
            return {r.org.path: (r.owed, r.met) for r in rows if r.org is not None}, total

        def page(rule=rule, period=period):
            response = client.get("/households/compliance/", {"rule": rule.pk, "period": period.key})
            if response.status_code != 200:
                raise RuntimeError(f"/households/compliance/ answered {response.status_code}")
            return response

        params = {
            "first": period.first,
            "last": period.last,
            "root": root.path,
            "upper": path_upper_bound(root.path),
            "start": connection.ops.adapt_datetimefield_value(start),
            "end": connection.ops.adapt_datetimefield_value(end),
            "width": len(root.path) + SEGMENT,
            "per": rule.visits_per_household or 1,
            "d1": PLACE_DOMAINS[0],
            "d2": PLACE_DOMAINS[1],
        }

        def hand(duties_sql=duties_sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(HAND_SQL.format(duties=duties_sql), params)
                return {child: (int(owed), int(met or 0)) for child, owed, met in cursor.fetchall()}

        (figures, total), ms, n = timed(app)
        say(f"{label + ': duties + compliance':58} {ms:10.1f} {n:8d}")
        _, ms, n = timed(page)
        say(f"{label + ': the page (/households/compliance/)':58} {ms:10.1f} {n:8d}")
        expected, ms, n = timed(hand)
        say(f"{label + ': hand SQL':58} {ms:10.1f} {n:8d}")
        for child in sorted(set(figures) | set(expected)):
            compared += 1
            if figures.get(child, (0, 0)) != expected.get(child, (0, 0)):
                differences += 1
                print(f"DIFFERENT {label} {child}: app {figures.get(child)} hand SQL {expected.get(child)}")
        # One level down too (a township's villages), untimed: the rolling up by path prefix.
        below = sorted(expected)[:1]
        for child in below:
            town = Organization.objects.get(path=child)
            rows, _ = queries.compliance(user, rule, period, town)
            mine = {r.org.path: (r.owed, r.met) for r in rows if r.org is not None}
            there = {**params, "root": town.path, "upper": path_upper_bound(town.path)}
            there["width"] = len(town.path) + SEGMENT
            with connection.cursor() as cursor:
                cursor.execute(HAND_SQL.format(duties=duties_sql), there)
                theirs = {c: (int(o), int(m or 0)) for c, o, m in cursor.fetchall()}
            for path in sorted(set(mine) | set(theirs)):
                compared += 1
                if mine.get(path, (0, 0)) != theirs.get(path, (0, 0)):
                    differences += 1
                    print(f"DIFFERENT {label} {path}: app {mine.get(path)} hand SQL {theirs.get(path)}")
        owed = sum(o for o, _ in expected.values())
        met = sum(m for _, m in expected.values())
        if (total.owed, total.met) != (owed, met):
            differences += 1
            print(f"DIFFERENT {label} total: app {(total.owed, total.met)} hand SQL {(owed, met)}")
        say(f"{'':58} {total.owed:,} duties, {total.met:,} met, {len(expected)} children: equal")

    def coverage():
        response = client.get("/households/coverage/")
        if response.status_code != 200:
            raise RuntimeError(f"/households/coverage/ answered {response.status_code}")
        return response

    _, ms, n = timed(coverage)
    say(f"{'coverage page (/households/coverage/)':58} {ms:10.1f} {n:8d}")

    def scan():
        # The daily relapse scan over every household (the job households.relapse_scan); what it
        # would open is rolled back, so the database stays as the demo left it.
        from django.db import transaction

        from jiceng.households import services

        with transaction.atomic():
            opened = services.scan()
            transaction.set_rollback(True)
        return opened

    opened, ms, n = timed(scan)
    say(f"{'relapse scan, every household (households.relapse_scan)':58} {ms:10.1f} {n:8d}  {len(opened)} new flags")
    if differences:
        if smoke:
            raise RuntimeError(f"{differences} figures differ between the app and the hand SQL")
        return 1
    if smoke:
        return f"{compared} figures equal (two rules, two levels), compliance and coverage pages 200"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
