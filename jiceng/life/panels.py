"""Cards of organizational life on the member page, the organization page and the command screen."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jiceng.core.panels import Panel
from jiceng.core.scoping import is_member_role

from . import queries, rules
from .models import Appraisal, Attendance, Record


def member_panels(request, member):
    """This year's attendance and the appraisal grades of the member (two queries)."""
    today = timezone.localdate()
    year = rules.year_of(today)
    rows = list(
        Attendance.objects.filter(
            member=member, record__state__in=Record.HELD_STATES, record__held_on__range=(year.start, year.end)
        ).values_list("status", flat=True)
    )
    grades = list(Appraisal.objects.filter(member=member).order_by("-year")[:5])
    present = sum(1 for s in rows if s == Attendance.Status.PRESENT)
    context = {
        "expected": len(rows),
        "present": present,
        "leave": sum(1 for s in rows if s == Attendance.Status.LEAVE),
        "absent": sum(1 for s in rows if s == Attendance.Status.ABSENT),
        "rate": rules.rate(present, len(rows)),
        "year": today.year,
        "grades": grades,
    }
    return [Panel("组织生活", "life/panel_member.html", context, order=40)]


def organization_panels(request, organization):
    """Loaded by htmx from life:panel_org, so the organization page pays no queries for it."""
    if is_member_role(request.user):
        return []
    url = reverse("life:panel_org", args=[organization.pk])
    return [Panel("组织生活落实情况", "life/panel_lazy.html", {"url": url}, order=40)]


def command_panels(request, root, today):
    """Last quarter's compliance of the level below, loaded by htmx from life:panel_command
    (a fixed number of queries there, none on the command screen itself)."""
    url = reverse("life:panel_command") + f"?org={root.pk}"
    return [Panel("组织生活落实情况（上季度）", "life/panel_lazy.html", {"url": url}, order=40)]


def org_panel_context(organization, today) -> dict:
    window = rules.previous_window("quarter", today)
    data = queries.compliance(organization.path, window, today)
    results = list(data.results.values())
    return {
        "org": organization,
        "window": window,
        "single": organization.type in queries.EVALUATED_TYPES,
        "score": rules.score(r for res in results for r in res.types.values()),
        "missing": sum(r.missing for r in results),
        "evaluated": len(results),
        "orgs_missing": sum(1 for r in results if r.missing),
    }


def command_panel_context(root, today) -> dict:
    window = rules.previous_window("quarter", today)
    rows, data = queries.compliance_table(root, window, today)
    rows = [r for r in rows if r.orgs_evaluated]
    ranked = sorted(rows, key=lambda r: (r.rank or 10**6, r.org.path))
    results = list(data.results.values())
    return {
        "root": root,
        "window": window,
        "rows": ranked[:10],
        "more": max(0, len(ranked) - 10),
        "evaluated": len(results),
        "orgs_missing": sum(1 for r in results if r.missing),
        "score": rules.score(r for res in results for r in res.types.values()),
    }
