from datetime import timedelta

from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.core.jobs import periodic

from . import rules, services


@periodic(
    "ratings.points",
    every=timedelta(hours=24),
    description="按记录更新上月和本月的党员积分（补录、更正的记录次日计入）",
)
def recompute_points(now):
    this_month = rules.month_start(timezone.localtime(now).date())
    out = []
    for month in (add_months(this_month, -1), this_month):
        result = services.recompute_month(month)
        out.append(f"{month:%Y-%m} 新增 {result['added']} 条、冲销 {result['reversed']} 条")
    return "；".join(out)
