"""Training cards on the member page, the organization page and the command screen.

The organization and command-screen cards load their figures in a second request (htmx,
`hx-trigger="load"`) from `views.summary.panel_org` / `panel_command`: the shared pages keep
their own query budgets whatever the training data, and the cards have theirs (eight
queries, fixed; tests pin both). The member card is small (four queries) and renders inline.
"""

from django.urls import reverse
from django.utils import timezone

from jiceng.core.panels import Panel
from jiceng.core.scoping import is_member_role

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


def _lazy(title: str, url: str, link: str, name: str) -> Panel:
    return Panel(title, "training/panels/lazy.html", {"url": url, "link": link, "name": name}, order=40)


def organization_panels(request, organization):
    if is_member_role(request.user):
        return []
    year = timezone.localdate().year
    return [
        _lazy(
            f"{year}年教育培训",
            reverse("training:panel_org", args=[organization.pk]),
            reverse("training:org_summary", args=[organization.pk]) + f"?year={year}",
            "training-org",
        )
    ]


def command_panels(request, root, today):
    if is_member_role(request.user):
        return []
    return [
        _lazy(
            f"{today.year}年教育培训",
            reverse("training:panel_command", args=[root.pk]),
            reverse("training:org_summary", args=[root.pk]) + f"?year={today.year}",
            "training-command",
        )
    ]
