"""Democratic appraisal of members (民主评议党员): one grade per member and year, entered for an organization."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from jiceng.core.scoping import can_manage, is_member_role, page_root, visible
from jiceng.members.models import Member

from .. import services
from ..models import Appraisal
from ._common import year_asked


@login_required
def appraisals(request):
    """民主评议党员 of one organization and year: one grade per member."""
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看评议结果")
    root = page_root(request, posted=True)
    year, year_error = year_asked(request)
    if year_error and request.method == "POST":
        # Never save the grades under another year than the one asked for.
        messages.error(request, f"{year_error}，未保存评定等次")
        return redirect(reverse("life:appraisals") + f"?org={root.pk}")
    if year_error:
        messages.error(request, f"{year_error}，下面显示{year}年")
    members = visible(
        request.user,
        Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES).select_related(
            "organization"
        ),
    ).order_by("organization__path", "name_pinyin", "id")
    if request.method == "POST":
        saved = 0
        for m in members:
            grade = request.POST.get(f"g-{m.pk}")
            if not grade:
                continue
            try:
                services.set_appraisal(request.user, m, year, grade)
                saved += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{m.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        messages.success(request, f"已保存 {saved} 名党员的评定等次")
        return redirect(reverse("life:appraisals") + f"?org={root.pk}&year={year}")
    grades = dict(Appraisal.objects.filter(member__in=members, year=year).values_list("member_id", "grade"))
    rows = [(m, grades.get(m.pk, "")) for m in members[:500]]
    totals = {label: sum(1 for g in grades.values() if g == code) for code, label in Appraisal.Grade.choices}
    return render(
        request,
        "life/appraisals.html",
        {
            "root": root,
            "year": year,
            "rows": rows,
            "grades": Appraisal.Grade.choices,
            "totals": totals,
            "can_manage": can_manage(request.user, root),
            "active_nav": "life_yearly",
        },
    )
