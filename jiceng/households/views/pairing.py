"""Pairing (结对帮扶): a household's pair and its end, the cadres' register, the coverage page
(every figure links to the household list that gives the same number), the responsibility chain
(包联) and the county's settings (the cap of households per cadre, the monitoring line)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, xlsx
from jiceng.core.pages import paginate
from jiceng.core.scoping import (
    can_manage,
    get_visible_or_404,
    page_root,
    path_q,
    require_county_admin,
    require_manager,
    require_staff,
    visible,
)

from .. import queries, services
from ..forms import CadreAccountForm, CadreForm, EndPairForm, PairForm, ResponsibilityForm, SettingsForm
from ..models import Cadre, Household, HouseholdsSettings, Pair, RelapseFlag, Responsibility
from .households import NAV, STAFF_ONLY, _form_page, _household


@login_required
@require_http_methods(["GET", "POST"])
def pair_create(request, pk):
    household = _household(request, pk, manage=True)
    form = PairForm(request.POST or None, user=request.user, household=household)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.pair(request.user, household, **data),
        success=lambda p: f"已与 {p.cadre.name} 结对",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    cap = HouseholdsSettings.current().pairs_per_cadre
    note = f"每名干部最多同时结对 {cap} 户。该户已有结对干部的，原结对在结对日期结束，记入历史。"
    return _form_page(request, form, f"结对帮扶 · {household}", household, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def pair_end(request, pk):
    require_staff(request.user, STAFF_ONLY)
    pair = get_visible_or_404(request.user, Pair.objects.select_related("household__village", "cadre"), pk=pk)
    require_manager(request.user, pair.household.village)
    form = EndPairForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.end_pair(request.user, pair, **data),
        success="结对已结束，并记入历史",
        to=reverse("households:detail", args=[pair.household_id]),
    ):
        return done
    note = f"结束 {pair.cadre.name} 与 {pair.household} 的结对。结束后该户计为未结对，直到重新结对。"
    return _form_page(request, form, "结束结对", pair.household, note=note)


# ---- coverage ------------------------------------------------------------------------------------


def _list_url(**query) -> str:
    from urllib.parse import urlencode

    return reverse("households:list") + "?" + urlencode({k: v for k, v in query.items() if v is not None})


COVERAGE_CADRES = 20


@login_required
def coverage(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    config = HouseholdsSettings.current()
    rule = queries.pair_cadence()
    rows, total = queries.coverage(request.user, root, config=config, rule=rule)
    # The busiest cadres here; all of them, paged, on 帮扶干部 (a county has about 900).
    loads = queries.cadre_loads(request.user, root, config, rule=rule)
    statuses = Household.Status.choices
    for row in [*rows, total]:
        row.statuses = [(value, row.by_status.get(value, 0)) for value, _ in statuses]
    flags, flag_total = queries.flag_counts(request.user, root)
    for row in rows:
        row.flags = [(state, flags.get(row.org.path, {}).get(state, 0)) for state in queries.FLAG_STATES]
        # Under a township (or on a village's own page) the rows are villages: each has its exit check.
        row.is_village = root.parent_id is not None
    return render(
        request,
        "households/coverage.html",
        {
            "root": root,
            "rows": rows,
            "total": total,
            "flag_states": RelapseFlag.State.choices,
            "flag_total": [(state, flag_total[state]) for state in queries.FLAG_STATES],
            "statuses": statuses,
            "causes": queries.causes(request.user, root),
            "loads": loads[:COVERAGE_CADRES],
            "loads_total": len(loads),
            "cap": config.pairs_per_cadre,
            "overdue_note": overdue_note(rule),
            "active_nav": NAV,
        },
    )


def overdue_note(rule) -> str:
    """What 超期未走访 means under the pair rule: "上月至今未走访" for a monthly rule."""
    previous = {"week": "上周", "month": "上月", "quarter": "上季度"}[rule.period if rule else "month"]
    return f"{previous}至今未走访"


@login_required
def panel(request):
    """The card of the organization page and the command screen (loaded by htmx): one grouped
    query on the households of the subtree, one for its children."""
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    _rows, total = queries.coverage(request.user, root, visits=False)
    monitored = total.by_status.get(Household.Status.MONITORED, 0)
    _flags, flag_total = queries.flag_counts(request.user, root)
    context = {"root": root, "total": total, "monitored": monitored, "flags_open": flag_total["open"]}
    return render(request, "households/panel.html", context)


@login_required
def coverage_export(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    rows, total = queries.coverage(request.user, root)
    flags, flag_total = queries.flag_counts(request.user, root)
    statuses = Household.Status.choices
    headers = ["单位", "帮扶户", "已结对", "未结对", "结对率（%）", "本月已走访", "超期未走访"]
    headers += [label for _, label in statuses]
    headers += [f"返贫预警{label}" for _, label in RelapseFlag.State.choices]
    data = [
        [r.org.name, r.households, r.paired, r.coverage.unpaired, r.coverage.rate, r.visited, r.overdue]
        + [r.by_status.get(v, 0) for v, _ in statuses]
        + [(flag_total if r is total else flags.get(r.org.path, {})).get(state, 0) for state in queries.FLAG_STATES]
        for r in [*rows, total]
    ]
    data[-1][0] = f"合计（{root.name}）"
    return xlsx.xlsx_response("结对帮扶覆盖", xlsx.build_workbook("结对帮扶覆盖", headers, data))


# ---- cadres --------------------------------------------------------------------------------------


@login_required
def cadre_list(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    context = paginate(request, queries.cadre_loads(request.user, root))
    # The register also lists cadres of other units paired with one of the user's households;
    # only those filed within the user's scope can be edited here.
    can_create = can_manage(request.user)
    on_page = [load.cadre.pk for load in context["rows"]]
    editable = set(visible(request.user, Cadre.objects.filter(pk__in=on_page)).values_list("pk", flat=True))
    for load in context["rows"]:
        load.editable = can_create and load.cadre.pk in editable and can_manage(request.user, load.cadre.organization)
    context.update(
        root=root,
        loads=context["rows"],
        cap=HouseholdsSettings.current().pairs_per_cadre,
        can_create=can_create,
        active_nav=NAV,
    )
    return render(request, "households/cadres.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_create(request):
    require_staff(request.user, STAFF_ONLY)
    require_manager(request.user)
    form = CadreForm(request.POST or None, user=request.user)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_cadre(request.user, **data),
        success=lambda c: f"已登记帮扶干部：{c.name}",
        to="households:cadres",
    ):
        return done
    return _form_page(request, form, "登记帮扶干部", back=reverse("households:cadres"))


@login_required
@require_http_methods(["GET", "POST"])
def cadre_edit(request, pk):
    require_staff(request.user, STAFF_ONLY)
    cadre = get_visible_or_404(request.user, Cadre.objects.select_related("organization"), pk=pk)
    require_manager(request.user, cadre.organization)
    form = CadreForm(request.POST or None, instance=Cadre.objects.get(pk=cadre.pk), user=request.user)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_cadre(request.user, cadre, **data),
        success="已保存",
        to="households:cadres",
    ):
        return done
    return _form_page(request, form, f"修改帮扶干部 · {cadre.name}", back=reverse("households:cadres"))


@login_required
@require_http_methods(["GET", "POST"])
def cadre_account(request, pk):
    """开通登录账号 for a non-member cadre (ADR 0033)."""
    require_staff(request.user, STAFF_ONLY)
    cadre = get_visible_or_404(request.user, Cadre.objects.select_related("organization"), pk=pk)
    require_manager(request.user, cadre.organization)
    form = CadreAccountForm(request.POST or None, initial={"username": cadre.phone})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.open_cadre_account(
            request.user, cadre, username=data["username"], password=data["password"]
        ),
        success=lambda u: (
            f"已为{cadre.name}开通登录账号：{u.get_username()}。请将初始密码当面告知本人，登录后进入「我的帮扶户」。"
        ),
        to="households:cadres",
    ):
        return done
    return _form_page(request, form, f"开通登录账号 · {cadre.name}", back=reverse("households:cadres"))


# ---- responsibility chain (包联) ---------------------------------------------------------------------


@login_required
def responsibility_list(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    qs = (
        visible(request.user, Responsibility.objects.select_related("organization"))
        .filter(path_q("organization__path", root.path))
        .order_by("ends_on", "organization__path", "kind", "-starts_on", "pk")
    )
    context = {"root": root, "can_create": can_manage(request.user), "active_nav": NAV}
    context.update(paginate(request, qs))
    return render(request, "households/responsibilities.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_create(request):
    require_staff(request.user, STAFF_ONLY)
    require_manager(request.user)
    form = ResponsibilityForm(request.POST or None, user=request.user)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_responsibility(request.user, **data),
        success="已登记包联责任",
        to="households:responsibilities",
    ):
        return done
    return _form_page(request, form, "登记包联责任", back=reverse("households:responsibilities"))


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_edit(request, pk):
    require_staff(request.user, STAFF_ONLY)
    item = get_visible_or_404(request.user, Responsibility.objects.select_related("organization"), pk=pk)
    require_manager(request.user, item.organization)
    form = ResponsibilityForm(request.POST or None, instance=Responsibility.objects.get(pk=item.pk), user=request.user)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_responsibility(request.user, item, **data),
        success="已保存",
        to="households:responsibilities",
    ):
        return done
    note = "包联结束时填写结束日期，记录保留。"
    return _form_page(request, form, "修改包联责任", back=reverse("households:responsibilities"), note=note)


# ---- settings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=HouseholdsSettings.current())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **data),
        success="帮扶工作设置已保存",
        to="households:settings",
    ):
        return done
    return _form_page(request, form, "帮扶工作设置", back=reverse("households:coverage"))
