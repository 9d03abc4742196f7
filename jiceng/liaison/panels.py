"""Cards on the organization page, the member page and the command screen."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel
from jiceng.core.scoping import visible

from . import queries, rules
from .models import Visit


def _year(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), today


def figures_card(request, root, today: date) -> dict:
    """The card's context: this year's figures of `root` (five queries)."""
    start, end = _year(today)
    f = queries.figures(request.user, root, start, end)
    return {
        "figures": f,
        "links": queries.figure_links(root, start, end),
        "sentence": rules.summary_sentence(queries.scope_label(root), f),
        "report_url": reverse("liaison:report") + f"?org={root.pk}",
    }


def _lazy(root, today: date, order: int) -> Panel:
    # The card loads its figures by htmx from liaison:panel, so the organization page and the
    # command screen keep their own query budgets; the card's endpoint has a fixed count.
    return Panel(
        title=f"党代表联系群众（{today.year}年）",
        template="liaison/panel_lazy.html",
        context={
            "url": reverse("liaison:panel") + f"?org={root.pk}",
            "report_url": reverse("liaison:report") + f"?org={root.pk}",
        },
        order=order,
    )


def organization_panels(request, organization):
    if not is_staff(request.user):
        return []
    return [_lazy(organization, timezone.localdate(), 60)]


def command_panels(request, root, today):
    if not is_staff(request.user):
        return []
    return [_lazy(root, today, 60)]


def member_panels(request, member):
    """The member's own visits as a representative (shown to the member themself, and to
    staff for the visits within their scope)."""
    reps = list(member.representative_records.select_related("team"))
    if not reps:
        return []
    qs = Visit.objects.filter(representatives__in=reps).distinct()
    own = request.user.member_id == member.pk
    if not own:
        qs = visible(request.user, qs)
    visits = list(qs.select_related("organization").order_by("-date", "-pk")[:5])
    return [
        Panel(
            title="党代表走访",
            template="liaison/panel_member.html",
            context={
                "reps": reps,
                "count": qs.count(),
                "visits": visits,
                "links": not own or is_staff(request.user),
            },
            order=61,
        )
    ]
