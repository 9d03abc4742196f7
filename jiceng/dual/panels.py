"""Cards on the member page and the command screen (jiceng.core.panels)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiceng.core.panels import Panel
from jiceng.core.scoping import path_q
from jiceng.members.models import Member

from . import queries, rules
from .models import DualRegistrationRecord


def member_panels(request, member: Member) -> list[Panel]:
    """The member's registration and year, for the member's own organization (the community
    side has the dual-registration page)."""
    records = list(DualRegistrationRecord.objects.filter(member=member).select_related("community")[:20])
    if not (member.registered_community_id or records):
        return []
    today = timezone.localdate()
    # Party days and wishes from their records (jiceng.life, jiceng.wishes), service projects entered.
    done = queries.dual_progress([member.pk], today.year)[member.pk]
    return [
        Panel(
            "到社区报到（双报到）",
            "dual/panels/member_dual.html",
            {
                "member": member,
                "records": records,
                "year": today.year,
                "done": [(DualRegistrationRecord.Kind(k).label, done.get(k, 0)) for k in rules.DUAL_KINDS],
                "complete": rules.dual_complete(done),
            },
            order=32,
            width="col-md-3" if not records else "col-md-6",
        )
    ]


def command_panels(request, root, today: date) -> list[Panel]:
    """Loaded by htmx after the command screen (dual:panel_command): the year's party days of a
    city's registered members take about a second to read, and the landing page does not wait
    for them. Right after the member-care card (transfers, 31)."""
    url = reverse("dual:panel_command") + f"?org={root.pk}"
    return [
        Panel(
            "在职党员到社区报到",
            "dual/panels/command_lazy.html",
            {"url": url, "report_url": reverse("dual:list") + f"?year={today.year}&org={root.pk}"},
            order=32,
        )
    ]


def command_panel_context(root, today: date) -> dict:
    """The members registered in the subtree's communities and how many did all three items
    this year: a fixed number of queries whatever the size of the subtree (a count, and four
    for the year, queries.dual_progress)."""
    # Bounded by the communities' path range alone: an OR with the members' own organization
    # path (the care card's aggregate) made PostgreSQL read every member of the database (1.2 s
    # for a township of a province).
    registered = path_q("registered_community__path", root.path) & Q(status__in=Member.ACTIVE_STATUSES)
    progress = queries.dual_progress(
        Member.objects.filter(registered),
        today.year,
        DualRegistrationRecord.objects.filter(path_q("community__path", root.path)),
    )
    figures = {
        "registered": Member.objects.filter(registered).count(),
        "complete": sum(rules.dual_complete(p) for p in progress.values()),
    }
    return {"root": root, "today": today, "figures": figures}
