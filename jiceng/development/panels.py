"""Cards on the member page, the organization page and the command screen.

The organization page and the command screen have query budgets their own tests pin, so their
cards cost no query there: the card asks for its figures with htmx (`development:panel`, two
queries whatever the subtree, scoped like every page). The member page card is rendered in place.
"""

from __future__ import annotations

from django.urls import reverse

from jiceng.core.panels import Panel
from jiceng.core.scoping import is_member_role

from . import rules
from .models import DevelopmentFile


def stage_links(org_pk: int, counts: dict[int, int]) -> list[dict]:
    base = reverse("development:list")
    return [
        {
            "number": n,
            "label": f"{rules.STAGE_NUMERALS[n]}、{rules.STAGES[n]}",
            "value": counts[n],
            "url": f"{base}?organization={org_pk}&stage={n}&status=open",
        }
        for n in rules.STAGES
    ]


def member_panels(request, member):
    """The member's own development file (joined through the platform), if any."""
    file = DevelopmentFile.objects.filter(member=member).order_by("-pk").first()  # the latest admission
    if file is None:
        return []
    steps = file.steps.filter(revoked_at=None, number__in=(1, 3, 7, 15, 17, 23, 24)).order_by("id")
    return [
        Panel(
            "入党材料（发展党员档案）",
            "development/panel_member.html",
            {"file": file, "steps": list(steps), "can_open": not is_member_role(request.user)},
            order=30,
        )
    ]


def _lazy(request, org, kind: str) -> list[Panel]:
    if is_member_role(request.user):
        return []
    url = reverse("development:panel", args=[org.pk]) + f"?kind={kind}"
    return [Panel("发展党员", "development/panel_lazy.html", {"org": org, "url": url}, order=30)]


def organization_panels(request, organization):
    return _lazy(request, organization, "org")


def command_panels(request, root, today):
    """Counts by stage and overdue items for the subtree (loaded by the card: no query here)."""
    return _lazy(request, root, "command")
