"""The `--check | --rebuild` command of a summary table kept equal to its records (ADR 0015):
`life_summary` (MemberMonth) and `dues_summary` (DuesYear) are this command with their module."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class SummaryCommand(BaseCommand):
    """Subclasses set `summary` (a module with `rebuild()` and `differences()`), `help` and
    `records` (what the summary counts, in Chinese: 出勤记录, 交纳记录)."""

    summary = None
    records = "记录"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help=f"与{self.records}重新统计的结果比对，不一致时退出码为1"
        )
        parser.add_argument("--rebuild", action="store_true", help=f"按{self.records}全部重新统计")

    def handle(self, *args, check: bool, rebuild: bool, **options):
        if not (check or rebuild):
            raise CommandError("请指定 --check 或 --rebuild")
        if rebuild:
            with transaction.atomic():
                rows = self.summary.rebuild()
            self.stdout.write(f"已重建：{rows} 行")
        if check:
            diffs = self.summary.differences()
            if diffs:
                for line in diffs:
                    self.stdout.write(line)
                raise CommandError(f"汇总与{self.records}不一致（可用 --rebuild 重建）")
            self.stdout.write(f"汇总与{self.records}一致")
