"""The vanguard index page (先锋指数): the members of a subtree ranked by their stored index of a
year (filter by township or branch with ?org=, search by name, Excel export), each member's
components with their figures and the link to the records behind each; a manager's recompute of
their subtree; the county admin's weights."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports, pages, params, xlsx
from jiceng.core.indices import VANGUARD, registered
from jiceng.core.scoping import can_manage, has_full_scope, page_root, require_county_admin, require_staff

from .. import queries, services
from .points import STAFF_ONLY, children, crumbs, year_of, years_offered


def _rows(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    qs, ranks, computed = queries.vanguard(request.user, root, year)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(member__name__icontains=q)
    return root, year, q, qs, ranks, computed


def _prepare(rows, ranks):
    for row in rows:
        row.rank = ranks.of(row.value)
        row.components = queries.stored_parts(row)
    return rows


@login_required
def vanguard(request):
    root, year, q, qs, ranks, computed = _rows(request)
    weights = queries.weights(VANGUARD)
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "children": children(request.user, root),
        "year": year,
        "years": years_offered(),
        "q": q,
        "computed": computed,
        "ranked": ranks.ranked,
        "can_compute": can_manage(request.user, root),
        "is_county_admin": has_full_scope(request.user) or getattr(request.user, "is_county_admin", False),
        "weights": [(c, weights[code]) for code, c in registered(VANGUARD).items()],
        "active_nav": "ratings-vanguard",
    }
    context.update(pages.paginate(request, qs, count=None if q else ranks.rows))
    _prepare(context["rows"], ranks)
    return render(request, "ratings/vanguard.html", context)


@login_required
@exports.deferrable
def vanguard_export(request):
    root, year, _q, qs, ranks, _computed = _rows(request)
    names = [c.name for c in registered(VANGUARD).values()]
    headers = (
        ["名次", "姓名", "所在党组织", "先锋指数"] + [f"{n}（分）" for n in names] + [f"{n}（依据）" for n in names]
    )

    def data():
        # Plain columns, not model instances: a city's export is 349,000 rows.
        columns = qs.values_list("value", "member__name", "organization__name", "parts")
        for value, member, organization, parts in columns.iterator(chunk_size=5000):
            by_name = {p.component.name: p for p in queries.stored_parts_of(parts)}
            yield (
                [ranks.of(value), member, organization, value]
                + [by_name[n].score if n in by_name else None for n in names]
                + [by_name[n].figure.text if n in by_name and by_name[n].figure else "" for n in names]
            )

    # A whole city is 342,615 rows (35 s): above the threshold it is written in the background.
    return exports.ExportFile(
        f"先锋指数-{year}",
        rows=qs,
        build=lambda: xlsx.build_workbook(
            "先锋指数", headers, data(), [f"{root.name} {year}年党员先锋指数（最近一次计算）"]
        ),
    )


@login_required
@require_POST
def vanguard_compute(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request, posted=True)
    year = params.int_or_none(request.POST.get("year")) or timezone.localdate().year
    here = f"{reverse('ratings:vanguard')}?org={root.pk}&year={year}"
    return pages.button_action(
        request,
        lambda: services.compute_vanguard(year, root, actor=request.user),
        success=lambda n: f"已按最新记录计算 {n} 名党员的先锋指数",
        to=here,
    )


@login_required
@require_POST
def vanguard_weights(request):
    require_county_admin(request.user)
    values = {}
    for code in registered(VANGUARD):
        value = params.int_or_none(request.POST.get(f"w-{code}"))
        if value is not None:
            values[code] = value
    return pages.button_action(
        request,
        lambda: services.set_weights(request.user, VANGUARD, values),
        success="权重已保存，下次计算（今晚或立即重新计算）起生效",
        to=reverse("ratings:vanguard"),
    )
