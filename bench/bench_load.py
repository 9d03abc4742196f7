#!/usr/bin/env python
"""Load test: gunicorn on PostgreSQL with the county demo, many users at once, from loopback only.

    .venv/bin/pip install -r requirements-bench.txt      # locust, once
    .venv/bin/python bench/bench_load.py [--users 50] [--duration 180] [--workers 3] [--threads 4]

The database is the page-budget one (`jiceng_pages_county`, loaded by bench/bench_pages.py if
missing). The script starts gunicorn on 127.0.0.1 (`--workers`, gthread with `--threads`, the
timeouts of docs/deployment.md), runs locust headless for `--duration` seconds with `--users`
simulated people (two more a second; each logs in once; the statistics start when all are
running), stops both and prints requests/s and p50/p95/p99 per endpoint and the errors.
Staff (county and township admins, a branch secretary) open the command screen, search members,
open the compliance table, the requests inbox and a request, and record a contact on it; residents
open the village's intake page, post a request, and read Open311. Targets (issue 10): zero
errors, p95 <= 2 s, at least 20 requests/s on this 2-core machine; the script exits non-zero
when one is missed.

Rate limits are switched off for the run (JICENG_RATELIMIT_ENABLED=0): every simulated person
comes from 127.0.0.1, and the limits are per address. All traffic stays on this machine and the
run stops by itself.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

LOCUSTFILE = r"""
import random
import re

from locust import HttpUser, between, task

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "{password}"
STAFF = ["demo-county", "demo-township", "demo-branch"]


def token(response):
    m = TOKEN.search(response.text)
    return m.group(1) if m else ""


class Staff(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        page = self.client.get("/login/", name="login page")
        self.client.post(
            "/login/",
            {{"username": random.choice(STAFF), "password": PASSWORD, "csrfmiddlewaretoken": token(page)}},
            headers={{"Referer": self.host + "/login/"}},
            name="login",
        )
        inbox = self.client.get("/requests/", name="requests inbox").text
        self.requests = sorted(set(re.findall(r'href="/requests/(\d+)/"', inbox)))[:20]
        # Only the holding unit (or the level above it) may act: its own to-do list.
        todo = self.client.get("/requests/?box=todo", name="requests inbox").text
        self.actionable = sorted(set(re.findall(r'href="/requests/(\d+)/"', todo)))[:20]

    @task(3)
    def command_screen(self):
        self.client.get("/", name="command screen")

    @task(2)
    def member_search(self):
        self.client.get("/members/?q=" + random.choice(["张", "王", "li", "zh", "138"]), name="member search")

    @task(2)
    def compliance(self):
        self.client.get("/life/compliance/", name="compliance table")

    @task(2)
    def inbox(self):
        self.client.get("/requests/", name="requests inbox")

    @task(2)
    def request_page(self):
        if self.requests:
            self.client.get(f"/requests/{{random.choice(self.requests)}}/", name="request page")

    @task(1)
    def request_action(self):
        if not self.actionable:
            return
        pk = random.choice(self.actionable)
        page = self.client.get(f"/requests/{{pk}}/", name="request page")
        self.client.post(
            f"/requests/{{pk}}/act/",
            {{"action": "contact", "note": "电话联系群众，说明办理进度", "csrfmiddlewaretoken": token(page)}},
            headers={{"Referer": f"{{self.host}}/requests/{{pk}}/"}},
            name="request action",
        )


class Resident(HttpUser):
    weight = 2
    wait_time = between(1, 3)
    codes = {codes!r}

    @task(2)
    def intake(self):
        code = random.choice(self.codes)
        page = self.client.get(f"/r/{{code}}/", name="intake page")
        category = re.search(r'<option value="(\d+)"', page.text)
        self.client.post(
            f"/r/{{code}}/",
            {{
                "kind": "help",
                "category": category.group(1) if category else "",
                "description": "村口路灯坏了，晚上出行不便，请尽快修理",
                "phone": "1380000" + str(random.randint(1000, 9999)),
                "csrfmiddlewaretoken": token(page),
            }},
            headers={{"Referer": f"{{self.host}}/r/{{code}}/"}},
            name="intake post",
        )

    @task(3)
    def open311(self):
        self.client.get("/open311/v2/services.json", name="open311 services")
        self.client.get("/open311/v2/requests.json", name="open311 requests")
"""


def village_codes(url: str) -> list[str]:
    import psycopg

    dsn = url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT code FROM orgs_organization WHERE domain = 'rural' AND type IN ('general_branch', 'branch') "
            "AND length(path) = 12 ORDER BY path LIMIT 40"
        ).fetchall()
    return [r[0] for r in rows]


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/login/", timeout=5).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within a minute")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=180, help="seconds")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker (1: sync workers)")
    parser.add_argument("--timeout", type=int, default=60, help="gunicorn worker timeout, seconds")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo12345"))
    parser.add_argument("--smoke", action="store_true", help="check that the locustfile builds (make test)")
    args = parser.parse_args(argv)
    if args.smoke:
        source = LOCUSTFILE.format(password="x", codes=["V0001"])
        compile(source, "locustfile.py", "exec")
        print("bench_load --smoke: OK (the locustfile builds; a load run needs locust and PostgreSQL)")
        return 0
    try:
        import locust  # noqa: F401
    except ImportError:
        raise SystemExit("locust is not installed: .venv/bin/pip install -r requirements-bench.txt") from None

    import bench_pages

    bench_pages.ensure_database("postgres", "county", fresh=False)
    url = bench_pages.database_url("postgres", "county")
    codes = village_codes(url)
    base = f"http://127.0.0.1:{args.port}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        JICENG_RATELIMIT_ENABLED="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_CONN_MAX_AGE="60",
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = [
        str(Path(sys.executable).parent / "gunicorn"),
        "jiceng.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        str(args.timeout),
        "--log-level",
        "warning",
        # Longer than a simulated person's pause, as nginx's upstream keep-alive would be: with
        # gunicorn's default of 2 s a reused connection races the server closing it (resets).
        "--keep-alive",
        "10",
    ]
    if args.threads > 1:
        gunicorn += ["--worker-class", "gthread", "--threads", str(args.threads)]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wait_until_up(base)
            locustfile = Path(tmp) / "locustfile.py"
            locustfile.write_text(LOCUSTFILE.format(password=args.password, codes=codes), encoding="utf-8")
            prefix = Path(tmp) / "stats"
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "locust"),
                    "-f",
                    str(locustfile),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    "2",
                    "--reset-stats",
                    "--run-time",
                    f"{args.duration}s",
                    "--host",
                    base,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=tmp,
                env=dict(os.environ),
                check=False,
                timeout=args.duration + 120,
            )
            rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
            failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(
        f"\nLoad test: {args.users} users, {args.duration} s, gunicorn {args.workers} workers × {args.threads} threads"
    )
    print(f"{'endpoint':22} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    total = None
    for r in rows:
        line = (
            f"{r['Name'][:22]:22} {r['Request Count']:>8} {r['Failure Count']:>6} {float(r['Requests/s']):6.2f} "
            f"{r['50%']:>6} {r['95%']:>6} {r['99%']:>6}"
        )
        print(line)
        if r["Name"] == "Aggregated":
            total = r
    for f in failures:
        print(f"  error: {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}")
    if total is None:
        print("!! no requests were made")
        return 1
    errors, rps, p95 = int(total["Failure Count"]), float(total["Requests/s"]), float(total["95%"])
    verdict = errors == 0 and p95 <= 2000 and rps >= 20
    print(
        f"\nTargets (0 errors, p95 <= 2000 ms, >= 20 req/s): errors {errors}, p95 {p95:.0f} ms, {rps:.1f} req/s: ",
        end="",
    )
    print("MET" if verdict else "MISSED")
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())
