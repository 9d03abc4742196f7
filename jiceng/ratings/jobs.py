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


@periodic(
    "ratings.fortress", every=timedelta(hours=24), description="按最新记录计算各党支部今年（1月份时另算上年）的堡垒指数"
)
def compute_fortress(now):
    today = timezone.localtime(now).date()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return "；".join(f"{y}年 {services.compute_fortress(y)} 个党支部" for y in years)


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


@periodic(
    "ratings.vanguard",
    every=timedelta(hours=24),
    description="按最新记录计算各党员今年（1月份时另算上年）的先锋指数",
)
def compute_vanguard(now):
    today = timezone.localtime(now).date()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return "；".join(f"{y}年 {services.compute_vanguard(y)} 名党员" for y in years)
