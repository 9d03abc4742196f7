"""The daily relapse watch (返贫监测): every watched household against the thresholds. Idempotent
(one flag per household and record, services.scan); the flags it opens notify the village and the
pair once. The writes that can cross a threshold (income, an expense, a failed check) run the same
watch on their household at once, so the job only catches what a change of threshold or of the
line brings, and the passing of a year."""

from __future__ import annotations

from datetime import datetime, timedelta

from jiceng.core.jobs import periodic

from . import services


@periodic("households.relapse_scan", every=timedelta(days=1), description="返贫监测：按预警标准扫描帮扶户")
def relapse_scan(now: datetime) -> str:
    return f"新增返贫风险预警 {len(services.scan(now))} 条"
