"""Pay (报酬): the county's income per person by year and the post coefficients (county admins),
and the pay sheet of a township's quarter with its Excel export, every amount explained."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, xlsx
from jiceng.core.scoping import home_root, page_root, require_county_admin, require_staff

from .. import queries, rules, services
from ..forms import CoefficientForm, IncomeForm
from ..models import CountyIncome
from .cadres import NAV, STAFF_ONLY


@login_required
@require_http_methods(["GET", "POST"])
def income_page(request):
    require_county_admin(request.user)
    county = queries.county_of(home_root(request.user))
    form = IncomeForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.set_income(request.user, county=county, **data),
        success=lambda i: f"已保存 {i.year} 年农村居民人均可支配收入",
        to=reverse("cadres:income"),
    ):
        return done
    incomes = CountyIncome.objects.filter(county=county)
    return render(
        request, "cadres/income.html", {"form": form, "incomes": incomes, "county": county, "active_nav": NAV}
    )


@login_required
@require_http_methods(["GET", "POST"])
def coefficients_page(request):
    require_county_admin(request.user)
    form = CoefficientForm(request.POST or None, current=queries.coefficients())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.set_coefficients(request.user, data),
        success="职务报酬系数已保存",
        to=reverse("cadres:coefficients"),
    ):
        return done
    return render(
        request,
        "cadres/form.html",
        {
            "form": form,
            "title": "职务报酬系数",
            "back": reverse("cadres:pay"),
            "note": "报酬基数 = 上年度农村居民人均可支配收入 × 2 × 职务系数。书记（含“一肩挑”）默认 1.10（高出 10%），其他职务 1.00；后备干部不发报酬。",
            "active_nav": NAV,
        },
    )


def _sheet(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    quarter = rules.parse_quarter(request.GET.get("quarter", ""))
    if quarter is None:
        today = timezone.localdate()
        year, q = rules.quarter_of(today)
        quarter = (year, q - 1) if q > 1 else (year - 1, 4)
    if not queries.is_township(root):
        return None, list(queries.townships(request.user).filter(root.subtree_filter())), quarter
    return queries.pay_sheet(root, *quarter), [], quarter


@login_required
def pay_sheet(request):
    sheet, townships, (year, quarter) = _sheet(request)
    return render(
        request,
        "cadres/pay.html",
        {
            "sheet": sheet,
            "townships": townships,
            "quarter_value": f"{year}-Q{quarter}",
            "quarter_label": rules.quarter_label(year, quarter),
            "is_county_admin": services.can_file(request.user),
            "active_nav": NAV,
        },
    )


PAY_HEADERS = ["村（社区）", "姓名", "职务", "上年度农村居民人均可支配收入", "职务系数", "年报酬基数", "月基本报酬"]
PAY_HEADERS += ["在任月数", "季度基本报酬", "考核得分", "考核等次", "季度绩效报酬", "季度合计", "计算说明"]


@login_required
def pay_export(request):
    sheet, _, (year, quarter) = _sheet(request)
    if sheet is None:
        raise Http404("请选择乡镇（街道）")
    rows = [
        (r.cadre.village.name, r.cadre.name, r.cadre.get_post_display(), r.pay.income, r.pay.coefficient,
         r.pay.annual_basis, r.pay.monthly_basic, r.pay.months, r.pay.quarter_basic, r.pay.points, r.grade or "未考核",
         r.pay.performance, r.pay.total, r.pay.explanation)
        for r in sheet.rows
    ]  # fmt: skip
    totals = sheet.totals
    rows.append(("合计", "", "", None, None, None, None, None, totals["quarter_basic"], None, "", totals["performance"],
                 totals["total"], ""))  # fmt: skip
    title = f"{sheet.township.name}{rules.quarter_label(year, quarter)}村干部报酬发放表"
    notes = [
        "基本报酬 = 基数 × 70% ÷ 12，按月发放；绩效报酬 = 基数 × 30% ÷ 4 × 考核得分 ÷ 100，按季度发放。",
        "每笔发放金额（月基本报酬、季度绩效报酬）按四舍五入保留到分；季度基本报酬 = 月基本报酬 × 在任月数。",
    ]
    if sheet.problem:
        notes.append(sheet.problem)
    return xlsx.xlsx_response(title, xlsx.build_workbook(title, PAY_HEADERS, rows, notes=notes))
