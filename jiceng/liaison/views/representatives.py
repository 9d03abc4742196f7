"""The register of representatives (党代表名册): the list and its export, one representative's
page, new and edit. `listed()` is also the API's list of representatives."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import params, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.periods import period_from
from jiceng.core.scoping import get_visible_or_404, path_q, require_staff, visible
from jiceng.orgs.models import Organization

from .. import queries, services
from ..forms import RepresentativeForm
from ..models import Representative, ServiceTeam
from ._common import LIAISON_STAFF_ONLY, period_page, register_form, search_term

_int = params.int_or_none


def listed(request):
    user = request.user
    g = request.GET
    visited_in = _int(g.get("visited_in"))
    if visited_in:
        root = get_visible_or_404(user, Organization.objects.all(), pk=visited_in)
        start, end, _ = period_from(request)
        qs = queries.participants_in(user, root, start, end)
    else:
        qs = visible(user, Representative.objects.all())
        if _int(g.get("org")):
            root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
            qs = qs.filter(path_q("organization__path", root.path))
    if g.get("active") == "1":
        qs = qs.filter(is_active=True)
    elif g.get("active") == "0":
        qs = qs.filter(is_active=False)
    if g.get("level") in Representative.Level.values:
        qs = qs.filter(level=g["level"])
    if _int(g.get("team")):
        qs = qs.filter(team_id=_int(g["team"]))
    text = search_term(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(Q(name__contains=text) | Q(unit_post__contains=text))
    return qs.select_related("organization", "team", "station").annotate(visit_count=Count("visits", distinct=True))


@login_required
def representative_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = listed(request).order_by("organization__path", "team__name", "name", "pk")
    context = {
        "teams": visible(request.user, ServiceTeam.objects.all()),
        "levels": Representative.Level.choices,
        "active_nav": "liaison",
        "can_manage": is_manager(request.user),
        "visible_ids": None,
    }
    context.update(paginate(request, qs))
    if request.GET.get("visited_in"):
        page_ids = [r.pk for r in context["rows"]]
        context["visible_ids"] = set(
            visible(request.user, Representative.objects.filter(pk__in=page_ids)).values_list("pk", flat=True)
        )
    return period_page(request, "liaison/representatives.html", context)


@login_required
def representative_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = listed(request).order_by("organization__path", "team__name", "name", "pk")
    headers = [
        "姓名",
        "代表层级",
        "届次",
        "工作单位及职务",
        "联系电话",
        "所属乡镇（单位）",
        "服务队",
        "工作室（联络站）",
        "在册",
        "走访次数",
    ]
    rows = (
        (
            r.name,
            r.get_level_display(),
            r.congress,
            r.unit_post,
            r.masked_phone,
            r.organization.name,
            r.team.name if r.team_id else "",
            r.station.name if r.station_id else "",
            "是" if r.is_active else "否",
            r.visit_count,
        )
        for r in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "党代表名册", xlsx.build_workbook("党代表名册", headers, rows, notes=["联系电话已脱敏。"])
    )


@login_required
def representative_detail(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    rep = get_visible_or_404(
        request.user, Representative.objects.select_related("organization", "team", "station", "member"), pk=pk
    )
    visits = (
        visible(request.user, rep.visits.all())
        .select_related("organization")
        .annotate(problem_count=Count("problems"))
        .order_by("-date", "-pk")[:50]
    )
    return render(
        request,
        "liaison/representative_detail.html",
        {
            "rep": rep,
            "visits": visits,
            "visit_total": rep.visits.count(),
            "can_manage": is_manager(request.user),
            "active_nav": "liaison",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative_create(request):
    return register_form(
        request,
        RepresentativeForm,
        Representative(),
        services.save_representative,
        lambda r: reverse("liaison:representative", args=[r.pk]),
        "登记党代表",
    )


@login_required
@require_http_methods(["GET", "POST"])
def representative_edit(request, pk):
    rep = get_visible_or_404(request.user, Representative.objects.all(), pk=pk)
    return register_form(
        request,
        RepresentativeForm,
        rep,
        services.save_representative,
        lambda r: reverse("liaison:representative", args=[r.pk]),
        f"修改党代表：{rep.name}",
    )
