"""Dues cards on the member page, the organization page and the command screen."""

from __future__ import annotations

from datetime import date

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel
from jiceng.core.scoping import path_q, visible
from jiceng.members.models import Member

from . import queries, rules


def member_panels(request, member) -> list[Panel]:
    from django.utils import timezone

    dues = queries.member_dues(member, timezone.localdate())
    return [Panel("党费", "dues/panels/member.html", {"m": member, "dues": dues}, order=30, width="col-12")]


def _figures(request, root, today: date) -> dict:
    members = visible(request.user, Member.objects.filter(path_q("organization__path", root.path)))
    start = queries.ledger_start()
    month = rules.month_start(today)
    this_month = queries.month_completion(members, month, start).get("", queries.Completion())
    this_year = queries.year_completion(members, today.year, month, start).get("", queries.Completion())
    return {"root": root, "month": month, "m": this_month, "y": this_year}


def organization_panels(request, organization) -> list[Panel]:
    if not is_staff(request.user):
        return []
    from django.utils import timezone

    context = _figures(request, organization, timezone.localdate())
    return [Panel("党费", "dues/panels/completion.html", context, order=30)]


def command_panels(request, root, today) -> list[Panel]:
    """A fixed number of queries whatever the size of the subtree (settings, ledger start,
    one for the month, two for the year)."""
    return [Panel("党费收缴", "dues/panels/completion.html", _figures(request, root, today), order=30)]
