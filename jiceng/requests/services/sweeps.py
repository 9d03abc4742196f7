"""The scheduled deadline jobs (jobs.py): overdue notices, automatic escalation and closing."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jiceng.core.notifications import Digest, notify

from .. import queries, rules
from ..models import Request, RequestSettings
from .engine import _lock
from .events import _recipients
from .handling import escalate_request, escalation_target
from .resolution import close_request


def notify_overdue(now: datetime, limit: int = 2000) -> int:
    """One notice per request, stage and deadline to whoever holds it (idempotent by key)."""
    sent = 0
    qs = (
        Request.objects.filter(queries.overdue_q(now))
        .select_related("category", "organization", "holder_org", "holder_department", "holder_user")
        .order_by("done_due_at")[:limit]
    )
    for req in qs:
        for stage in req.overdue_stages(now):
            due = getattr(req, f"{stage}_due_at")
            key = f"requests:overdue:{req.pk}:{stage}:{due.isoformat()}"
            for user in _recipients(req):
                _, created = notify(
                    user,
                    kind="requests_overdue",
                    title=f"诉求{rules.STAGE_LABELS[stage]}超期：{req.category.name} {req.ticket}",
                    key=key,
                    body=f"{rules.STAGE_LABELS[stage]}时限为 {timezone.localtime(due):%Y-%m-%d %H:%M}，已超期。",
                    url=reverse("requests:detail", args=[req.pk]),
                    org_path=req.organization.path,
                    # A township or the county holding villages' requests gets one notice a day
                    # per stage, linking to the overdue list, not one per request.
                    digest=Digest(
                        f"requests:overdue:{stage}",
                        f"下级组织的诉求{rules.STAGE_LABELS[stage]}超期",
                        f"{reverse('requests:inbox')}?box=overdue",
                    ),
                )
                sent += created
    return sent


def auto_escalate(now: datetime, limit: int = 500) -> int:
    """Escalate requests whose done deadline passed more than the configured grace ago.

    Village → township always; township → the department the routing table names for the
    category (if none, the township keeps it and the overdue notices continue). Idempotent:
    each escalation is claimed by the conditional UPDATE, and an escalated request has a new
    deadline.

    `limit` counts escalations, not candidates: a request that cannot go up (a township with no
    whistle department) stays overdue and oldest, and would otherwise fill the batch on every
    run while the requests behind it were never escalated.
    """
    from datetime import timedelta

    config = RequestSettings.current()
    if not config.escalate_after_hours:
        return 0
    cutoff = now - timedelta(hours=config.escalate_after_hours)
    candidates = list(
        Request.objects.filter(queries.overdue_q(now, "done"), done_due_at__lt=cutoff)
        .exclude(level__in=["department"])
        .order_by("done_due_at", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in candidates:
        if done >= limit:
            break
        try:
            with transaction.atomic():
                req = Request.objects.get(pk=pk)
                escalation_target(_lock(req))
                escalate_request(
                    None,
                    req,
                    note=f"办结超期 {config.escalate_after_hours} 小时，系统自动上报",
                    version=req.version,
                    now=now,
                    automatic=True,
                )
            done += 1
        except (ValidationError, Request.DoesNotExist):
            continue
    return done


def auto_close(now: datetime, limit: int = 2000) -> int:
    """Close resolved requests the resident has not rated within the configured days."""
    from datetime import timedelta

    config = RequestSettings.current()
    if not config.auto_close_days:
        return 0
    cutoff = now - timedelta(days=config.auto_close_days)
    closed = 0
    for req in Request.objects.filter(state__in=list(rules.DONE), resolved_at__lt=cutoff).order_by("resolved_at")[
        :limit
    ]:
        try:
            close_request(None, req, note=f"办结后 {config.auto_close_days} 天群众未评价，系统自动关闭", now=now)
            closed += 1
        except ValidationError:
            continue
    return closed
