"""Request cards on the command screen and on a village's or township's page.

The command-screen card costs the command screen no query: it is a placeholder that htmx fills
from ``requests:panel`` once the page is shown. That view (`command_card`) uses a fixed number
of queries whatever the size of the subtree: one grouped query for the last twelve months
(the year's figures are summed from it), the settings, the organizations below and one grouped
query for their ranking.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from jiceng.core.panels import Panel
from jiceng.core.scoping import path_q
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .models import Request, RequestSettings


def _months_back(today: date, n: int) -> list[date]:
    out, m = [], today.replace(day=1)
    for _ in range(n):
        out.append(m)
        m = date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
    return list(reversed(out))


def _shows_card(user) -> bool:
    return queries.is_request_staff(user) and (user.is_superuser or user.can_manage)


def command_panels(request, root, today):
    if not _shows_card(request.user):
        return []
    context = {"root": root, "url": reverse("requests:panel", args=[root.pk]), "dom_id": f"requests-panel-{root.pk}"}
    return [Panel(f"群众诉求 · {today.year}年", "requests/panel_command.html", context, order=40, width="col-12")]


def command_card(root, today: date) -> dict:
    """Everything the command-screen card shows for `root`'s territory."""
    now = timezone.now()
    territory = Request.objects.filter(path_q("organization__path", root.path))
    inbox = reverse("requests:inbox")

    months = _months_back(today, 12)
    first, _ = queries.month_bounds(months[0])
    rows = (
        queries.metric_base(territory, first, now)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(**queries.figure_aggregates(now), late=Count("pk", filter=queries.figure_q("late", now)))
        .order_by()
    )
    by_month = {}
    for row in rows:
        month = row.pop("month")
        by_month[timezone.localtime(month).date() if hasattr(month, "hour") else month] = row
    year = rules.Figures()
    for month, row in by_month.items():
        if month.year == today.year:
            for name in queries.FIGURE_COUNTS:
                setattr(year, name, getattr(year, name) + row[name])
    year_rates = rules.rates(year)
    base = f"{inbox}?organization={root.pk}&received_from={today.year}-01-01&received_to={today.year}-12-31"

    trend = {"months": [], "received": [], "resolved": [], "late": [], "urls": []}
    for m in months:
        row = by_month.get(m, {})
        trend["months"].append(f"{m:%y.%m}")
        trend["received"].append(row.get("received", 0))
        trend["resolved"].append(row.get("resolved", 0))
        trend["late"].append(row.get("late", 0))
        trend["urls"].append(f"{inbox}?organization={root.pk}&month={m:%Y-%m}&figure=received")

    last = months[-2]
    start, end = queries.month_bounds(last)
    ranking_url = f"{reverse('requests:ranking')}?org={root.pk}&month={last:%Y-%m}"
    ranked = queries.ranking_children(root, start, end, now, RequestSettings.current().weights, durations=False)
    ranking = [
        {"name": row["label"], "value": float(row["score"]), "url": ranking_url}
        for row in ranked
        if row["score"] is not None
    ]
    figures = [
        ("受理", year.received, f"{base}&figure=received"),
        ("当前超期", year.overdue_open, f"{base}&figure=overdue_open"),
        ("响应率", year_rates["response"], f"{base}&figure=response_missed"),
        ("解决率", year_rates["resolution"], f"{base}&figure=unsolved"),
        ("满意率", year_rates["satisfaction"], f"{base}&figure=unsatisfied"),
        ("按时办结率", year_rates["ontime"], f"{base}&figure=late"),
        ("村级化解率", year_rates["village"], f"{base}&figure=village_resolved"),
    ]
    return {
        "root": root,
        "year": today.year,
        "figures": figures,
        "village_below_target": year_rates["village"] is not None and year_rates["village"] < rules.VILLAGE_TARGET,
        "data": {"trend": trend, "ranking": ranking},
        "last_month": last,
        "ranking_url": ranking_url,
        "dom_id": f"requests-card-{root.pk}",
    }


def organization_panels(request, organization):
    """A card on village, community and township pages; filled by htmx (`org_card`), so the
    organization page spends no query on it."""
    if not queries.is_request_staff(request.user):
        return []
    if organization.domain not in (Organization.Domain.RURAL, Organization.Domain.COMMUNITY):
        return []
    context = {
        "url": reverse("requests:org_panel", args=[organization.pk]),
        "dom_id": f"requests-org-{organization.pk}",
    }
    return [Panel("群众诉求", "requests/panel_org.html", context, order=40)]


def org_card(organization) -> dict:
    now = timezone.now()
    territory = Request.objects.filter(path_q("organization__path", organization.path))
    counts = territory.aggregate(
        open=Count("pk", filter=Q(state__in=list(rules.OPEN_STATES))),
        overdue=Count("pk", filter=queries.figure_q("overdue_open", now)),
        total=Count("pk"),
    )
    inbox = reverse("requests:inbox")
    depth = queries.township_depth()
    takes_requests = services.intake_organization_error(organization, depth) is None
    return {
        "org": organization,
        "counts": counts,
        "open_url": f"{inbox}?organization={organization.pk}&stage=open",
        "overdue_url": f"{inbox}?organization={organization.pk}&box=overdue",
        "all_url": f"{inbox}?organization={organization.pk}",
        "intake_url": reverse("resident:intake", args=[organization.code]) if takes_requests else "",
        "qr_url": reverse("requests:qr_poster", args=[organization.pk]) if takes_requests else "",
        "is_village": organization.depth > depth,
    }
