"""`manage.py run_scheduler [--once] [--interval SECONDS]`: run periodic jobs without a broker."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from jiceng.core import jobs


class Command(BaseCommand):
    help = "运行定时任务（提醒、超期通知、自动升级）；无需消息队列。生产环境可改用 Celery beat。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只检查并运行一次到期任务后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="两次检查之间的秒数（默认30）")
        parser.add_argument("--list", action="store_true", help="列出已登记的定时任务")

    def handle(self, *args, once: bool, interval: float, list: bool, **options):
        if list:
            for job in jobs.all_jobs().values():
                self.stdout.write(f"{job.name:<32} 每 {job.every} · {job.description}")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
        self.stdout.write(f"定时任务调度已启动：{len(jobs.all_jobs())} 个任务，每 {interval:g} 秒检查一次")
        while not stopping:
            for name, result in jobs.run_due().items():
                self.stdout.write(f"[{name}] {result}")
            if once:
                break
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                break
            close_old_connections()  # like a request: drop a connection the server has closed
