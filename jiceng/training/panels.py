"""Training cards on the member page, the organization page and the command screen."""

from django.utils import timezone

from jiceng.core.panels import Panel

from . import queries


def member_panels(request, member):
    year = timezone.localdate().year
    card = queries.member_card(request.user, member, year)
    return [
        Panel(
            f"{year}年学分卡",
            "training/panels/member.html",
            {"member": member, "year": year, "card": card},
            order=40,
        )
    ]


def organization_panels(request, organization):
    if queries.is_member_role(request.user):
        return []
    year = timezone.localdate().year
    figures = queries.panel_figures(request.user, organization, year)
    return [
        Panel(
            f"{year}年教育培训",
            "training/panels/organization.html",
            {"org": organization, "year": year, **figures},
            order=40,
        )
    ]


def command_panels(request, root, today):
    if queries.is_member_role(request.user):
        return []
    figures = queries.command_figures(request.user, root, today)
    return [Panel(f"{figures['year']}年教育培训", "training/panels/command.html", {"root": root, **figures}, order=40)]
