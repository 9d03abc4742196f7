"""The term card on the organization page (no queries: it reads the organization's own fields)."""

from django.utils import timezone

from jiceng.core.panels import Panel
from jiceng.core.scoping import is_member_role
from jiceng.orgs.rules import TERM_TYPES


def organization_panels(request, organization):
    if organization.type not in TERM_TYPES or is_member_role(request.user):
        return []
    context = {
        "org": organization,
        "today": timezone.localdate(),
        "can_manage": getattr(request.user, "can_manage", False) or request.user.is_superuser,
    }
    return [Panel("换届", "elections/panel_org.html", context, order=45)]
