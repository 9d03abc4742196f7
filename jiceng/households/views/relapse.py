"""The relapse watch (返贫监测): the flags' list and export, one flag with its reviews, the expense
form, the thresholds (county admins), and the exit checks (退出核查) of a household and a village."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import exports, pages, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, require_county_admin, require_manager, require_staff
from jiceng.orgs.models import Organization

from .. import queries, services
from ..filters import FlagFilter
from ..forms import ExitCheckForm, ExpenseForm, ReviewForm, ThresholdForm
from ..models import HouseholdsSettings, RelapseFlag, RelapseThreshold
from .households import NAV, STAFF_ONLY, _form_page, _household


def _flags(request) -> FlagFilter:
    require_staff(request.user, STAFF_ONLY)
    f = FlagFilter(request.GET, queryset=queries.visible_flags(request.user), request=request)
    style_form(f.form)
    return f


@login_required
def flag_list(request):
    f = _flags(request)
    context = {"filter": f, "active_nav": NAV}
    context.update(paginate(request, queries.flag_rows(f.qs).order_by("-opened_at", "-id")))
    return render(request, "households/flags.html", context)


FLAG_HEADERS = [
    "预警时间",
    "户编号",
    "户主姓名",
    "所在村（社区）",
    "所属乡镇",
    "预警类别",
    "预警原因",
    "状态",
    "核实结果",
]


@login_required
@exports.deferrable
def flag_export(request):
    f = _flags(request)
    outcomes = dict(services.RelapseReview.Outcome.choices)
    rows = (
        (
            timezone.localtime(flag.opened_at).strftime("%Y-%m-%d %H:%M"),
            flag.household.number,
            flag.household.head_name,
            flag.household.village.name,
            flag.household.village.parent.name if flag.household.village.parent_id else "",
            flag.get_kind_display(),
            flag.reason,
            flag.get_state_display(),
            outcomes.get(flag.outcome, ""),
        )
        for flag in queries.flag_rows(f.qs).order_by("-opened_at", "-id").iterator(chunk_size=2000)
    )
    return exports.ExportFile(
        "返贫风险预警", rows=f.qs, build=lambda: xlsx.build_workbook("返贫风险预警", FLAG_HEADERS, rows)
    )


def _flag(request, pk) -> RelapseFlag:
    require_staff(request.user, STAFF_ONLY)
    return get_visible_or_404(
        request.user, RelapseFlag.objects.select_related("household__village", "threshold"), pk=pk
    )


@login_required
def flag_detail(request, pk):
    flag = _flag(request, pk)
    return render(
        request,
        "households/flag_detail.html",
        {
            "flag": flag,
            "household": flag.household,
            "reviews": flag.reviews.select_related("reviewed_by"),
            "can_review": flag.is_open and can_manage(request.user, flag.household.village),
            "form": ReviewForm(),
            "active_nav": NAV,
        },
    )


@login_required
@require_POST
def flag_review(request, pk):
    flag = _flag(request, pk)
    require_manager(request.user, flag.household.village)
    form = ReviewForm(request.POST)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.review_flag(
            request.user, flag, outcome=data["outcome"], note=data["note"], on=data["reviewed_on"]
        ),
        success=lambda r: f"已记录核实结果：{r.get_outcome_display()}",
        to=reverse("households:flag", args=[flag.pk]),
    ):
        return done
    return render(
        request,
        "households/flag_detail.html",
        {
            "flag": flag,
            "household": flag.household,
            "reviews": flag.reviews.select_related("reviewed_by"),
            "can_review": flag.is_open,
            "form": form,
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expense_create(request, pk):
    household = _household(request, pk, manage=True)
    form = ExpenseForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_expense(request.user, household, **data),
        success="已登记突发支出；达到预警标准的，已列入返贫风险预警",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    note = "因病、因灾、因意外等刚性支出。达到返贫监测预警标准的，登记后即列入预警，通知本村和结对干部。"
    return _form_page(request, form, f"登记突发支出 · {household}", household, note=note)


# ---- exit checks ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_exit(request, pk):
    household = _household(request, pk, manage=True)
    form = ExitCheckForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.check_household_exit(request.user, household, **data),
        success=lambda c: "退出核查通过，状态已变更" if c.passed else "退出核查未通过：" + "；".join(c.failures),
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    return render(
        request,
        "households/exit_check.html",
        {
            "title": f"退出核查 · {household}",
            "household": household,
            "criteria": queries.household_exit_criteria(household),
            "form": form,
            "checks": household.exit_checks.all(),
            "back": reverse("households:detail", args=[household.pk]),
            "can_check": True,
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_exit(request, pk):
    require_staff(request.user, STAFF_ONLY)
    village = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    if error := services.village_error(village):
        return render(request, "households/exit_check.html", {"title": "村退出核查", "error": error, "active_nav": NAV})
    form = ExitCheckForm(request.POST or None)
    if request.method == "POST":
        require_manager(request.user, village.parent)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.check_village_exit(request.user, village, **data),
        success=lambda c: "村退出核查通过" if c.passed else "村退出核查未通过：" + "；".join(c.failures),
        to=reverse("households:village_exit", args=[village.pk]),
    ):
        return done
    config = HouseholdsSettings.current()
    return render(
        request,
        "households/exit_check.html",
        {
            "title": f"村（社区）退出核查 · {village.name}",
            "village": village,
            "criteria": queries.village_exit_criteria(village),
            "form": form,
            "checks": queries.exit_checks_of(request.user, village),
            "back": reverse("households:coverage") + f"?org={village.parent_id}",
            "can_check": can_manage(request.user, village.parent),
            "note": f"未脱贫户占比上限 {config.village_exit_poor_share}%（帮扶工作设置），由乡镇（街道）组织核查并签字。",
            "active_nav": NAV,
        },
    )


# ---- thresholds --------------------------------------------------------------------------------------


@login_required
def threshold_list(request):
    require_staff(request.user, STAFF_ONLY)
    return render(
        request,
        "households/thresholds.html",
        {
            "thresholds": RelapseThreshold.objects.all(),
            "income_line": HouseholdsSettings.current().income_line,
            "can_edit": request.user.is_superuser or request.user.role == "county_admin",
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def threshold_create(request):
    require_county_admin(request.user)
    form = ThresholdForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_threshold(request.user, **data),
        success="已新增预警标准",
        to="households:thresholds",
    ):
        return done
    return _form_page(request, form, "新增返贫监测预警标准", back=reverse("households:thresholds"))


@login_required
@require_http_methods(["GET", "POST"])
def threshold_edit(request, pk):
    require_county_admin(request.user)
    threshold = get_object_or_404(RelapseThreshold, pk=pk)
    form = ThresholdForm(request.POST or None, instance=RelapseThreshold.objects.get(pk=pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_threshold(request.user, threshold, **data),
        success="预警标准已保存",
        to="households:thresholds",
    ):
        return done
    return _form_page(request, form, f"修改预警标准 · {threshold.name}", back=reverse("households:thresholds"))
