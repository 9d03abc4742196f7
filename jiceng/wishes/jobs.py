from datetime import timedelta

from jiceng.core.jobs import periodic

from . import services


@periodic(
    "wishes.overdue", every=timedelta(hours=1), description="提醒超期未审核、长期无人认领、认领后超期未完成的微心愿"
)
def notify_overdue(now):
    sent = services.notify_overdue(now)
    return f"超期未审核 {sent['accept']} 条，无人认领 {sent['claim']} 条，超期未完成 {sent['fulfil']} 条"
