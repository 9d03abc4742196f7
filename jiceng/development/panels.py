"""Cards on the member page, the organization page and the command screen."""

from __future__ import annotations

from django.urls import reverse

from jiceng.core.panels import Panel

from . import queries, rules
from .models import DevelopmentFile


def _stage_links(org_pk: int, counts: dict[int, int]) -> list[dict]:
    base = reverse("development:list")
    return [
        {
            "label": f"{rules.STAGE_NUMERALS[n]}、{rules.STAGES[n]}",
            "value": counts[n],
            "url": f"{base}?organization={org_pk}&stage={n}&status=open",
        }
        for n in rules.STAGES
    ]


def member_panels(request, member):
    """The member's own development file (joined through the platform), if any."""
    file = DevelopmentFile.objects.filter(member=member).first()
    if file is None:
        return []
    steps = file.steps.filter(revoked_at=None, number__in=(1, 3, 7, 15, 17, 23, 24)).order_by("id")
    return [
        Panel(
            "入党材料（发展党员档案）",
            "development/panel_member.html",
            {
                "file": file,
                "steps": list(steps),
                "can_open": not queries.is_member_role(request.user),
            },
            order=30,
        )
    ]


def organization_panels(request, organization):
    if queries.is_member_role(request.user):
        return []
    from django.utils import timezone

    today = timezone.localdate()
    counts = queries.stage_counts(organization.path)
    overdue = queries.overdue_counts(organization.path, today)
    return [
        Panel(
            "发展党员",
            "development/panel_org.html",
            {
                "org": organization,
                "stages": _stage_links(organization.pk, counts),
                "overdue": overdue,
                "overdue_total": sum(overdue[k] for k in ("talk", "review", "approval", "probation")),
            },
            order=30,
        )
    ]


def command_panels(request, root, today):
    """Counts by stage and overdue items for the subtree: two queries whatever its size."""
    if queries.is_member_role(request.user):
        return []
    counts = queries.stage_counts(root.path)
    overdue = queries.overdue_counts(root.path, today)
    return [
        Panel(
            "发展党员",
            "development/panel_command.html",
            {
                "org": root,
                "stages": _stage_links(root.pk, counts),
                "total": sum(counts.values()),
                "overdue": overdue,
                "overdue_total": sum(overdue[k] for k in ("talk", "review", "approval", "probation")),
            },
            order=30,
        )
    ]
