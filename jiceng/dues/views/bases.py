"""Yearly bases (年度核定): one member's base for a year, the bases of an organization, and carrying
last year's bases forward (结转)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_manage, page_root, require_manager, require_staff
from jiceng.members.models import Member
from jiceng.members.queries import search

from .. import queries, rules, services
from ..forms import BaseForm
from ..models import DuesBase
from ._common import DUES_STAFF_ONLY, breadcrumbs, member_or_404, next_or


@login_required
@require_http_methods(["GET", "POST"])
def base(request, pk):
    member = member_or_404(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    year = rules.year_or_default(request.GET.get("year"), today)
    existing = DuesBase.objects.filter(member=member, year=year).first()
    previous = existing or DuesBase.objects.filter(member=member, year__lt=year).order_by("-year").first()
    initial = {"year": year, "category": rules.default_category(member.occupation)}
    if previous is not None:
        initial.update(category=previous.category, income=previous.income)
        if previous.category == rules.FARMER:
            initial["farmer_amount"] = previous.standard_amount
    if existing is not None:
        initial.update(
            reduced_amount=existing.monthly_amount if existing.is_reduced else None,
            reduction_note=existing.reduction_note,
            note=existing.note,
        )
    form = BaseForm(request.POST or None, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.set_base(request.user, member, **data),
        success=lambda saved: (
            f"已核定{member.name}{saved.year}年度党费：每月 {saved.monthly_amount} 元（{saved.get_category_display()}）"
        ),
        to=next_or(request, reverse("dues:member", args=[member.pk])),
    ):
        return done
    return render(
        request,
        "dues/base_form.html",
        {
            "member": member,
            "form": form,
            "existing": existing,
            "previous": previous if previous is not existing else None,
            "year": year,
            "next": request.GET.get("next") or request.POST.get("next", ""),
            "active_nav": "dues",
        },
    )


@login_required
def bases(request):
    require_staff(request.user, DUES_STAFF_ONLY)
    today = timezone.localdate()
    root = page_root(request)
    year = rules.year_or_default(request.GET.get("year"), today)
    members = queries.subtree_members(request.user, root).filter(status__in=Member.ACTIVE_STATUSES)
    this_year = DuesBase.objects.filter(year=year)
    last_year = DuesBase.objects.filter(year=year - 1)
    counts = {
        "active": members.count(),
        "set": members.filter(dues_bases__year=year).count(),
        "carry": members.exclude(dues_bases__year=year).filter(dues_bases__year=year - 1).count(),
    }
    counts["missing"] = counts["active"] - counts["set"]
    listed = members
    if request.GET.get("missing") == "1":
        listed = listed.exclude(dues_bases__year=year)
    listed = (
        search(listed, request.GET.get("q", ""))
        .select_related("organization")
        .order_by("organization__path", "name_pinyin", "id")
    )
    page = paginate(request, listed)
    ids = [m.pk for m in page["rows"]]
    now = {b.member_id: b for b in this_year.filter(member_id__in=ids)}
    before = {b.member_id: b for b in last_year.filter(member_id__in=ids)}
    page["base_rows"] = [(m, now.get(m.pk), before.get(m.pk)) for m in page["rows"]]
    return render(
        request,
        "dues/bases.html",
        {
            **page,
            "root": root,
            "year": year,
            "counts": counts,
            "missing": request.GET.get("missing") == "1",
            "query": request.GET.get("q", ""),
            "crumbs": breadcrumbs(request.user, root),
            "can_manage": can_manage(request.user),
            "active_nav": "dues_bases",
        },
    )


@login_required
@require_POST
def bases_carry(request):
    root = page_root(request)
    require_manager(request.user, root)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        raise Http404 from None

    def carried(result) -> str:
        text = f"已按{year - 1}年度结转 {result.created} 人的{year}年度党费基数"
        if result.skipped:
            text += f"；{result.skipped} 人上年为少交或免交、或类别已变化，未结转，请逐人核定"
        return text

    return pages.button_action(
        request,
        lambda: services.carry_forward_bases(request.user, root, year),
        success=carried,
        to=f"{reverse('dues:bases')}?org={root.pk}&year={year}",
    )
