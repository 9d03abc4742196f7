"""Visit compliance (走访落实情况): for one cadence rule and one of its periods, per township →
village → cadre, the duties owed, met and missing and the rate; every figure opens the list of
exactly its duties (both read ``queries.duties``). The Excel export has the same figures. The
county admin's page of the rules (走访频次规则) is here too."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, params, xlsx
from jiceng.core.pages import paginate
from jiceng.core.scoping import page_root, require_county_admin, require_staff
from jiceng.orgs.models import Organization

from .. import queries, rules, services
from ..forms import CadenceForm
from ..models import Household, VisitCadence
from .households import NAV, STAFF_ONLY, _form_page

STATUSES = {"owed": "应走访", "visited": "已落实", "missing": "未落实"}


def _chosen(request):
    """The page's organization, rule and period (``?org=&rule=&period=``): the first active rule
    and its current period by default; a period that does not read as one of the rule's is the
    current one, with a message on the page."""
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    active = list(VisitCadence.objects.filter(is_active=True))
    rule = None
    pk = params.int_or_none(request.GET.get("rule"))
    if pk is not None:
        rule = next((r for r in active if r.pk == pk), None)
        if rule is None:
            raise Http404("未找到该走访频次规则")
    rule = rule or (active[0] if active else None)
    today = timezone.localdate()
    period, notice = None, ""
    if rule is not None:
        raw = request.GET.get("period")
        period = rules.parse_period(rule.period, raw)
        if period is None:
            if raw:
                notice = f"“{raw}”不是该规则的考核周期，已显示本期"
            period = rules.period_of(rule.period, today)
    return root, active, rule, period, notice


def _link(rule, period, org_pk, status, cadre=None, exact=False) -> str:
    query = {"rule": rule.pk, "period": period.key, "org": org_pk, "status": status}
    if cadre is not None:
        query["cadre"] = cadre
    if exact:
        query["exact"] = 1
    return reverse("households:compliance_list") + "?" + urlencode(query)


def _rows_with_links(rows, total, rule, period, root):
    for row in [*rows, total]:
        cadre_row = row.cadre_id is not None
        org_pk = root.pk if cadre_row else row.org.pk
        row.links = {status: _link(rule, period, org_pk, status, row.cadre_id, exact=cadre_row) for status in STATUSES}
    return rows, total


@login_required
def compliance(request):
    root, active, rule, period, notice = _chosen(request)
    context = {"root": root, "rules": active, "rule": rule, "period": period, "notice": notice, "active_nav": NAV}
    if rule is not None:
        rows, total = queries.compliance(request.user, rule, period, root)
        context.update(
            rows=_rows_with_links(rows, total, rule, period, root)[0],
            total=total,
            periods=rules.recent_periods(rule.period, timezone.localdate()),
            not_yet=period.last < rule.effective_from,
            per_cadre=rule.kind == VisitCadence.Kind.CADRE_ACTIVITY,
        )
    return render(request, "households/compliance.html", context)


@login_required
def compliance_list(request):
    """The duties one figure of the compliance table counts, paged."""
    root, _active, rule, period, _notice = _chosen(request)
    if rule is None:
        raise Http404("没有启用的走访频次规则")
    status = request.GET.get("status") if request.GET.get("status") in STATUSES else "owed"
    cadre = params.int_or_none(request.GET.get("cadre"))
    found = queries.select_duties(
        queries.duties(request.user, rule, period, root),
        root,
        org=root,
        cadre=cadre,
        exact=request.GET.get("exact") == "1",
        status=status,
    )
    context = paginate(request, found)
    page_rows = context["rows"]
    households = Household.objects.in_bulk([d.household_id for d in page_rows if d.household_id])
    villages = {o.path: o for o in Organization.objects.filter(path__in={d.path for d in page_rows})}
    for duty in page_rows:
        duty.household = households.get(duty.household_id)
        duty.org = villages.get(duty.path)
    context.update(
        root=root,
        rule=rule,
        period=period,
        status=status,
        status_label=STATUSES[status],
        per_cadre=rule.kind == VisitCadence.Kind.CADRE_ACTIVITY,
        active_nav=NAV,
    )
    return render(request, "households/compliance_list.html", context)


@login_required
def compliance_export(request):
    root, _active, rule, period, _notice = _chosen(request)
    if rule is None:
        raise Http404("没有启用的走访频次规则")
    rows, total = queries.compliance(request.user, rule, period, root)
    unit = "干部（人）" if rule.kind == VisitCadence.Kind.CADRE_ACTIVITY else "户次"
    headers = ["单位", "帮扶干部", f"应走访（{unit}）", "已落实", "未落实", "落实率（%）"]
    data = [[r.org.name if r.org else "", r.cadre_name, r.owed, r.met, r.missing, r.rate] for r in [*rows, total]]
    data[-1][0] = f"合计（{root.name}）"
    notes = [f"规则：{rule.name}（{rule.requirement}）", f"考核周期：{period.label}"]
    return xlsx.xlsx_response(
        f"走访落实情况_{period.key}", xlsx.build_workbook("走访落实情况", headers, data, notes=notes)
    )


# ---- the rules (走访频次规则) -------------------------------------------------------------------------


@login_required
def cadence_list(request):
    require_county_admin(request.user)
    return render(
        request,
        "households/cadences.html",
        {"cadences": VisitCadence.objects.all(), "active_nav": NAV},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadence_create(request):
    require_county_admin(request.user)
    form = CadenceForm(request.POST or None, initial={"effective_from": timezone.localdate(), "is_active": True})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_cadence(request.user, **data),
        success=lambda c: f"已添加走访频次规则：{c.name}",
        to="households:cadences",
    ):
        return done
    return _form_page(request, form, "添加走访频次规则", back=reverse("households:cadences"), note=NOTE)


@login_required
@require_http_methods(["GET", "POST"])
def cadence_edit(request, pk):
    require_county_admin(request.user)
    cadence = get_object_or_404(VisitCadence, pk=pk)
    form = CadenceForm(request.POST or None, instance=VisitCadence.objects.get(pk=cadence.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_cadence(request.user, cadence, **data),
        success="已保存",
        to="households:cadences",
    ):
        return done
    return _form_page(
        request, form, f"修改走访频次规则 · {cadence.name}", back=reverse("households:cadences"), note=NOTE
    )


NOTE = (
    "“每户走访次数”：结对干部对所结对的户（整个周期内结对的），或村干部对本村每一户，周期内至少走访的次数。"
    "“干部走访天数和户数”：每名村干部周期内走访的不同日期数和不同户数。村干部指登记在村（社区）的帮扶干部。"
)
