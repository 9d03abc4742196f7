"""Reminders about overdue transfers. Never needed for correctness: the overdue lists are
computed from the stored deadlines whenever they are read; this only sends notices, once per
transfer and deadline (an extension gives a new deadline, hence a new reminder)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import periodic
from jiceng.core.notifications import notify_organization

from . import queries
from .models import Transfer


@periodic("transfers.overdue", every=timedelta(hours=6), description="提醒转出方和接收方：组织关系转接超期未确认")
def remind_overdue(now) -> str:
    today = timezone.localdate(now)
    sent = 0
    overdue = Transfer.objects.filter(queries.overdue_q(today)).select_related("from_org", "to_org")
    for t in overdue.iterator(chunk_size=500):
        if t.kind == Transfer.Kind.OUT:
            what = f"转出县外的回执超期未返回（应在{t.due_on:%Y-%m-%d}前）"
        else:
            what = f"介绍信已于{t.valid_until:%Y-%m-%d}过期，仍未确认接收"
        for org in (t.from_org, t.to_org):
            if org is None:
                continue
            sent += notify_organization(
                org,
                kind="transfer_overdue",
                title=f"组织关系转接超期：{t.member_name}",
                key=f"transfers:overdue:{t.pk}:{t.due_on:%Y%m%d}",
                body=f"{t.member_name}（{t.get_kind_display()}，介绍信{t.letter_number}）：{what}。请联系对方，确认接收、退回，或延期/重开介绍信。",
                url=reverse("transfers:detail", args=[t.pk]),
            )
    return f"sent {sent}"
