"""Sending notices: in-app always, by email where the installation has a mail server.

`notify()` is idempotent by (recipient, key): a sweep or reminder that runs twice, or two
schedulers racing, store and mail each notice once. Callers choose keys that name what the
notice is about and its period, e.g. ``life:due:2026-11:org42:themed_day``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)

# Roles that receive an organization's notices (its managers).
MANAGER_ROLES = ("county_admin", "township_admin", "branch_secretary")


def email_enabled() -> bool:
    return bool(getattr(settings, "JICENG_EMAIL_ENABLED", False))


@dataclass(frozen=True)
class Digest:
    """How notices of one topic roll up for a recipient at a level above the organization they
    are about: one notice a day, 「{title}（今日 N 条）」, linking to the list of them."""

    topic: str
    title: str
    url: str


def _above(recipient, org_path: str) -> bool:
    own = getattr(getattr(recipient, "organization", None), "path", None)
    return bool(own and org_path and org_path != own and org_path.startswith(own))


def notify(
    recipient,
    *,
    kind: str,
    title: str,
    key: str,
    body: str = "",
    url: str = "",
    org_path: str = "",
    digest: Digest | None = None,
) -> tuple[Notification, bool]:
    """Store one notice for `recipient` unless the same key was sent before; returns (notice, created).

    With `digest`, a recipient whose organization is above `org_path` gets the notice rolled up
    into the day's digest of that topic instead (the item is kept, read, under the digest)."""
    existing = Notification.objects.filter(recipient=recipient, key=key).first()
    if existing is not None:
        return existing, False
    rolled = digest is not None and _above(recipient, org_path)
    try:
        with transaction.atomic():
            parent = _digest_for(recipient, kind, digest) if rolled else None
            notice = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:200],
                body=body,
                url=url[:300],
                key=key[:200],
                org_path=org_path,
                digest=parent,
                read_at=timezone.now() if parent is not None else None,
            )
            if parent is not None:
                _count_into(parent, digest)
    except IntegrityError:  # a concurrent sender stored it first
        return Notification.objects.get(recipient=recipient, key=key[:200]), False
    if email_enabled() and recipient.email:
        _email(parent if rolled else notice)  # a digest is mailed once, when its first item arrives
    return notice, True


def _digest_for(recipient, kind: str, digest: Digest) -> Notification:
    day = timezone.localdate()
    row, _ = Notification.objects.get_or_create(
        recipient=recipient,
        key=f"digest:{digest.topic}:{day:%Y%m%d}"[:200],
        defaults={"kind": kind, "title": digest.title[:200], "url": digest.url[:300]},
    )
    return Notification.objects.select_for_update().get(pk=row.pk)


def _count_into(parent: Notification, digest: Digest) -> None:
    parent.item_count += 1
    parent.title = f"{digest.title}（今日 {parent.item_count} 条）"[:200]
    parent.body = "下级组织的同类事项已汇总为这一条通知，点击查看清单。"
    parent.read_at = None  # a new item makes the digest unread again
    parent.save(update_fields=["item_count", "title", "body", "read_at"])


def _email(notice: Notification) -> None:
    # Claim the mail first, so that two workers never mail the same notice.
    claimed = Notification.objects.filter(pk=notice.pk, emailed_at=None).update(emailed_at=timezone.now())
    if not claimed:
        return
    link = f"{settings.JICENG_SITE_URL.rstrip('/')}{notice.url}" if notice.url and settings.JICENG_SITE_URL else ""
    text = "\n\n".join(part for part in (notice.body, link) if part)
    try:
        send_mail(f"【基层党建】{notice.title}", text or notice.title, None, [notice.recipient.email])
    except Exception:  # mail is best effort; the in-app notice stands
        log.exception("sending notice %s by email failed", notice.pk)
        Notification.objects.filter(pk=notice.pk).update(emailed_at=None)


def managers_of(organization, roles: Iterable[str] = MANAGER_ROLES):
    """Active users attached to `organization` itself with a managing role."""
    from jiceng.accounts.models import User

    return User.objects.filter(organization=organization, is_active=True, role__in=list(roles))


def notify_organization(
    organization,
    *,
    kind: str,
    title: str,
    key: str,
    body: str = "",
    url: str = "",
    roles: Iterable[str] = MANAGER_ROLES,
    about=None,
    digest: Digest | None = None,
) -> int:
    """Notify the managers of `organization` (about `about`, a lower organization, if given: with
    `digest` they get the day's digest instead of one notice each); returns how many were new."""
    created = 0
    org_path = (about or organization).path
    for user in managers_of(organization, roles):
        _, new = notify(user, kind=kind, title=title, key=key, body=body, url=url, org_path=org_path, digest=digest)
        created += new
    return created


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
