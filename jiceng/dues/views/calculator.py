"""The dues calculator (党费计算器): a category and income give the monthly dues by the statute."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import rules
from ..forms import CalculatorForm
from ..models import DuesSettings


def calculate(data: dict, farmer_default: Decimal) -> tuple[rules.DuesAmount | None, str, str]:
    """(result, error message, error field) for the calculator page and the API."""
    try:
        result = rules.monthly_dues(
            data.get("category") or "",
            data.get("income"),
            farmer_amount=data.get("amount") or None,
            farmer_default=farmer_default,
        )
    except rules.DuesRuleError as exc:
        return None, str(exc), exc.field
    return result, "", ""


@login_required
def calculator(request):
    settings = DuesSettings.current()
    data = request.GET.copy()
    if data.get("category"):  # a Chinese name (?category=退休) selects its code in the form
        data["category"] = rules.normalize_category(data["category"])
    form = CalculatorForm(data or None)
    result, error = None, ""
    if request.GET.get("category"):
        result, error, _ = calculate(request.GET, settings.farmer_amount)
    context = {
        "form": form,
        "result": result,
        "error": error,
        "farmer_default": settings.farmer_amount,
        "category_label": rules.CATEGORY_LABELS.get(result.category, "") if result else "",
        "yearly": result.monthly_amount * 12 if result else None,
        "active_nav": "dues_calculator",
    }
    template = "dues/_calculator_result.html" if request.headers.get("HX-Request") else "dues/calculator.html"
    return render(request, template, context)
