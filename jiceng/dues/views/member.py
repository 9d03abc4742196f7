"""One member's dues (我的党费 and the member's page), recording a payment (登记交纳) and undoing
one (撤销登记)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages
from jiceng.core.navigation import is_staff
from jiceng.core.scoping import can_manage, get_visible_or_404, require_manager

from .. import queries, rules, services
from ..forms import DeletePaymentForm, PaymentForm
from ..models import DuesPayment
from ._common import member_or_404, next_or


@login_required
def mine(request):
    if not request.user.member_id:
        raise Http404("账号未关联党员档案")
    return redirect("dues:member", pk=request.user.member_id)


@login_required
def member_dues(request, pk):
    member = member_or_404(request, pk)
    today = timezone.localdate()
    year = rules.year_or_default(request.GET.get("year"), today)
    dues = queries.member_dues(member, today)
    payments = list(
        DuesPayment.objects.filter(member=member, month__year=year)
        .select_related("recorded_by", "consent")
        .order_by("month")
    )
    return render(
        request,
        "dues/member.html",
        {
            "member": member,
            "dues": dues,
            "year": year,
            "years": sorted({today.year, *(b.year for b in dues.bases)}, reverse=True),
            "payments": payments,
            "paid_total": sum((p.amount for p in payments), Decimal("0.00")),
            "can_manage": can_manage(request.user),
            "today": today,
            "active_nav": "dues" if is_staff(request.user) else "my_dues",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, pk):
    member = member_or_404(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    form = PaymentForm(
        request.POST or None, initial={"first_month": f"{today:%Y-%m}", "paid_on": today, "method": "cash"}
    )

    def paid(rows) -> str:
        total = sum((r.amount for r in rows), Decimal("0.00"))
        labels = "、".join(f"{r.month.year}年{r.month.month}月" for r in rows)
        return f"已登记{member.name} {labels}党费，合计 {total} 元"

    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_payment(
            request.user,
            member,
            months=form.months(),
            paid_on=data["paid_on"],
            method=data["method"],
            amount=data["amount"],
            receipt=data["receipt"],
            note=data["note"],
        ),
        success=paid,
        to=next_or(request, reverse("dues:member", args=[member.pk])),
    ):
        return done
    return render(
        request,
        "dues/pay.html",
        {
            "member": member,
            "form": form,
            "dues": queries.member_dues(member, today),
            "next": request.GET.get("next") or request.POST.get("next", ""),
            "active_nav": "dues",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_delete(request, pk):
    payment = get_visible_or_404(request.user, DuesPayment.objects.select_related("member__organization"), pk=pk)
    require_manager(request.user, payment.member.organization)
    form = DeletePaymentForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.delete_payment(request.user, payment, reason=data["reason"]),
        success=f"已撤销{payment}的登记（审计日志保留原记录）",
        to=reverse("dues:member", args=[payment.member_id]),
    ):
        return done
    return render(request, "dues/payment_delete.html", {"payment": payment, "form": form, "active_nav": "dues"})
