"""Celery tasks: the production runner of the periodic jobs (see jiceng/celery.py) and of the
background exports (jiceng/core/exports.py)."""

from celery import shared_task

from . import jobs


@shared_task(name="jiceng.core.tasks.run_job")
def run_job(name: str) -> str | None:
    return jobs.run_job(name)


@shared_task(name="jiceng.core.tasks.run_export")
def run_export(pk: int) -> str | None:
    from . import exports

    return exports.run(pk)
