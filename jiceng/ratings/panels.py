"""Cards: member points on the command screen and the organization page (loaded by htmx after
the page, from ratings:panel), and a member's points on the member page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel

from . import queries


def _lazy(root, today, order: int) -> Panel:
    return Panel(
        title=f"党员积分（{today.year}年）",
        template="liaison/panel_lazy.html",
        context={
            "url": reverse("ratings:panel") + f"?org={root.pk}",
            "report_url": reverse("ratings:ranking") + f"?org={root.pk}",
        },
        order=order,
    )


def _overview(root, order: int) -> Panel:
    return Panel(
        title="考核评价",
        template="liaison/panel_lazy.html",
        context={
            "url": reverse("ratings:overview_panel") + f"?org={root.pk}",
            "report_url": reverse("ratings:stars") + f"?org={root.pk}",
        },
        order=order,
    )


def command_panels(request, root, today):
    return [_lazy(root, today, 70), _overview(root, 71)] if is_staff(request.user) else []


def organization_panels(request, organization):
    return (
        [_lazy(organization, timezone.localdate(), 70), _overview(organization, 71)] if is_staff(request.user) else []
    )


def member_panels(request, member):
    year = timezone.localdate().year
    own = request.user.member_id == member.pk
    return [
        Panel(
            title=f"党员积分（{year}年）",
            template="ratings/panel_member.html",
            context={
                "total": queries.year_total(member, year),
                "url": reverse("ratings:mine") if own else reverse("ratings:member", args=[member.pk]),
                "own": own,
            },
            order=71,
        )
    ]
