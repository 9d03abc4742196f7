#!/usr/bin/env python
"""Member import benchmark: an Excel file of N members read, previewed, imported and undone.

Run from the repository root (or via `make bench`):

    .venv/bin/python bench/bench_import.py [--db sqlite|postgres] [--members 20000]
    .venv/bin/python bench/bench_import.py --database-url URL   # an existing database, kept

By default the run gets a database of its own holding the tiny demo (`demo_county --seed 1
--scale tiny`): a SQLite file in a temporary directory, or on PostgreSQL (`--db postgres`, server
of JICENG_BENCH_PG) `jiceng_smoke_import_<pid>`, dropped at the end. With --database-url the
database is used as it is (migrated, and loaded with the demo county when it has no organization).

The file is written with the member import's own template (`imports.services.template`: the
headers the import reads) and N members of new ID numbers, spread over the organizations that
hold members in the demo. Then, as the demo's county admin (`demo-county`), through the services
the pages call:

- read: `core.importing.read_sheet` alone (openpyxl);
- preview: `run_import(commit=False)` (read and validate every row: the upload's preview page);
- import: `run_import()` (read, validate again and save: the confirm button);
- undo: `undo_last()` (the undo button).

Printed: seconds (wall clock, and the CPU time of this process: on a shared machine the steady
figure; PostgreSQL's own work is not in it) and the SQL statements Django sent (a COPY is not
counted) of each step. Every run checks that the import created
exactly N members (and N status changes, one audit entry) and that the undo removed all of them;
a mismatch exits non-zero. `--profile` prints the 25 costliest functions of the import and undo.

    .venv/bin/python bench/bench_import.py --smoke

does the same with 200 members and prints one line.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
import warnings
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import _smoke

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "bench_import"
SMOKE_MEMBERS = 200
# Birth places of the imported members: not an area code of the demo (4312xx and OTHER_AREAS), so
# no imported ID number is already on record.
AREAS = ("110101", "110102", "110105", "310101", "310104", "510104", "610102", "210102")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=None, help="rows in the file (default 20,000; smoke 200)")
    parser.add_argument("--database-url", help="an existing database to use (kept); default: a throwaway one")
    parser.add_argument("--profile", action="store_true", help="cProfile the import and the undo")
    parser.add_argument(
        "--writer", choices=["excel", "openpyxl"], default="excel", help="how the file is saved (see member_file)"
    )
    parser.add_argument("--smoke", action="store_true", help="200 members on the tiny demo, one line")
    args = parser.parse_args()
    members = args.members or (SMOKE_MEMBERS if args.smoke else 20_000)
    if args.database_url:
        return run(args.database_url, members, profile=args.profile, writer=args.writer)
    clock = _smoke.Clock()
    if args.db == "postgres" and not _smoke.postgres_reachable():
        return _smoke.without_postgres(SCRIPT) if args.smoke else 1
    _smoke.terminate_cleanly()
    database = _smoke.postgres_database if args.db == "postgres" else _smoke.sqlite_database
    try:
        with database(SCRIPT) as url:
            if not args.smoke:
                print(f"loading the tiny demo into a throwaway {args.db} database …", flush=True)
            _smoke.load_tiny_demo(url)
            checked = run(url, members, smoke=args.smoke, profile=args.profile, writer=args.writer)
    except Exception as exc:  # noqa: BLE001 - reported as the failure
        if not args.smoke:
            raise
        import traceback

        return _smoke.failed(SCRIPT, repr(exc), clock, traceback.format_exc())
    if args.smoke:
        return _smoke.ok(SCRIPT, checked, clock)
    return 0


@contextmanager
def counted(connection):
    """Count the SQL statements run inside the block (cheaply: no SQL text kept)."""
    box = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        box["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield box


@contextmanager
def profiled(enabled: bool, title: str):
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"\n--- profile: {title} ---")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


def member_file(n: int, actor, organizations: list, writer: str = "excel") -> bytes:
    """The member import's template filled with `n` new members (valid rows only).

    `writer="excel"` saves it the way Excel and WPS do (XlsxWriter: a shared-strings table, the
    sheet's dimension, dates as date cells), which is what comes back after a user fills in the
    template; `"openpyxl"` as openpyxl's write-only mode does (every text an inline string, no
    dimension), which openpyxl reads about twice as slowly."""
    from jiceng.imports import services
    from jiceng.members.demo import MINORITIES, MOBILE_STATIONS, People
    from jiceng.members.imports import COLUMNS, EDUCATION_BY_LABEL, OCCUPATION_BY_LABEL

    template = services.template("members", actor)
    header = [cell.value for cell in template.worksheets[0][1]]
    headers = {c.header: c.key for c in COLUMNS}
    keys = [headers[str(h).rstrip("*")] for h in header]
    rng = random.Random(20_000)
    people = People(rng)
    educations = list(EDUCATION_BY_LABEL)
    occupations = list(OCCUPATION_BY_LABEL)
    today = date.today()
    rows = [header]
    for i in range(n):
        male = rng.random() < 0.7
        gender = "male" if male else "female"
        birth = date(rng.randrange(1940, today.year - 24), rng.randrange(1, 13), rng.randrange(1, 29))
        probationary = rng.random() < 0.05
        if probationary:
            join = date(today.year - 1, rng.randrange(1, 13), rng.randrange(1, 29))
            full = None
        else:
            join = date(birth.year + rng.randrange(19, 24), rng.randrange(1, 13), rng.randrange(1, 29))
            full = date(join.year + 1, join.month, join.day)
        mobile = rng.random() < 0.05
        row = {
            "name": people.name(male),
            "id_number": people.id_number(AREAS[i % len(AREAS)], birth, gender),
            "gender": "男" if male else "女",
            "phone": people.phone(today.year - birth.year),
            "org": organizations[i % len(organizations)],
            "status": "预备党员" if probationary else "正式党员",
            "join_date": join if i % 2 else join.isoformat(),  # real Excel dates and text, as people write
            "full_date": (full if i % 2 else full.isoformat()) if full else None,
            "ethnicity": rng.choice(MINORITIES) if rng.random() < 0.1 else "汉族",
            "education": rng.choice(educations),
            "occupation": rng.choice(occupations),
            "post": "",
            "is_mobile": "是" if mobile else "否",
            "mobile_destination": rng.choice(MOBILE_STATIONS) if mobile else "",
        }
        rows.append([row[k] for k in keys])
    out = io.BytesIO()
    if writer == "openpyxl":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(template.worksheets[0].title)
        for values in rows:
            ws.append(values)
        wb.save(out)
        return out.getvalue()
    import xlsxwriter

    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(template.worksheets[0].title)
    date_cell = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if isinstance(value, date):
                ws.write_datetime(r, c, value, date_cell)
            elif value not in (None, ""):
                ws.write_string(r, c, str(value))
    wb.close()
    return out.getvalue()


def run(database_url: str, n: int, smoke: bool = False, profile: bool = False, writer: str = "excel") -> str | int:
    """The benchmark; with `smoke`, quietly, returning what was checked."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from jiceng.core.importing import read_sheet
    from jiceng.core.models import AuditEntry
    from jiceng.imports import services
    from jiceng.imports.models import ImportBatch
    from jiceng.members.imports import COLUMNS
    from jiceng.members.models import Member, StatusChange
    from jiceng.orgs.models import Organization

    say = (lambda *a, **k: None) if smoke else print
    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        say("loading the demo county (seed 1, tiny) …", flush=True)
        call_command("demo_county", "--seed", "1", "--scale", "tiny", "--password", "demo12345", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="demo-county")
    codes = list(
        Organization.objects.filter(members__isnull=False).order_by("path").values_list("code", flat=True).distinct()
    )
    before = Member.objects.count()
    say(f"database: {connection.vendor}; {before:,} members and {len(codes)} organizations with members on record")

    started = time.perf_counter()
    content = member_file(n, admin, codes, writer)
    seconds = time.perf_counter() - started
    say(f"file: {n:,} members, {len(content) / 1e6:.1f} MB, written as {writer} does in {seconds:.1f} s\n")

    figures = []

    def step(label, fn, profile_it=False):
        with profiled(profile_it, label), counted(connection) as queries:
            t0, cpu0 = time.perf_counter(), time.process_time()
            result = fn()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        figures.append((label, elapsed, cpu, queries["n"]))
        return result

    rows = step("read the sheet (read_sheet)", lambda: read_sheet(io.BytesIO(content), COLUMNS))
    preview = step(
        "preview (read + validate)",
        lambda: services.run_import("members", io.BytesIO(content), actor=admin, file_name="m.xlsx", commit=False),
    )
    outcome = step(
        "import (read + validate + save)",
        lambda: services.run_import("members", io.BytesIO(content), actor=admin, file_name="m.xlsx"),
        profile,
    )
    problems = []
    if len(rows) != n or preview.rows != n or not preview.ok:
        problems.append(f"preview: {preview.rows} rows, {len(preview.errors)} errors {preview.errors[:3]}")
    if not outcome.ok or outcome.batch_id is None:
        problems.append(f"import refused: {outcome.errors[:3]}")
        raise RuntimeError("; ".join(problems))
    batch = ImportBatch.objects.get(pk=outcome.batch_id)
    imported = Member.objects.filter(import_batch=batch).count()
    changes = StatusChange.objects.filter(member__import_batch=batch).count()
    if Member.objects.count() != before + n or imported != n or changes != n or batch.row_count != n:
        problems.append(
            f"import: {Member.objects.count() - before} new members, {imported} in the batch, {changes} status changes"
        )
    if AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).count() != 1:
        problems.append("import: no audit entry for the batch")

    undone = step("undo (undo_last)", lambda: services.undo_last(admin), profile)
    if undone.pk != batch.pk or ImportBatch.objects.get(pk=batch.pk).status != ImportBatch.Status.UNDONE:
        problems.append(f"undo: undid batch {undone.pk}, not {batch.pk}")
    left = Member.objects.count() - before
    if left or Member.objects.filter(import_batch=batch).exists():
        problems.append(f"undo: {left} imported members left")
    if AuditEntry.objects.filter(action="undo_import", object_id=str(batch.pk)).count() != 1:
        problems.append("undo: no audit entry for the batch")

    say(f"{'step':<34}{'seconds':>9}{'CPU s':>8}{'queries':>9}")
    for label, elapsed, cpu, queries in figures:
        say(f"{label:<34}{elapsed:>9.2f}{cpu:>8.2f}{queries:>9}")
    if problems:
        raise RuntimeError("; ".join(problems))
    if smoke:
        queries = figures[2][3]
        return f"{n} members imported in {queries} statements and undone ({connection.vendor})"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
