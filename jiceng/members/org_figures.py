"""What the organization pages and structure warnings count of members.

`jiceng.orgs` sits below `members` on the floor plan, so it does not import members: it finds
this module through the registry (`core.registry.app_modules("org_figures")`), as shared
screens find panels. Each function is one grouped query.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from jiceng.core.scoping import path_q, visible

from .models import Member


def direct_counts(root_path: str) -> QuerySet:
    """Active members attached to each organization under `root_path`: rows of
    ``organization_id``, ``full`` and ``probationary``."""
    return (
        Member.objects.filter(path_q("organization__path", root_path), status__in=Member.ACTIVE_STATUSES)
        .values("organization_id")
        .annotate(
            full=Count("id", filter=Q(status=Member.Status.FULL)),
            probationary=Count("id", filter=Q(status=Member.Status.PROBATIONARY)),
        )
    )


def active_by_prefix(root_path: str, width: int) -> dict[str, int]:
    """Active members under `root_path`, counted by the first `width` characters of their
    organization's path (the subtree of each child when `width` is one level deeper)."""
    rows = (
        Member.objects.filter(path_q("organization__path", root_path), status__in=Member.ACTIVE_STATUSES)
        .annotate(prefix=Substr("organization__path", 1, width))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["prefix"]: r["n"] for r in rows}


def direct_members(user, organization, limit: int = 100) -> list:
    """The members attached to the organization itself that the user may see, by pinyin."""
    return list(visible(user, Member.objects.filter(organization=organization)).order_by("name_pinyin")[:limit])
