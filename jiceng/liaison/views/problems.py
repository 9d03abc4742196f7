"""The ledger of the problems collected on visits (走访问题台账) and its export. `listed()` is also
the API's list of problems."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required

from jiceng.core import params, xlsx
from jiceng.core.pages import paginate
from jiceng.core.periods import period_from
from jiceng.core.scoping import get_visible_or_404, path_q, require_staff, visible
from jiceng.orgs.models import Organization
from jiceng.requests import queries as requests

from .. import queries, rules
from ..models import Problem
from ._common import LIAISON_STAFF_ONLY, period_page, search_term

_int = params.int_or_none


def listed(request):
    user, g = request.user, request.GET
    qs = visible(user, Problem.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("visit__organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        qs = qs.filter(visit__date__gte=start, visit__date__lte=end)
    if g.get("outcome") in dict(rules.OUTCOMES):
        qs = qs.filter(outcome=g["outcome"])
    if g.get("to_department") == "1":
        qs = qs.filter(outcome=rules.PASSED).filter(queries.TO_DEPARTMENT_Q)
    if _int(g.get("category")):
        qs = qs.filter(category_id=_int(g["category"]))
    text = search_term(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(description__contains=text)
    return qs.select_related(
        "visit", "visit__organization", "category", "request", "request__holder_department", "request__holder_org"
    )


@login_required
def problem_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = listed(request).order_by("-visit__date", "-pk")
    context = {
        "outcomes": rules.OUTCOMES,
        "categories": requests.active_categories(),
        "active_nav": "liaison",
    }
    context.update(paginate(request, qs))
    return period_page(request, "liaison/problems.html", context)


@login_required
def problem_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = listed(request).order_by("-visit__date", "-pk")
    headers = [
        "走访日期",
        "走访地",
        "问题内容",
        "类别",
        "处理结果",
        "解决情况",
        "诉求受理编号",
        "诉求状态",
        "诉求承办单位",
        "群众姓名",
        "联系电话",
    ]
    rows = (
        (
            p.visit.date,
            p.visit.organization.name,
            p.description,
            p.category.name,
            p.get_outcome_display(),
            p.solution,
            p.request.ticket if p.request_id else "",
            p.request.get_state_display() if p.request_id else "",
            p.request.holder_label if p.request_id else "",
            rules.mask_name(p.resident_name),
            p.masked_phone,
        )
        for p in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "党代表走访问题台账", xlsx.build_workbook("问题台账", headers, rows, notes=["群众姓名和联系电话已脱敏。"])
    )
