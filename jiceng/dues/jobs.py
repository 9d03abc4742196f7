"""Month-end reminders: each branch hears who has not paid this month's dues.

Idempotent: the notice key names the branch and the month, so running the job again (or two
schedulers at once) sends nothing twice. Not needed for correctness: the ledger and the
six-month watch compute everything from stored payments when they are read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import periodic
from jiceng.core.notifications import notify_organization
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import DuesSettings

NAMES_IN_NOTICE = 30


def unpaid_by_unit(today) -> dict[int, list[str]]:
    """Names of members who owe this month's dues and have not paid, by branch (a party
    group's members go to its branch)."""
    month = rules.month_start(today)
    rows = (
        queries.state_filter(queries.due_in_month(Member.objects.all(), month, queries.ledger_start()), "unpaid")
        .values_list("organization_id", "organization__type", "organization__parent_id", "name")
        .order_by("organization__path", "name_pinyin")
    )
    out: dict[int, list[str]] = defaultdict(list)
    for org_id, org_type, parent_id, name in rows:
        unit = parent_id if org_type == Organization.Type.GROUP and parent_id else org_id
        out[unit].append(name)
    return out


@periodic("dues.month_end_reminders", every=timedelta(hours=6), description="月末提醒各支部本月尚未交纳党费的党员")
def month_end_reminders(now: datetime) -> str:
    today = timezone.localtime(now).date()
    settings = DuesSettings.current()
    if today.day < settings.reminder_day:
        return f"未到提醒日（每月{settings.reminder_day}日起）"
    month = rules.month_start(today)
    sent = 0
    units = unpaid_by_unit(today)
    for org in Organization.objects.filter(pk__in=list(units)):
        names = units[org.pk]
        shown = "、".join(names[:NAMES_IN_NOTICE]) + (f"等{len(names)}人" if len(names) > NAMES_IN_NOTICE else "")
        sent += notify_organization(
            org,
            kind="dues_unpaid",
            title=f"{month.year}年{month.month}月党费：{len(names)}名党员尚未交纳",
            key=f"dues:unpaid:{month:%Y-%m}:org{org.pk}",
            body=f"{org.name}尚未交纳本月党费的党员：{shown}。请提醒按月足额交纳（《关于中国共产党党费收缴、使用和管理的规定》第十二条）。",
            url=f"{reverse('dues:ledger')}?org={org.pk}&year={month.year}&month={month.month}&state=unpaid",
        )
    return f"{len(units)} 个支部有未交党员，新发通知 {sent} 条"
