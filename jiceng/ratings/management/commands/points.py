"""`manage.py points`: recompute member points for months, or check the month totals."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.ratings import queries, rules, services


class Command(BaseCommand):
    help = "按记录重新计算党员积分（--month 2026-11 [--until 2026-12]），或核对月度积分与积分明细（--check）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="重新计算的月份（YYYY-MM）")
        parser.add_argument("--until", help="连续计算到该月（含），默认只算 --month 一个月")
        parser.add_argument(
            "--check", action="store_true", help="核对月度积分与明细合计、年度积分与月度积分，不一致时退出码为1"
        )

    def handle(self, *args, month, until, check, **options):
        if not (month or check):
            raise CommandError("请指定 --month 或 --check")
        if month:
            first = self._month(month)
            last = self._month(until) if until else first
            if last < first:
                raise CommandError("--until 不能早于 --month")
            if last > rules.month_start(timezone.localdate()):
                raise CommandError("不能计算未来的月份")
            current = first
            while current <= last:
                result = services.recompute_month(current)
                self.stdout.write(
                    f"{current:%Y-%m}：{result['members']} 名党员，新增明细 {result['added']} 条，冲销 {result['reversed']} 条"
                )
                current = add_months(current, 1)
        if check:
            diffs = queries.month_differences() + queries.year_differences()
            if diffs:
                for line in diffs:
                    self.stdout.write(line)
                raise CommandError("月度积分与积分明细不一致（可用 --month 重新计算）")
            self.stdout.write("月度积分与积分明细一致")

    @staticmethod
    def _month(text):
        try:
            return datetime.strptime(text, "%Y-%m").date()
        except ValueError as exc:
            raise CommandError(f"月份格式应为 YYYY-MM：{text}") from exc
