"""The branch's consent to paying by the quarter (按季度交纳): record it for a member, revoke it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages
from jiceng.core.scoping import get_visible_or_404, require_manager

from .. import rules, services
from ..forms import ConsentForm
from ..models import DuesConsent
from ._common import member_or_404


@login_required
@require_http_methods(["GET", "POST"])
def consent(request, pk):
    member = member_or_404(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    q_end = rules.quarter_end(today)
    form = ConsentForm(
        request.POST or None,
        initial={"first_month": f"{today:%Y-%m}", "last_month": f"{today.year}-12", "decided_on": today},
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_consent(request.user, member, **data),
        success=f"已登记支部同意{member.name}按季度交纳党费",
        to=reverse("dues:member", args=[member.pk]),
    ):
        return done
    return render(
        request, "dues/consent.html", {"member": member, "form": form, "quarter_end": q_end, "active_nav": "dues"}
    )


@login_required
@require_POST
def consent_revoke(request, pk):
    item = get_visible_or_404(request.user, DuesConsent.objects.select_related("member__organization"), pk=pk)
    return pages.button_action(
        request,
        lambda: services.revoke_consent(request.user, item),
        success="已撤销按季度交纳的同意；此后预交须重新经支部同意",
        to=reverse("dues:member", args=[item.member_id]),
    )
