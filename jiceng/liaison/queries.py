"""Reads shared by the pages, exports, API, panels and the command screen (ADR 0014).

The report figures of a subtree and period come from five grouped queries (representatives,
visits with households, participants, listed households, problems), whatever the size of the
subtree; the same functions feed the report page, its Excel export, the API and the panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse

from jiceng.core.scoping import path_q, visible
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import scope_label

from . import rules
from .models import Problem, Representative, Visit, VisitHousehold

# A passed-on problem "reached a county department" when its request is held by a department
# now (whistled, transferred or routed there) or was resolved at department level.
TO_DEPARTMENT_Q = Q(request__holder_department__isnull=False) | Q(request__resolved_level="department")


def problem_aggregates(prefix: str = "") -> dict:
    return {
        "problems": Count("pk"),
        "solved": Count("pk", filter=Q(outcome=rules.SOLVED)),
        "passed": Count("pk", filter=Q(outcome=rules.PASSED)),
        "pending": Count("pk", filter=Q(outcome=rules.PENDING)),
        "to_department": Count("pk", filter=Q(outcome=rules.PASSED) & TO_DEPARTMENT_Q),
    }


# ---- querysets -------------------------------------------------------------------------------------


def visits_in(user, root: Organization, start: date | None, end: date | None) -> QuerySet:
    qs = visible(user, Visit.objects.all()).filter(path_q("organization__path", root.path))
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs


def problems_in(user, root: Organization, start: date | None, end: date | None) -> QuerySet:
    qs = visible(user, Problem.objects.all()).filter(path_q("visit__organization__path", root.path))
    if start:
        qs = qs.filter(visit__date__gte=start)
    if end:
        qs = qs.filter(visit__date__lte=end)
    return qs


def representatives_in(user, root: Organization) -> QuerySet:
    return visible(user, Representative.objects.all()).filter(path_q("organization__path", root.path))


def participants_in(user, root: Organization, start: date | None, end: date | None) -> QuerySet:
    """Representatives who took part in the visits of `root`'s subtree in the period. They are
    part of those visit records, so they are listed even when their own register is elsewhere
    (a county representative visiting another township)."""
    visits = visits_in(user, root, start, end)
    return Representative.objects.filter(visits__in=visits).distinct()


def households_in(user, root: Organization, start: date | None, end: date | None) -> QuerySet:
    """Distinct listed households (by village and key) with how many visits reached each."""
    qs = visible(user, VisitHousehold.objects.all()).filter(path_q("visit__organization__path", root.path))
    if start:
        qs = qs.filter(visit__date__gte=start)
    if end:
        qs = qs.filter(visit__date__lte=end)
    return qs


# ---- figures ---------------------------------------------------------------------------------------


def figures(user, root: Organization, start: date | None, end: date | None) -> rules.Figures:
    """The report figures for `root`'s subtree and the period (five queries)."""
    f = rules.Figures()
    f.representatives = representatives_in(user, root).filter(is_active=True).count()
    row = visits_in(user, root, start, end).aggregate(visits=Count("pk"), households=Sum("households_reached"))
    f.visits, f.households = row["visits"], row["households"] or 0
    f.participants = Visit.representatives.through.objects.filter(
        visit__in=visits_in(user, root, start, end)
    ).aggregate(n=Count("representative_id", distinct=True))["n"]
    f.listed_households = households_in(user, root, start, end).aggregate(n=Count("key", distinct=True))["n"]
    row = problems_in(user, root, start, end).aggregate(**problem_aggregates())
    for key, value in row.items():
        setattr(f, key, value or 0)
    return f


def _unit(field: str, root: Organization):
    return Substr(F(field), 1, len(root.path) + 4)


def figures_by_child(user, root: Organization, start: date | None, end: date | None) -> dict[str, rules.Figures]:
    """{child path (or the root's own path for records at the root itself): Figures}, in five
    grouped queries."""
    out: dict[str, rules.Figures] = {}

    def get(unit: str) -> rules.Figures:
        return out.setdefault(unit, rules.Figures())

    reps = (
        representatives_in(user, root)
        .filter(is_active=True)
        .annotate(unit=_unit("organization__path", root))
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in reps:
        get(row["unit"]).representatives = row["n"]
    visits = (
        visits_in(user, root, start, end)
        .annotate(unit=_unit("organization__path", root))
        .values("unit")
        .annotate(visits=Count("pk"), households=Sum("households_reached"))
        .order_by()
    )
    for row in visits:
        f = get(row["unit"])
        f.visits, f.households = row["visits"], row["households"] or 0
    participants = (
        Visit.representatives.through.objects.filter(visit__in=visits_in(user, root, start, end))
        .annotate(unit=_unit("visit__organization__path", root))
        .values("unit")
        .annotate(n=Count("representative_id", distinct=True))
        .order_by()
    )
    for row in participants:
        get(row["unit"]).participants = row["n"]
    listed = (
        households_in(user, root, start, end)
        .annotate(unit=_unit("visit__organization__path", root))
        .values("unit")
        .annotate(n=Count("key", distinct=True))
        .order_by()
    )
    for row in listed:
        get(row["unit"]).listed_households = row["n"]
    problems = (
        problems_in(user, root, start, end)
        .annotate(unit=_unit("visit__organization__path", root))
        .values("unit")
        .annotate(**problem_aggregates())
        .order_by()
    )
    for row in problems:
        f = get(row.pop("unit"))
        for key, value in row.items():
            setattr(f, key, value or 0)
    return out


# ---- links to the records behind each figure ------------------------------------------------------


def figure_links(root: Organization, start: date | None, end: date | None) -> dict[str, str]:
    """URL of the records behind each figure of `root`'s subtree and period."""
    period = {"start": start.isoformat() if start else "", "end": end.isoformat() if end else ""}

    def url(name: str, **params) -> str:
        return reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

    visits = url("liaison:visits", org=root.pk, **period)
    problems = {"org": root.pk, **period}
    return {
        "representatives": url("liaison:representatives", org=root.pk, active="1"),
        "participants": url("liaison:representatives", visited_in=root.pk, **period),
        "visits": visits,
        "households": visits,
        "listed_households": url("liaison:households", org=root.pk, **period),
        "problems": url("liaison:problems", **problems),
        "solved": url("liaison:problems", outcome=rules.SOLVED, **problems),
        "passed": url("liaison:problems", outcome=rules.PASSED, **problems),
        "to_department": url("liaison:problems", outcome=rules.PASSED, to_department="1", **problems),
        "pending": url("liaison:problems", outcome=rules.PENDING, **problems),
    }


@dataclass
class ReportRow:
    organization: Organization | None  # None: records at the root organization itself
    label: str
    figures: rules.Figures
    links: dict[str, str]


def report(user, root: Organization, start: date | None, end: date | None) -> dict:
    """The report of `root` and the period: total, one row per child with records (and every
    township-like child even when empty), and the county's sentence."""
    total = figures(user, root, start, end)
    by_child = figures_by_child(user, root, start, end)
    children = list(Organization.objects.filter(parent=root).order_by("path"))
    rows = []
    for child in children:
        f = by_child.get(child.path)
        if f is None and child.domain not in (Organization.Domain.RURAL, Organization.Domain.COMMUNITY):
            continue
        rows.append(
            ReportRow(child, child.short_name or child.name, f or rules.Figures(), figure_links(child, start, end))
        )
    own = by_child.get(root.path)
    if own is not None:
        rows.append(ReportRow(None, f"{root.short_name or root.name}（本级）", own, {}))
    return {
        "total": total,
        "links": figure_links(root, start, end),
        "rows": rows,
        "sentence": rules.summary_sentence(scope_label(root), total),
        "label": scope_label(root),
    }


def visits_of_member(member, limit: int = 5) -> tuple[int, list[Visit]]:
    """Visits in which the member took part as a representative (member page)."""
    qs = Visit.objects.filter(representatives__member=member).distinct()
    return qs.count(), list(qs.select_related("organization").order_by("-date", "-pk")[:limit])
