"""Cards on the organization page, the member page and the command screen."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel

from . import queries, rules, services
from .models import Wish


def figures_card(request, root, today: date) -> dict:
    """The card's context: the figures of wishes posted this year in `root` (one query)."""
    start, end = date(today.year, 1, 1), today
    f = queries.figures(request.user, root, start, end)
    return {
        "figures": f,
        "links": queries.figure_links(root, start, end),
        "sentence": queries.sentence(root, f),
        "report_url": reverse("wishes:report") + f"?org={root.pk}",
        "qr_url": reverse("wishes:qr", args=[root.pk]) if not services.wish_organization_error(root) else "",
    }


def _lazy(root, today: date, order: int) -> Panel:
    # Loaded by htmx from wishes:panel (see jiceng/liaison/panels.py).
    return Panel(
        title=f"微心愿（{today.year}年）",
        template="liaison/panel_lazy.html",
        context={
            "url": reverse("wishes:panel") + f"?org={root.pk}",
            "report_url": reverse("wishes:report") + f"?org={root.pk}",
        },
        order=order,
    )


def organization_panels(request, organization):
    if not is_staff(request.user):
        return []
    return [_lazy(organization, timezone.localdate(), 62)]


def command_panels(request, root, today):
    if not is_staff(request.user):
        return []
    return [_lazy(root, today, 62)]


def member_panels(request, member):
    """Wishes the member claimed (public fields: the member page may be seen by staff of the
    member's organization, the wish may be elsewhere in the county)."""
    qs = Wish.objects.filter(claimed_member=member, state__in=queries.CLAIM_PATH)
    this_year = timezone.localdate().year
    rows = list(qs.select_related("organization").order_by("-claimed_at")[:5])
    counts = queries.wishes_claimed_by_members([member.pk], this_year)
    own = request.user.member_id == member.pk
    return [
        Panel(
            title="认领的微心愿",
            template="wishes/panel_member.html",
            context={
                "rows": rows,
                "total": qs.count(),
                "this_year": counts.get(member.pk, 0),
                "year": this_year,
                "own": own,
                "done": (rules.State.FULFILLED, rules.State.CONFIRMED),
            },
            order=63,
        )
    ]
