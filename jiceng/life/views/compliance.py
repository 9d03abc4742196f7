"""Compliance (落实情况): the table of the level below and its export, the organizations with a
missing item, one organization's items by type and period, the branch's "to do this month", and the
cards of the organization page and the command screen (loaded by htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import todo as todo_list
from jiceng.core import xlsx
from jiceng.core.pages import paginate
from jiceng.core.scoping import get_visible_or_404, is_member_role, page_root
from jiceng.orgs.models import Organization

from .. import queries, rules
from ._common import manageable_orgs, period_choices, refused, window_asked


def _type_columns(data, rows):
    used = {tid for r in rows for tid in r.types}
    return [t for t in data.types if t.id in used]


@login_required
def compliance(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    window = window_asked(request)
    today = timezone.localdate()
    rows, data = queries.compliance_table(root, window, today)
    if request.GET.get("missing") == "1":
        return _compliance_missing(request, root, window, data)
    rows = [r for r in rows if r.orgs_evaluated]
    own = data.results.get(root.pk)
    if not rows and root.type in queries.EVALUATED_TYPES:
        return redirect(reverse("life:compliance_org", args=[root.pk]) + f"?period={window.code}")
    return render(
        request,
        "life/compliance.html",
        {
            "root": root,
            "window": window,
            "rows": sorted(rows, key=lambda r: (r.rank or 10**6, r.org.path)),
            "columns": _type_columns(data, rows),
            "own": own,
            "periods": period_choices(today),
            "active_nav": "life_compliance",
        },
    )


def _compliance_missing(request, root, window, data):
    """?missing=1: the organizations of the subtree (the root's own record included) with a
    missing period in the window — the command screen's 「N 个有缺失」 opens this list."""
    missing = sorted((r for r in data.results.values() if r.missing), key=lambda r: r.org.path)
    context = {"root": root, "window": window, "periods": period_choices(timezone.localdate())}
    context.update(paginate(request, missing))
    context["active_nav"] = "life_compliance"
    return render(request, "life/compliance_missing.html", context)


@login_required
def compliance_export(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    try:
        window = window_asked(request, strict=True)
    except ValueError as exc:
        return refused(exc)
    rows, data = queries.compliance_table(root, window, timezone.localdate())
    rows = [r for r in rows if r.orgs_evaluated]
    columns = _type_columns(data, rows)
    headers = ["排名", "组织", "应开展组织数", "存在缺失的组织数", "得分"]
    for t in columns:
        headers += [f"{t.name}应开展", f"{t.name}已开展", f"{t.name}逾期纪实", f"{t.name}缺失"]

    def cells(r):
        out = [r.rank, r.org.name, r.orgs_evaluated, r.orgs_missing, r.score]
        for t in columns:
            tt = r.types.get(t.id) or queries.TypeTotals()
            out += [tt.required, tt.held, tt.late, tt.missing]
        return out

    wb = xlsx.build_workbook(
        f"组织生活落实情况{window.code}",
        headers,
        (cells(r) for r in sorted(rows, key=lambda r: (r.rank or 10**6, r.org.path))),
        notes=[f"{root.name} · {window.label}；得分=按时完成的周期×1+逾期纪实的周期×0.5，除以应开展的已结束周期数。"],
    )
    return xlsx.xlsx_response(f"组织生活落实情况{window.code}", wb)


@login_required
def compliance_org(request, pk):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    org = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    window = window_asked(request)
    today = timezone.localdate()
    result, by_type = queries.org_compliance(org, window, today)
    types = {t.id: t for t in queries.active_types()}
    items = []
    if result is not None:
        for type_id, r in result.types.items():
            recs = by_type.get(type_id, [])
            periods = [(p, [x for x in recs if x.held_on and x.held_on in p.period]) for p in r.periods]
            items.append((types[type_id], r, periods))
    return render(
        request,
        "life/compliance_org.html",
        {
            "org": org,
            "window": window,
            "result": result,
            "items": items,
            "periods": period_choices(today),
            "labels": rules.STATUS_LABELS,
            "levels": rules.STATUS_LEVELS,
            "active_nav": "life_compliance",
        },
    )


CADENCES_SHOWN = {"month": ("weekly", "monthly"), "quarter": ("quarterly",), "year": ("yearly",)}


@login_required
def todo(request):
    """A branch's "to do this month": this month's, this quarter's and this year's items."""
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    orgs = list(manageable_orgs(request.user)[:200])
    org = page_root(request, posted=True) if request.GET.get("org") else next(iter(orgs), None)
    if org is not None and org.type not in queries.EVALUATED_TYPES:
        org = next((o for o in orgs if o.path.startswith(org.path)), None)
    today = timezone.localdate()
    sections = []
    if org is not None:
        types = {t.id: t for t in queries.active_types()}
        for kind in ("month", "quarter", "year"):
            window = rules.window_of(kind, today)
            data = queries.compliance(org.path, window, today)
            items = []
            # The organization's own items first, then those of its party groups.
            for result in sorted(data.results.values(), key=lambda r: (r.org.id != org.pk, r.org.path)):
                for type_id, r in result.types.items():
                    t = types[type_id]
                    if t.cadence in CADENCES_SHOWN[kind]:
                        items.append((result.org, t, r))
            sections.append((window, items))
    # What other apps have waiting for this organization's managers (core.todos).
    others = todo_list.collect(request.user, org, today) if org is not None else []
    return render(
        request,
        "life/todo.html",
        {
            "org": org,
            "orgs": orgs,
            "sections": sections,
            "others": others,
            "today": today,
            "labels": rules.STATUS_LABELS,
            "levels": rules.STATUS_LEVELS,
            "active_nav": "life_todo",
        },
    )


# ---- panels loaded by htmx ---------------------------------------------------------------


@login_required
def panel_org(request, pk):
    from ..panels import org_panel_context

    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    context = org_panel_context(org, timezone.localdate())
    return render(request, "life/panel_org.html", {"panel": context, "title": "组织生活落实情况"})


@login_required
def panel_command(request):
    from ..panels import command_panel_context

    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    root = page_root(request, posted=True)
    context = command_panel_context(root, timezone.localdate())
    return render(request, "life/panel_command.html", {"panel": context, "title": "组织生活落实情况（上季度）"})
