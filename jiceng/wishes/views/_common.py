"""What several wish page modules share: the message members get on a staff page, and the
townships and streets (the areas of the public pool and of a member's claim pool)."""

from __future__ import annotations

from jiceng.orgs.models import Organization

from .. import services

WISHES_STAFF_ONLY = "党员请使用「认领微心愿」和「我认领的心愿」"


def township_like():
    """Townships and streets: village-level organizations' parents, whatever the tree's depth
    (a rural or community organization whose parent is not one)."""
    return Organization.objects.filter(domain__in=services.WISH_DOMAINS, parent__isnull=False).exclude(
        parent__domain__in=services.WISH_DOMAINS
    )
