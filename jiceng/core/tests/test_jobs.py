"""The scheduler: jobs run when due, once per interval, without a broker; and under Celery."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiceng.core import jobs
from jiceng.core.models import JobState, Notification
from jiceng.core.notifications import notify

CALLS = []


@jobs.periodic("core.test_ping", every=timedelta(minutes=10), description="测试任务")
def ping(now):
    from jiceng.accounts.models import User

    CALLS.append(now)
    for user in User.objects.filter(username="county"):
        notify(user, kind="test", title="定时任务提醒", key=f"ping:{now:%Y%m%d}")
    return f"ran at {now:%H:%M}"


def at(*args):
    return timezone.make_aware(datetime(*args))


@pytest.mark.django_db
def test_run_due_claims_each_interval_once(county):
    CALLS.clear()
    t0 = at(2026, 11, 24, 9, 0)
    assert "core.test_ping" in jobs.run_due(t0)
    assert "core.test_ping" not in jobs.run_due(t0 + timedelta(minutes=5))  # not due yet
    assert "core.test_ping" in jobs.run_due(t0 + timedelta(minutes=10))
    assert len(CALLS) == 2
    # The job itself is idempotent: two runs on one day sent one notice.
    assert Notification.objects.filter(kind="test", recipient=county.county_admin).count() == 1
    state = JobState.objects.get(name="core.test_ping")
    assert state.last_result == "ran at 09:10"


@pytest.mark.django_db
def test_run_scheduler_once(county, capsys):
    call_command("run_scheduler", "--once")
    assert "core.test_ping" in capsys.readouterr().out
    assert JobState.objects.filter(name="core.test_ping", last_finished_at__isnull=False).exists()


@pytest.mark.django_db
def test_jobs_page_runs_a_job_for_county_admin_only(county):
    from django.urls import reverse

    from jiceng.testing import client_for

    assert client_for(county.admin_a).post(reverse("core:jobs"), {"name": "core.test_ping"}).status_code == 403
    r = client_for(county.county_admin).post(reverse("core:jobs"), {"name": "core.test_ping"})
    assert r.status_code == 302
    assert "测试任务" in client_for(county.county_admin).get(reverse("core:jobs")).content.decode()


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_the_job_through_redis(county):
    if not redis_reachable():
        if os.environ.get("JICENG_REQUIRE_REDIS"):
            pytest.fail("Redis is required (JICENG_REQUIRE_REDIS) but not reachable at 127.0.0.1:6379")
        pytest.skip("SKIPPED Celery test: no Redis at 127.0.0.1:6379")
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import jiceng.core.tasks  # noqa: F401 - registers the shared task with every app

    # A Celery app of the test's own, on Redis db 15, and a queue of the run's own: the project's
    # app may already be bound by an earlier test of the run (with the settings' ignored results
    # and no backend), and `make test` runs the SQLite and PostgreSQL suites side by side on the
    # same Redis, so a worker of one must never take the other's task. The task is the project's
    # shared task `jiceng.core.tasks.run_job`, as production runs it.
    url = "redis://127.0.0.1:6379/15"
    app = Celery("jiceng-test", broker=url, backend=url, set_as_current=False)
    app.conf.update(task_ignore_result=False, timezone="Asia/Shanghai", broker_connection_retry_on_startup=True)
    queue = f"jiceng-test-{uuid.uuid4().hex}"
    run_job = app.tasks["jiceng.core.tasks.run_job"]
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=[queue]):
        result = run_job.apply_async(args=["core.test_ping"], queue=queue).get(timeout=30)
    assert result.startswith("ran at")
    assert Notification.objects.filter(kind="test", recipient=county.county_admin).exists()


def test_beat_schedule_lists_every_job():
    from jiceng.celery import app

    app.loader.import_default_modules()
    app.finalize()
    names = set(app.conf.beat_schedule)
    assert set(jobs.all_jobs()) <= names
