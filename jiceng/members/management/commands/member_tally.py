"""`manage.py member_tally --check | --rebuild`: the per-organization member tallies (ADR 0019)."""

from __future__ import annotations

from jiceng.core.summary_command import SummaryCommand
from jiceng.members import tally


class Command(SummaryCommand):
    help = "核对或重建各党组织的党员分组计数（指挥部、结构预警等页面读取它）；计数须与党员档案一致。"
    summary = tally
    records = "党员档案"
