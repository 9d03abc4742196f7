"""What the bench scripts share for `--smoke`: a throwaway database holding the tiny demo.

`--smoke` runs every comparison a bench script makes (ORM or view against hand SQL) once, on
`manage.py demo_county --seed 1 --scale tiny` in a database of its own, so that a change in the
app that breaks a benchmark shows up in seconds rather than the next time someone measures.
Not a bench script itself (the name keeps it out of `bench/bench_*.py`); stdlib only at import
time, because DATABASE_URL has to be set before Django starts.

PostgreSQL databases are named jiceng_smoke_<script>_<pid> (two runs at once never meet) and
are dropped at the end. Each run also gets a temporary JICENG_VAR_DIR, removed at the end, so
that the demo's photos, the secret key and a SQLite database never land in the repository's var/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Server without a database name, as the bench scripts take it.
PG_BASE = os.environ.get("JICENG_BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
DEMO_ARGS = ["demo_county", "--seed", "1", "--scale", "tiny", "--password", DEMO_PASSWORD]


class SmokeFailure(Exception):
    """A smoke run found a crash or a disagreement; the message says which."""


def terminate_cleanly() -> None:
    """Let SIGTERM run the `finally` blocks (dropping the throwaway database) before exiting."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def postgres_reachable() -> bool:
    """The check `make test-postgres` uses: scripts/db_reachable.py on the maintenance database."""
    script = ROOT / "scripts" / "db_reachable.py"
    return subprocess.run([sys.executable, str(script), f"{PG_BASE}/postgres"], cwd=ROOT).returncode == 0


def without_postgres(script: str) -> int:
    """Exit status when PostgreSQL is not reachable: skip, unless JICENG_REQUIRE_POSTGRES is set."""
    if os.environ.get("JICENG_REQUIRE_POSTGRES"):
        print(
            f"FAILED: {script} --smoke needs PostgreSQL (JICENG_REQUIRE_POSTGRES is set) "
            f"and none is reachable at {PG_BASE}",
            file=sys.stderr,
        )
        return 1
    print(f"SKIPPED: {script} --smoke needs PostgreSQL")
    return 0


@contextmanager
def scratch_var_dir(script: str) -> Iterator[Path]:
    """A temporary JICENG_VAR_DIR (media, secret key, static root) for this process and its
    children, removed afterwards. Set before Django starts."""
    previous = os.environ.get("JICENG_VAR_DIR")
    with tempfile.TemporaryDirectory(prefix=f"jiceng_smoke_{script}_") as tmp:
        os.environ["JICENG_VAR_DIR"] = tmp
        try:
            yield Path(tmp)
        finally:
            if previous is None:
                os.environ.pop("JICENG_VAR_DIR", None)
            else:
                os.environ["JICENG_VAR_DIR"] = previous


@contextmanager
def postgres_database(script: str) -> Iterator[str]:
    """Create an empty database for this run, yield its URL, drop it afterwards."""
    import psycopg
    from psycopg import sql

    name = f"jiceng_smoke_{script.removeprefix('bench_')}_{os.getpid()}"
    ident = sql.Identifier(name)
    with scratch_var_dir(script):
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(ident))
        try:
            yield f"{PG_BASE}/{name}"
        finally:
            with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


@contextmanager
def sqlite_database(script: str) -> Iterator[str]:
    """Yield the URL of a SQLite file in a temporary JICENG_VAR_DIR that is removed afterwards."""
    with scratch_var_dir(script) as var:
        yield f"sqlite:///{var / 'smoke.sqlite3'}"


def manage(url: str, *args: str) -> None:
    """`manage.py <args>` on `url`, quiet unless it fails."""
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="jiceng.settings")
    proc = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SmokeFailure(f"manage.py {' '.join(args)} failed (exit {proc.returncode})")


# A copy of the tiny demo that scripts/bench_smoke.sh builds once for all the scripts of a run
# (`python bench/_smoke.py --make-template DIR`): DIR/var (the secret key, which also encrypts the
# ID numbers, and the media), DIR/demo.sqlite3, and DIR/postgres naming a PostgreSQL template
# database. Without it each script migrates and loads its own (half a minute of CPU each).
TEMPLATE_ENV = "JICENG_SMOKE_TEMPLATE"


def load_tiny_demo(url: str) -> None:
    """The tiny demo into the empty database at `url`: a copy of the run's template when there is
    one (and the script's scratch var dir gets the template's secret key and media), else built."""
    if not _copy_template(url):
        manage(url, "migrate", "--noinput", "-v0")
        manage(url, *DEMO_ARGS)


def _copy_template(url: str) -> bool:
    import shutil

    template = os.environ.get(TEMPLATE_ENV)
    var = os.environ.get("JICENG_VAR_DIR")
    if not template or not var:
        return False
    template = Path(template)
    if url.startswith("sqlite:///"):
        source = template / "demo.sqlite3"
        if not source.exists():
            return False
        shutil.copyfile(source, url.removeprefix("sqlite:///"))
    else:
        marker = template / "postgres"
        if not marker.exists():
            return False
        import psycopg
        from psycopg import sql

        name = sql.Identifier(url.rsplit("/", 1)[1])
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, sql.Identifier(marker.read_text().strip()))
            )
    shutil.copytree(template / "var", var, dirs_exist_ok=True)
    return True


def make_template(directory: Path) -> None:
    """Build the run's tiny demo once, on SQLite and (when reachable) PostgreSQL, with one var dir."""
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["JICENG_VAR_DIR"] = str(directory / "var")
    (directory / "var").mkdir(exist_ok=True)
    sqlite_url = f"sqlite:///{directory / 'demo.sqlite3'}"
    manage(sqlite_url, "migrate", "--noinput", "-v0")
    manage(sqlite_url, *DEMO_ARGS)
    if not postgres_reachable():
        return
    import psycopg
    from psycopg import sql

    name = f"jiceng_smoke_template_{os.getpid()}"
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    manage(f"{PG_BASE}/{name}", "migrate", "--noinput", "-v0")
    manage(f"{PG_BASE}/{name}", *DEMO_ARGS)
    (directory / "postgres").write_text(name)


def drop_template(directory: Path) -> None:
    marker = directory / "postgres"
    if marker.exists():
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(marker.read_text().strip()))
            )
    import shutil

    shutil.rmtree(directory, ignore_errors=True)


def run_child(cmd: list[str], url: str, **env) -> subprocess.CompletedProcess:
    """Run a bench child process on `url` with its output captured (shown by `report` on failure)."""
    full_env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="jiceng.settings", **env)
    return subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True, check=False)


def count_figures(value) -> int:
    """How many numbers a compared value holds (labels and keys are not counted)."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return 1
    if isinstance(value, dict):
        return sum(count_figures(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(count_figures(v) for v in value if not isinstance(v, str))
    return 0


class Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __str__(self) -> str:
        return f"{time.perf_counter() - self.start:.1f} s"


def ok(script: str, what: str, clock: Clock) -> int:
    print(f"{script} --smoke: OK ({what}; {clock})", flush=True)
    return 0


def failed(script: str, why: str, clock: Clock, output: str = "") -> int:
    if output:
        sys.stderr.write(output if output.endswith("\n") else output + "\n")
    print(f"{script} --smoke: FAILED ({why}; {clock})", file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":  # scripts/bench_smoke.sh: --make-template DIR | --drop-template DIR
    action, where = sys.argv[1], Path(sys.argv[2])
    if action == "--make-template":
        make_template(where)
    elif action == "--drop-template":
        drop_template(where)
    else:
        sys.exit(f"unknown action {action}")
