"""Dues cards on the member page, the organization page and the command screen.

The organization and command-screen cards load their figures with htmx from `dues:panel`
after the page is shown: the page itself makes no dues query at all (so the host pages keep
their query budgets whatever apps add cards), and the figures, which aggregate the whole
subtree, come from one view with a fixed number of queries (tests assert it).
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from jiceng.core.navigation import is_staff
from jiceng.core.panels import Panel
from jiceng.core.scoping import path_q, visible
from jiceng.members.models import Member

from . import queries, rules


def member_panels(request, member) -> list[Panel]:
    dues = queries.member_dues(member, timezone.localdate())
    return [Panel("党费", "dues/panels/member.html", {"member": member, "dues": dues}, order=30, width="col-12")]


def completion_figures(user, root, today: date) -> dict:
    """This month's and this year's completion for `root`'s subtree (four or five queries)."""
    members = visible(user, Member.objects.filter(path_q("organization__path", root.path)))
    start = queries.ledger_start()
    month = rules.month_start(today)
    this_month = queries.month_completion(members, month, start).get("", queries.Completion())
    this_year = queries.year_completion(members, today.year, month, start).get("", queries.Completion())
    return {"root": root, "month": month, "month_completion": this_month, "year_completion": this_year}


def _lazy(title: str, root, where: str) -> Panel:
    url = f"{reverse('dues:panel')}?org={root.pk}&where={where}"
    return Panel(title, "dues/panels/lazy.html", {"url": url, "root": root}, order=30)


def organization_panels(request, organization) -> list[Panel]:
    if not is_staff(request.user):
        return []
    return [_lazy("党费", organization, "org")]


def command_panels(request, root, today) -> list[Panel]:
    return [_lazy("党费收缴", root, "command")]
