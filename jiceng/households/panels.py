"""Cards on the organization page and the command screen: the households of the subtree and
their pairing coverage. The card loads by htmx from households:panel, so the two pages keep their
own query budgets."""

from __future__ import annotations

from django.urls import reverse

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel
from jiceng.orgs.queries import PLACE_DOMAINS


def _lazy(root, order: int) -> Panel:
    return Panel(
        title="帮扶户与结对帮扶",
        template="households/panel_lazy.html",
        context={
            "url": reverse("households:panel") + f"?org={root.pk}",
            "coverage_url": reverse("households:coverage") + f"?org={root.pk}",
        },
        order=order,
    )


def organization_panels(request, organization):
    # Counties, townships and villages (where households are filed), not agencies or enterprises.
    if not is_staff(request.user) or (organization.parent_id and organization.domain not in PLACE_DOMAINS):
        return []
    return [_lazy(organization, 65)]


def command_panels(request, root, today):
    if not is_staff(request.user):
        return []
    return [_lazy(root, 65)]
