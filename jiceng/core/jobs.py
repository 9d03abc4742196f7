"""Periodic jobs: plain functions, run by a small scheduler or by Celery beat.

An app declares its jobs in ``jiceng/<app>/jobs.py``::

    from datetime import timedelta
    from jiceng.core.jobs import periodic

    @periodic("life.reminders", every=timedelta(hours=1), description="提醒各支部本月待办")
    def send_reminders(now):
        ...
        return "sent 12"

A job must be idempotent (running it twice changes nothing the second time) and must never
be needed for correctness: "overdue" is computed from stored deadlines when it is read; a job
only sends notices and escalations. `run_due()` claims each due job with a conditional
UPDATE of its `next_run_at`, so two schedulers (or a scheduler and Celery beat) never run
the same job at the same time.

Without a broker (`make run`), `manage.py run_scheduler` calls `run_due()` every few
seconds. In production Celery beat sends `jiceng.core.tasks.run_job` for each job on its
interval (see jiceng/celery.py).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .registry import app_modules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], object]
    every: timedelta
    description: str


REGISTRY: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta, description: str = ""):
    def decorator(func):
        if name in REGISTRY and REGISTRY[name].func is not func:
            raise ValueError(f"job {name} is registered twice")
        REGISTRY[name] = Job(name, func, every, description)
        return func

    return decorator


def all_jobs() -> dict[str, Job]:
    app_modules("jobs")  # importing the modules registers their jobs
    from . import exports  # noqa: F401  core's own job: the background exports' sweep

    return dict(sorted(REGISTRY.items()))


def _claim(job: Job, now: datetime) -> bool:
    from .models import JobState

    JobState.objects.get_or_create(name=job.name)
    claimed = JobState.objects.filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now), name=job.name).update(
        next_run_at=now + job.every, last_started_at=now
    )
    return bool(claimed)


def run_job(name: str, now: datetime | None = None, *, claim: bool = False) -> str | None:
    """Run one job now; with `claim`, only if it is due (and claim it). Returns its result text,
    or None when it was not due."""
    from .models import JobState

    job = all_jobs()[name]
    now = now or timezone.now()
    if claim:
        if not _claim(job, now):
            return None
    else:
        JobState.objects.update_or_create(
            name=job.name, defaults={"last_started_at": now, "next_run_at": now + job.every}
        )
    try:
        with transaction.atomic():
            result = job.func(now)
    except Exception:
        JobState.objects.filter(name=job.name).update(last_error=traceback.format_exc()[-4000:])
        log.exception("job %s failed", job.name)
        raise
    text = "" if result is None else str(result)
    JobState.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(), last_result=text[:4000], last_error=""
    )
    return text


def run_due(now: datetime | None = None) -> dict[str, str]:
    """Run every job that is due; a failing job is logged and does not stop the others."""
    now = now or timezone.now()
    done = {}
    for name in all_jobs():
        try:
            result = run_job(name, now, claim=True)
        except Exception as exc:  # already logged and stored
            done[name] = f"失败：{exc}"
            continue
        if result is not None:
            done[name] = result
    return done
