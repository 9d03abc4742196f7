"""`manage.py dues_summary --check | --rebuild`: the per-member yearly summary of dues payments."""

from __future__ import annotations

from jiceng.core.summary_command import SummaryCommand
from jiceng.dues import summary


class Command(SummaryCommand):
    help = "核对或重建党员年度党费汇总（党费完成率读取它）；汇总须与交纳记录一致。"
    summary = summary
    records = "交纳记录"
