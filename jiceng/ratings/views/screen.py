"""The command screen's ratings card (考核评价) and the lists its figures open: members by the
number of stars they ended a quarter with, branches by band of the fortress index (the fortress
page, ?band=), weak organizations closed out or with a task late (the weak list, ?state= / ?late=)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import pages, params, xlsx
from jiceng.core.dates import add_months
from jiceng.core.scoping import page_root, require_staff, visible

from .. import queries
from ..models import Accountability, RatingsSettings
from .points import STAFF_ONLY, crumbs

TREND_QUARTERS = 4


def _quarter_label(quarter) -> str:
    return f"{quarter.year}年第{(quarter.month - 1) // 3 + 1}季度"


def _star_members(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    quarter = queries.quarter_of(request.GET.get("quarter"), timezone.localdate())
    stars = params.int_or_none(request.GET.get("stars"))
    stars = stars if stars is not None and 0 <= stars <= 10 else 0
    return root, quarter, stars, queries.members_with_stars(request.user, root, quarter, stars)


@login_required
def star_members(request):
    root, quarter, stars, rows = _star_members(request)
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "quarter": quarter,
        "quarter_code": queries.quarter_code(quarter),
        "quarter_label": _quarter_label(quarter),
        "quarters": queries.quarters_offered(timezone.localdate()),
        "stars": stars,
        "star_range": range(len(queries.member_star_distribution(root, quarter))),
        "active_nav": "ratings-stars",
    }
    context.update(pages.paginate(request, rows))
    context["total_rows"] = context["page_obj"].paginator.count
    return render(request, "ratings/star_members.html", context)


@login_required
def star_members_export(request):
    root, quarter, stars, rows = _star_members(request)
    data = [[m.name, m.organization.name, stars] for m in rows[:50000]]
    notes = [
        f"{root.name} {_quarter_label(quarter)}评定后有 {stars} 颗星的党员",
        "以支部评定（及上级改变）的结果为准。",
    ]
    return xlsx.xlsx_response(
        f"评星-{queries.quarter_code(quarter)}-{stars}星",
        xlsx.build_workbook("党员", ["姓名", "所在党组织", "星数"], data, notes),
    )


@login_required
def overview_panel(request):
    """The ratings card of the command screen and the organization page (loaded by htmx): the
    last whole quarter's stars (members by number of stars, share with every star against the
    target), the year's fortress index (average, bands, the next level ranked), the year's weak
    organizations, and a trend of the last quarters."""
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    quarter = queries.quarter_of(None, today)
    distribution = queries.member_star_distribution(root, quarter)
    reviewed = sum(distribution)
    # The index and the designations of the year of the last whole quarter (in January, last year).
    year = quarter.year
    quarters = [add_months(quarter, -3 * k) for k in range(TREND_QUARTERS - 1, -1, -1)]
    org = f"?org={root.pk}"
    context = {
        "root": root,
        "quarter": quarter,
        "quarter_label": _quarter_label(quarter),
        "year": year,
        "stars": [
            (n, count, f"{reverse('ratings:star_members')}{org}&quarter={queries.quarter_code(quarter)}&stars={n}")
            for n, count in enumerate(distribution)
        ],
        "reviewed": reviewed,
        "full_share": round(100 * distribution[-1] / reviewed, 1) if reviewed else None,
        "target": RatingsSettings.current().top_share_target,
        "index": queries.index_summary(request.user, root, year),
        "bands": [(code, label) for code, _, label in queries.INDEX_BANDS],
        "fortress_url": f"{reverse('ratings:fortress')}{org}&year={year}",
        "weak": queries.weak_summary(root, year, today),
        "weak_url": f"{reverse('ratings:weak')}{org}&year={year}",
        "trend": [(_quarter_label(q), avg, share) for q, avg, share in queries.star_trend(root, quarters)],
        "stars_url": f"{reverse('ratings:stars')}{org}&quarter={queries.quarter_code(quarter)}",
        # Organization star ratings of the year (五星党组织) and open accountability records (问责).
        "org_stars": queries.star_distribution(queries.org_ratings(request.user, root, year, with_stars=False)),
        "org_ratings_url": f"{reverse('ratings:orgratings')}{org}&year={year}",
        "accountability_open": visible(
            request.user,
            Accountability.objects.filter(root.subtree_filter("organization__"), state=Accountability.State.OPEN),
        ).count(),
        "accountability_url": f"{reverse('ratings:accountability')}{org}&state=open",
    }
    return render(request, "ratings/overview_panel.html", context)
