"""`manage.py dues_summary --check | --rebuild`: the per-member yearly summary of dues payments."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiceng.dues import summary


class Command(BaseCommand):
    help = "核对或重建党员年度党费汇总（党费完成率读取它）；汇总须与交纳记录一致。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="与交纳记录重新统计的结果比对，不一致时退出码为1")
        parser.add_argument("--rebuild", action="store_true", help="按交纳记录全部重新统计")

    def handle(self, *args, check: bool, rebuild: bool, **options):
        if not (check or rebuild):
            raise CommandError("请指定 --check 或 --rebuild")
        if rebuild:
            with transaction.atomic():
                rows = summary.rebuild()
            self.stdout.write(f"已重建：{rows} 行")
        if check:
            diffs = summary.differences()
            if diffs:
                for line in diffs:
                    self.stdout.write(line)
                raise CommandError("汇总与交纳记录不一致（可用 --rebuild 重建）")
            self.stdout.write("汇总与交纳记录一致")
