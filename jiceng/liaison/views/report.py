"""The report (党代表联系服务群众情况) of an organization for a period, its export, and the figures
card of the organization page and the command screen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jiceng.core import xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.periods import period_from
from jiceng.core.scoping import page_root, require_staff, scope_root

from .. import queries, rules
from ._common import LIAISON_STAFF_ONLY, period_page


@login_required
def report(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    data = queries.report(request.user, root, start, end)
    return period_page(
        request,
        "liaison/report.html",
        {
            **data,
            "root": root,
            "start": start,
            "end": end,
            "form": form,
            "labels": rules.FIGURE_LABELS,
            "keys": rules.Figures.keys(),
            "parent": root.parent if root.parent_id and root != scope_root(request.user) else None,
            "active_nav": "liaison",
            "can_manage": is_manager(request.user),
        },
    )


@login_required
def report_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, _ = period_from(request)
    data = queries.report(request.user, root, start, end)
    keys = rules.Figures.keys()
    notes = [
        f"{root.name} {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 党代表联系服务群众情况",
        data["sentence"],
        "党代表（在册）：所属乡镇（单位）在本范围内、目前在册的党代表人数。",
        "参与走访党代表：期间在本范围内有走访记录的党代表人数（一人多次只计一次）。",
        "走访群众（户次）：期间各次走访登记的走访户数之和；同一户多次走访按次累计。",
        "名单登记户（去重）：填写了走访户名单的，同一村（社区）同一户只计一次。",
        "收集问题、当场解决、转交办理、待处理：期间走访收集的问题及其目前的处理结果。",
        "其中转至县直部门：转交的诉求目前由县直部门承办，或已在县直部门办结。",
    ]
    return xlsx.xlsx_response("党代表联系群众报表", xlsx.figures_workbook(data, keys, rules.FIGURE_LABELS, root, notes))


@login_required
def panel(request):
    """The figures card of the organization page and the command screen (loaded by htmx)."""
    from django.utils import timezone

    from ..panels import figures_card

    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    return render(
        request,
        "liaison/panel_figures.html",
        {"panel": figures_card(request, root, today), "title": f"党代表联系群众（{today.year}年）"},
    )
