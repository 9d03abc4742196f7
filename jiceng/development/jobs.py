"""Reminders to branches about development files (发展党员提醒).

Idempotent: each notice's key names the file, what is due, its deadline and whether it is
due soon or overdue, so a run that repeats sends nothing twice, and a new deadline (the next
six-monthly review, a new vote) gets its own notice. Never needed for correctness: the due
lists are computed from stored dates when they are read.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import periodic
from jiceng.core.notifications import Digest, notify_organization
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from . import queries
from .models import DevelopmentFile, DevelopmentSettings


def _overdue_digest() -> Digest:
    """The township hears of its branches' overdue steps once a day, as one digest with the list."""
    return Digest("development:overdue", "下级党组织发展党员事项逾期", f"{reverse('development:due')}?state=overdue")


def reminders(today, soon_days: int) -> int:
    files = (
        DevelopmentFile.objects.filter(queries.due_filter(today, soon_days))
        .select_related("organization")
        .order_by("organization__path", "id")
    )
    items = [i for f in files for i in queries.items_of(f, today, soon_days) if i.state != queries.WAITING]
    township_paths = {i.file.organization.path[: 2 * SEGMENT] for i in items if i.is_overdue}
    townships = {o.path: o for o in Organization.objects.filter(path__in=township_paths)}
    sent = 0
    for item in items:
        file = item.file
        key = f"development:{item.kind}:{item.state}:{file.pk}:{item.due_on:%Y-%m-%d}"
        title = f"发展党员{item.state_label}：{file.name}（{item.kind_label}）"
        url = reverse("development:detail", args=[file.pk])
        sent += notify_organization(
            file.organization, kind="development", title=title, key=key, body=item.message, url=url
        )
        township = townships.get(file.organization.path[: 2 * SEGMENT])
        if item.is_overdue and township is not None and township.pk != file.organization_id:
            body = f"{file.organization.name}：{item.message}"
            sent += notify_organization(
                township,
                kind="development",
                title=title,
                key=key,
                body=body,
                url=url,
                about=file.organization,
                digest=_overdue_digest(),
            )
    return sent


@periodic("development.reminders", every=timedelta(hours=6), description="提醒党支部发展党员到期和逾期事项")
def send_reminders(now):
    today = timezone.localdate(now)
    sent = reminders(today, DevelopmentSettings.current().due_soon_days)
    return f"发出通知 {sent} 条"
