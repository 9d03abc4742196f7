"""Reminder at the start of each month: the secretary learns whose political birthdays fall
this month. Sending the greetings stays the secretary's own action (members:birthdays)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import periodic
from jiceng.core.notifications import notify_organization
from jiceng.orgs.models import Organization

from . import queries
from .models import Member


@periodic("members.political_birthdays", every=timedelta(hours=12), description="每月初提醒支部本月过政治生日的党员")
def remind_political_birthdays(now) -> str:
    today = timezone.localdate(now)
    counts = dict(
        queries.birthdays_in_month(Member.objects.all(), today.year, today.month)
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organization_id", "n")
    )
    # A party group has no secretary of its own: its branch (the parent) is told.
    by_org: dict[int, int] = {}
    for org in Organization.objects.filter(pk__in=list(counts)).only("id", "type", "parent_id"):
        target = org.parent_id if org.type == Organization.Type.GROUP and org.parent_id else org.pk
        by_org[target] = by_org.get(target, 0) + counts[org.pk]
    counts = by_org
    sent = 0
    for org in Organization.objects.filter(pk__in=list(counts)):
        url = reverse("members:birthdays") + "?" + urlencode({"month": f"{today:%Y-%m}", "organization": org.pk})
        sent += notify_organization(
            org,
            kind="political_birthday_reminder",
            title=f"本月有{counts[org.pk]}名党员过政治生日",
            # Once per organization per month, however often the job runs.
            key=f"members:political_birthdays:{today:%Y-%m}:{org.pk}",
            body="可以在“政治生日”页面向他们发送祝福。",
            url=url,
            roles=("branch_secretary",),
        )
    return f"sent {sent}"
