"""What several dues page modules share: staff only, the breadcrumbs above an organization, the
one visible member by primary key, and where to go after a form."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from jiceng.core.scoping import get_visible_or_404, visible
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

DUES_STAFF_ONLY = "党员本人请在“我的党费”查看自己的记录"


def breadcrumbs(user, org: Organization) -> list[Organization]:
    paths = [org.path[:i] for i in range(SEGMENT, len(org.path), SEGMENT)]
    return list(visible(user, Organization.objects.filter(path__in=paths)).order_by("path"))


def member_or_404(request, pk) -> Member:
    return get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=pk)


def next_or(request, default: str) -> str:
    """Where to go after a form: the page it came from, if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default
