"""Reminders of due organizational life (idempotent: one notice per organization, item and period)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import periodic
from jiceng.core.notifications import MANAGER_ROLES, notify
from jiceng.orgs.models import Organization

from . import queries, rules

# From this day of the month on, a monthly item still not held is reminded as "missing this month".
MONTH_END_REMINDER_DAY = 20


def due_items(today, results, types) -> list[tuple[int, str, str, str]]:
    """(organization id, key, title, body) of every reminder due today."""
    week = rules.week_of(today)
    out = []
    for org_id, result in results.items():
        for type_id, r in result.types.items():
            t = types[type_id]
            for p in r.periods:
                if p.status != rules.PENDING or today not in p.period:
                    continue
                if t.fixed_day and t.cadence == "monthly":
                    fixed = p.period.start.replace(day=min(t.fixed_day, p.period.end.day))
                    if fixed in week:
                        out.append(
                            (
                                org_id,
                                f"life:due:{p.period.code}:{org_id}:{t.code}:week",
                                f"本周{fixed.month}月{fixed.day}日是{t.name}",
                                f"{result.org.name}{p.period.label}尚未纪实{t.name}（{t.basis}）。",
                            )
                        )
                        continue
                if t.cadence == "monthly" and today.day >= MONTH_END_REMINDER_DAY:
                    out.append(
                        (
                            org_id,
                            f"life:due:{p.period.code}:{org_id}:{t.code}:month",
                            f"本月尚未开展{t.name}",
                            f"{result.org.name}{p.period.label}应开展{t.name}至少{p.required}次，目前{p.held}次（{t.basis}）。",
                        )
                    )
                elif t.cadence == "quarterly" and p.period.end - today <= timedelta(days=14):
                    out.append(
                        (
                            org_id,
                            f"life:due:{p.period.code}:{org_id}:{t.code}:quarter",
                            f"本季度尚未开展{t.name}",
                            f"{result.org.name}{p.period.label}应开展{t.name}至少{p.required}次，目前{p.held}次（{t.basis}）。",
                        )
                    )
    return out


@periodic(
    "life.reminders",
    every=timedelta(hours=6),
    description="提醒各党支部、党小组本周主题党日和本月、本季度未开展的组织生活",
)
def send_reminders(now: datetime) -> str:
    from jiceng.accounts.models import User

    today = timezone.localdate(now)
    types = {t.id: t for t in queries.active_types()}
    sent = 0
    for root in Organization.objects.filter(parent__isnull=True):
        results = {}
        for kind in ("month", "quarter"):
            data = queries.compliance(root.path, rules.window_of(kind, today), today)
            for org_id, res in data.results.items():
                results.setdefault(org_id, queries.OrgResult(res.org)).types.update(res.types)
        items = due_items(today, results, types)
        if not items:
            continue
        users = defaultdict(list)
        for u in User.objects.filter(organization_id__in={i[0] for i in items}, is_active=True, role__in=MANAGER_ROLES):
            users[u.organization_id].append(u)
        url = reverse("life:todo")
        for org_id, key, title, body in items:
            for u in users.get(org_id, []):
                _, new = notify(
                    u,
                    kind="life_due",
                    title=title,
                    key=key,
                    body=body,
                    url=f"{url}?org={org_id}",
                    org_path=results[org_id].org.path,
                )
                sent += new
    return f"sent {sent}"
