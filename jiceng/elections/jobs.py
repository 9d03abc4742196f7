"""Term reminders: an organization whose term (or approved postponement) ends within the
county's warning months, or has ended, is reminded once per due date and level."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.core.jobs import periodic
from jiceng.core.models import CountySettings
from jiceng.core.notifications import notify_organization
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import TERM_TYPES


@periodic("elections.term_reminders", every=timedelta(hours=12), description="提醒任期即将届满或已届满的党组织按期换届")
def send_term_reminders(now: datetime) -> str:
    today = timezone.localdate(now)
    horizon = add_months(today, CountySettings.current().term_warning_months)
    due = Organization.objects.filter(type__in=TERM_TYPES).filter(
        Q(term_postponed_to__isnull=True, term_end__lte=horizon) | Q(term_postponed_to__lte=horizon)
    )
    sent = 0
    for org in due.select_related("parent"):
        until = org.term_postponed_to or org.term_end
        level = "expired" if until < today else "expiring"
        title = (
            f"{org.name}任期已于{until:%Y-%m-%d}届满，请尽快换届"
            if level == "expired"
            else f"{org.name}任期将于{until:%Y-%m-%d}届满，请准备换届"
        )
        if org.term_postponed_to:
            title += "（已批准延期）"
        key = f"elections:term:{org.pk}:{until:%Y%m%d}:{level}"
        url = reverse("elections:list") + f"?org={org.pk}"
        for target in (org, org.parent):
            if target is not None:
                sent += notify_organization(
                    target,
                    kind="term_due",
                    title=title,
                    key=key,
                    url=url,
                    body="依据《中国共产党支部工作条例（试行）》，任期届满应按期换届；延期须经上级批准。",
                )
    return f"sent {sent}"
