"""Cards on the member page, the organization page and the command screen."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel
from jiceng.core.scoping import require_manager
from jiceng.members import rules as member_rules
from jiceng.members.models import Member

from . import queries
from .models import Transfer


def _manages(user, organization) -> bool:
    try:
        require_manager(user, organization)
    except PermissionDenied:
        return False
    return user.role != "member" or user.is_superuser


def member_panels(request, member: Member) -> list[Panel]:
    today = timezone.localdate()
    user = request.user
    transfers = list(
        queries.visible_transfers(
            user, Transfer.objects.filter(member=member).select_related("from_org", "to_org")
        ).order_by("-issued_on", "-id")[:10]
    )
    panels = [
        Panel(
            "组织关系转接",
            "transfers/panels/member_transfers.html",
            {
                "member": member,
                "transfers": transfers,
                "today": today,
                "can_issue": member.status in Member.ACTIVE_STATUSES and _manages(user, member.organization),
            },
            order=30,
        )
    ]
    if member.join_date and member.status in Member.ACTIVE_STATUSES:
        year = today.year
        day = member_rules.political_birthday(member.join_date, year)
        if day is None or day < today:
            day = member_rules.political_birthday(member.join_date, year + 1)
        panels.append(
            Panel(
                "政治生日",
                "transfers/panels/member_birthday.html",
                {
                    "next_day": day,
                    "years": day.year - member.join_date.year,
                    "is_today": day == today,
                    "party_age": member_rules.party_age(member.full_date, today),
                },
                order=31,
                width="col-md-3",
            )
        )
    return panels


def organization_panels(request, organization) -> list[Panel]:
    """Loaded by the page after it is shown (htmx), so the organization page itself keeps its
    query budget; the panel's own view (transfers:org_panel) makes two queries."""
    if not is_staff(request.user):
        return []
    # width "d-none": the placeholder takes no room wherever the page puts panels.
    return [Panel("组织关系转接", "transfers/panels/org_lazy.html", {"org": organization}, order=30, width="d-none")]


def command_panels(request, root, today: date) -> list[Panel]:
    """Two panels, a fixed number of queries whatever the size of the subtree: one aggregate
    over the subtree's members (counted, in transit, this month's political birthdays) and one
    over transfers. (The dual-registration figures are jiceng.dual's panel.)"""
    care = queries.care_figures(root.path, today)
    figures = queries.TransitFigures(
        counted=care["counted"],
        in_transit=care["in_transit"],
        **queries.transfer_counts(root.path, today, request.user),
    )
    return [
        Panel("组织关系转接", "transfers/panels/transit.html", {"figures": figures, "root": root}, order=30),
        Panel("党员关怀", "transfers/panels/care.html", {"root": root, "today": today, "care": care}, order=31),
    ]
