"""What several staff page modules share: who may handle requests, the organizations where a
user may enter them, and the one visible request by primary key."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiceng.core.scoping import has_full_scope, visible
from jiceng.orgs.models import Organization

from .. import queries
from ..models import Request

LIST_RELATED = ("category", "organization", "holder_org", "holder_department", "holder_user")


def require_request_staff(user) -> None:
    if not queries.is_request_staff(user):
        raise PermissionDenied("只有村（社区）、乡镇、县级管理员和部门经办人可以办理群众诉求")


def entry_organizations(user):
    """Villages, communities, grids and townships where the user may enter requests."""
    qs = queries.handling_organizations(visible(user, Organization.objects.all()))
    if not (has_full_scope(user) or user.can_manage):
        return qs.none()
    return qs


def get_request(user, pk) -> Request:
    require_request_staff(user)
    item = (
        queries.visible_requests(
            user, Request.objects.select_related(*LIST_RELATED, "sent_by_org", "sent_by_department")
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("未找到或无权查看")
    return item
