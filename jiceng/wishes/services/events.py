"""The wish's trail (`WishEvent`, with the role the requester sees) and the notices to the
nearest staff of its organization."""

from __future__ import annotations

from django.urls import reverse

from jiceng.core.notifications import MANAGER_ROLES, Digest, notify
from jiceng.core.scoping import is_member_role
from jiceng.orgs.models import Organization

from ..models import Wish, WishEvent
from .common import _is_user, _now


def role_label(actor) -> str:
    """How a step appears to the requester: a role, never a staff member's name."""
    if not _is_user(actor):
        return "系统"
    if is_member_role(actor):
        return "党员"
    org = actor.organization
    if actor.is_superuser or org is None or org.parent_id is None:
        return "县级工作人员"
    if org.depth == 1:
        return "乡镇（街道）工作人员"
    return "村（社区）工作人员"


def staff_for(organization: Organization):
    """Managers of the organization, or of the nearest organization above it that has any."""
    from jiceng.accounts.models import User

    paths = [organization.path[:end] for end in range(4, len(organization.path) + 1, 4)]
    users = list(
        User.objects.filter(is_active=True, role__in=list(MANAGER_ROLES), organization__path__in=paths).select_related(
            "organization"
        )
    )
    if not users:
        return []
    deepest = max(u.organization.path for u in users)
    return [u for u in users if u.organization.path == deepest]


def _notify_staff(wish: Wish, title: str, key: str, body: str = "", digest: Digest | None = None) -> int:
    """Notify the nearest staff of the wish's organization. Where no manager sits at the village
    and the notice goes up (township, county), `digest` rolls such notices into one a day."""
    sent = 0
    for user in staff_for(wish.organization):
        _, created = notify(
            user,
            kind="wishes",
            title=f"{title}：{wish.organization.short_name or wish.organization.name} {wish.ticket}",
            key=key,
            body=body or wish.description[:200],
            url=reverse("wishes:detail", args=[wish.pk]),
            org_path=wish.organization.path,
            digest=digest,
        )
        sent += created
    return sent


def _event(
    wish: Wish, actor, action: str, from_state: str, to_state: str, *, note: str = "", at=None, role=None, public=True
):
    return WishEvent.objects.create(
        wish=wish,
        at=at or _now(),
        actor=actor if _is_user(actor) else None,
        actor_role=role if role is not None else role_label(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
    )
