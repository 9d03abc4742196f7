"""`manage.py life_summary --check | --rebuild`: the per-member monthly summary of organizational life
(MemberMonth) and its yearly digest (MemberYear)."""

from __future__ import annotations

from jiceng.core.summary_command import SummaryCommand
from jiceng.life import summary


class Command(SummaryCommand):
    help = (
        "核对或重建党员月度组织生活汇总及其年度月份汇总（六个月预警、出勤统计等页面读取它们）；汇总须与出勤记录一致。"
    )
    summary = summary
    records = "出勤记录"
