"""Sweeps of the request system. They only send notices and escalate; "overdue" itself is
always computed from the stored deadlines when it is read. Each is idempotent: notices are
keyed by request, stage and deadline; an escalation or closing is claimed by the conditional
UPDATE on the request's version, and moves the request out of the sweep's query."""

from datetime import timedelta

from jiceng.core.jobs import periodic

from . import services


@periodic("requests.overdue_notices", every=timedelta(minutes=5), description="诉求签收、反馈、办结超期提醒承办人")
def overdue_notices(now):
    return f"超期提醒 {services.notify_overdue(now)} 条"


@periodic("requests.auto_escalate", every=timedelta(minutes=15), description="办结超期的诉求自动上报上一级")
def auto_escalate(now):
    return f"自动上报 {services.auto_escalate(now)} 件"


@periodic("requests.auto_close", every=timedelta(hours=6), description="办结后群众久未评价的诉求自动关闭")
def auto_close(now):
    return f"自动关闭 {services.auto_close(now)} 件"
