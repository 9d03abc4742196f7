"""Celery for production: a worker with beat runs every periodic job on its interval.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A jiceng worker --beat -l info

The beat schedule is built from the job registry (jiceng.core.jobs), so a job declared in an
app's jobs.py is scheduled without listing it here. Without a broker, `manage.py
run_scheduler` runs the same jobs (that is what `make run` does).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")

app = Celery("jiceng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["jiceng.core"])


@app.on_after_finalize.connect
def _schedule_jobs(sender, **kwargs):
    from jiceng.core.jobs import all_jobs

    for job in all_jobs().values():
        sender.add_periodic_task(
            job.every.total_seconds(), sender.signature("jiceng.core.tasks.run_job", args=(job.name,)), name=job.name
        )
