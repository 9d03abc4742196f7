"""The staff ledger (台账) with its filters and export, the report with its export, and the
figures card of the organization page and command screen. `filtered` is also the API's ledger."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from jiceng.core import params, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.periods import period_from, period_problem
from jiceng.core.scoping import get_visible_or_404, page_root, path_q, require_staff, scope_root, visible
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Wish
from ._common import WISHES_STAFF_ONLY

S = rules.State


_int = params.int_or_none


def _render(request, template: str, context: dict):
    """A page, with a message (and 400) when its ?start= / ?end= could not be used."""
    problem = period_problem(request)
    if problem:
        messages.error(request, problem)
    return render(request, template, context, status=400 if problem else 200)


def filtered(request):
    user, g = request.user, request.GET
    qs = visible(user, Wish.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        lo, hi = queries.period_bounds(start, end)
        qs = qs.filter(posted_at__gte=lo, posted_at__lt=hi)
    if g.get("state") in S.values:
        qs = qs.filter(state=g["state"])
    if g.get("project") in rules.Project.values:
        qs = qs.filter(project=g["project"])
    if g.get("category") in rules.Category.values:
        qs = qs.filter(category=g["category"])
    if g.get("claimant_type") in rules.ClaimantType.values:
        qs = qs.filter(claimant_type=g["claimant_type"])
    if g.get("figure") in queries.FIGURE_LABELS:
        qs = qs.filter(queries.figure_q(g["figure"], timezone.now()))
    text = (g.get("q") or "").strip()
    if params.has_control_chars(text):  # no record holds one; PostgreSQL cannot compare NUL
        qs = qs.none()
    elif text:
        match = Q(ticket=rules.normalize_ticket(text)) | Q(description__contains=text) | Q(requester_name=text)
        if len(text) >= 4 and text.isascii() and text.isdigit():
            match |= Q(phone__endswith=text)
        qs = qs.filter(match)
    return qs.select_related(
        "organization", "organization__parent", "claimed_member", "claimed_org", "claimed_enterprise"
    )


@login_required
def wish_list(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    qs = filtered(request).order_by("-posted_at", "-pk")
    context = {
        "states": S.choices,
        "projects": rules.Project.choices,
        "categories": rules.Category.choices,
        "claimant_types": rules.ClaimantType.choices,
        "figure_label": queries.FIGURE_LABELS.get(request.GET.get("figure", "")),
        "now": timezone.now(),
        "can_manage": is_manager(request.user),
        "active_nav": "wishes",
    }
    context.update(paginate(request, qs))
    return _render(request, "wishes/list.html", context)


@login_required
def wish_export(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    qs = filtered(request).order_by("-posted_at", "-pk")
    headers = [
        "心愿编号",
        "提交时间",
        "村（社区）",
        "所属乡镇（街道）",
        "群众",
        "联系电话",
        "类别",
        "心愿内容",
        "状态",
        "项目类别",
        "认领方类型",
        "认领方",
        "认领时间",
        "实现时间",
        "确认时间",
        "群众评价",
    ]
    rows = (
        (
            w.ticket,
            w.posted_at,
            w.organization.name,
            w.organization.parent.name if w.organization.parent_id else "",
            w.masked_name,
            w.masked_phone,
            w.get_category_display(),
            w.description,
            w.get_state_display(),
            w.get_project_display(),
            w.get_claimant_type_display(),
            w.claimant_label,
            w.claimed_at,
            w.fulfilled_at,
            w.confirmed_at,
            w.get_rating_display(),
        )
        for w in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "微心愿台账", xlsx.build_workbook("微心愿台账", headers, rows, notes=["群众姓名和联系电话已脱敏。"])
    )


@login_required
def report(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    data = queries.report(request.user, root, start, end)
    return _render(
        request,
        "wishes/report.html",
        {
            **data,
            "root": root,
            "start": start,
            "end": end,
            "form": form,
            "parent": root.parent if root.parent_id and root != scope_root(request.user) else None,
            "active_nav": "wishes",
        },
    )


@login_required
def report_export(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    start, end, _ = period_from(request)
    data = queries.report(request.user, root, start, end)
    keys = queries.Figures.keys()
    notes = [
        f"{root.name} {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 微心愿情况（按群众提交心愿的日期统计）",
        data["sentence"],
        "收集心愿：期间提交的心愿（含未采纳、已撤回）。待审核、心愿池待认领：这些心愿目前的状态。",
        "已认领：目前已认领、已实现或已确认的；放弃认领后回到心愿池的不计。已实现含群众已确认。",
        "党员、党组织、社会组织认领：已认领心愿按认领方类型分列。超期：目前超过审核时限或完成时限的。",
    ]
    return xlsx.xlsx_response("微心愿报表", xlsx.figures_workbook(data, keys, queries.FIGURE_LABELS, root, notes))


@login_required
def panel(request):
    """The figures card of the organization page and the command screen (loaded by htmx)."""
    from ..panels import figures_card

    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    return render(
        request,
        "wishes/panel_figures.html",
        {"panel": figures_card(request, root, today), "title": f"微心愿（{today.year}年）"},
    )
