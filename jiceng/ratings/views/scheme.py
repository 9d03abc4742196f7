"""The points scheme (积分办法): every version with its items, readable by every signed-in user;
a county admin makes a new version from a month."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import pages
from jiceng.core.point_sources import registered
from jiceng.core.scoping import has_full_scope, require_county_admin

from .. import rules, services
from ..forms import ItemFormSet, SchemeForm
from ..models import PointsScheme

ITEM_FIELDS = ["code", "name", "source", "category", "points", "cap_month", "cap_year"]


@login_required
def scheme(request):
    today = timezone.localdate()
    current = services.scheme_for(rules.month_start(today))
    versions = PointsScheme.objects.prefetch_related("items").order_by("-valid_from")
    sources = registered()
    for version in versions:
        for item in version.items.all():
            item.source_name = sources[item.source].name if item.source in sources else ""
    context = {
        "current": current,
        "versions": versions,
        "is_county_admin": _is_county_admin(request.user),
        "active_nav": "ratings-scheme",
    }
    return render(request, "ratings/scheme.html", context)


def _is_county_admin(user) -> bool:
    return has_full_scope(user) or getattr(user, "is_county_admin", False)


@login_required
def scheme_new(request):
    require_county_admin(request.user)
    today = timezone.localdate()
    current = services.scheme_for(rules.month_start(today))
    next_month = rules.month_end(today) + timedelta(days=1)
    form = SchemeForm(
        request.POST or None,
        initial={
            "valid_from": next_month.strftime("%Y-%m"),
            "name": current.name,
            "monthly_cap": current.monthly_cap,
            "unqualified_below": current.unqualified_below,
            "leave_after_years": current.leave_after_years,
            "note": current.note,
        },
    )
    items = ItemFormSet(
        request.POST or None,
        prefix="items",
        initial=[{f: getattr(i, f) for f in ITEM_FIELDS} for i in current.items.all()],
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = dict(form.cleaned_data)
        valid_from = data.pop("valid_from")
        rows = [
            {f: row[f] for f in ITEM_FIELDS}
            for row in items.cleaned_data
            if row and not row.get("DELETE") and row.get("code")
        ]
        try:
            version = services.new_scheme_version(request.user, valid_from=valid_from, items=rows, **data)
        except ValidationError as exc:
            pages.apply_validation_error(form, exc)
        else:
            messages.success(request, f"已制定新版积分办法，{version.valid_from:%Y年%-m月}起用")
            return redirect(reverse("ratings:scheme"))
    context = {"form": form, "items": items, "current": current, "active_nav": "ratings-scheme"}
    return render(request, "ratings/scheme_form.html", context)
