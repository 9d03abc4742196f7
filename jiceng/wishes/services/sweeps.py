"""The scheduled sweep (jobs.py): notices for wishes waiting too long."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from jiceng.core.notifications import Digest, notify

from ..models import Wish, WishSettings
from .common import S
from .events import _notify_staff


def _overdue_digest(topic: str, title: str, figure: str) -> Digest:
    return Digest(f"wishes:{topic}", f"下级组织：{title}", f"{reverse('wishes:list')}?figure={figure}")


def notify_overdue(now: datetime, limit: int = 2000) -> dict[str, int]:
    """Notices for wishes waiting too long: not accepted by the deadline, unclaimed in the pool
    for `claim_days`, claimed and not fulfilled by the deadline. Idempotent: each notice's key
    names the wish and the deadline it missed, so a second run sends nothing new."""
    from datetime import timedelta

    config = WishSettings.current()
    sent = {"accept": 0, "claim": 0, "fulfil": 0}
    posted = Wish.objects.filter(state=S.POSTED, accept_due_at__lt=now).select_related("organization")
    for wish in posted.order_by("accept_due_at")[:limit]:
        due = timezone.localtime(wish.accept_due_at).date()
        sent["accept"] += _notify_staff(
            wish,
            "微心愿超期未审核",
            key=f"wishes:overdue:accept:{wish.pk}:{due:%Y%m%d}",
            body=f"群众 {timezone.localtime(wish.posted_at):%Y-%m-%d} 提交的心愿已超过审核时限，请审核入池或答复。",
            digest=_overdue_digest("overdue:accept", "微心愿超期未审核", "pending"),
        )
    if config.claim_days:
        pooled = Wish.objects.filter(state=S.POOLED, accepted_at__lt=now - timedelta(days=config.claim_days))
        for wish in pooled.select_related("organization").order_by("accepted_at")[:limit]:
            sent["claim"] += _notify_staff(
                wish,
                "微心愿长时间无人认领",
                key=f"wishes:overdue:claim:{wish.pk}:{timezone.localtime(wish.accepted_at):%Y%m%d}",
                body=f"该心愿入池已超过 {config.claim_days} 天无人认领，请协调党员或组织认领。",
                digest=_overdue_digest("overdue:claim", "微心愿长时间无人认领", "pooled"),
            )
    claimed = Wish.objects.filter(state=S.CLAIMED, fulfil_due_at__lt=now).select_related(
        "organization", "claimed_member"
    )
    for wish in claimed.order_by("fulfil_due_at")[:limit]:
        key = f"wishes:overdue:fulfil:{wish.pk}:{timezone.localtime(wish.fulfil_due_at):%Y%m%d}"
        body = f"{wish.claimant_label} 认领的心愿已超过完成时限，请督促完成或放弃认领。"
        digest = _overdue_digest("overdue:fulfil", "认领的微心愿超期未完成", "overdue")
        sent["fulfil"] += _notify_staff(wish, "认领的微心愿超期未完成", key=key, body=body, digest=digest)
        user = getattr(wish.claimed_member, "user", None) if wish.claimed_member_id else None
        if user is not None and user.is_active:
            _, created = notify(
                user,
                kind="wishes",
                title=f"您认领的微心愿已超期：{wish.ticket}",
                key=key,
                body="请尽快完成，或在「我认领的心愿」中放弃认领。",
                url=reverse("wishes:mine"),
                org_path=wish.organization.path,
            )
            sent["fulfil"] += created
    return sent
