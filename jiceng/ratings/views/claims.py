"""Claims of points (申报积分): a member claims for themself, a secretary for a member; the
branch (any manager of the member's organization or above) approves or rejects."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, params
from jiceng.core.scoping import can_manage, get_visible_or_404, is_member_role, page_root, visible
from jiceng.members.models import Member

from .. import queries, rules, services
from ..forms import ClaimForm, DecideForm
from ..models import ClaimPhoto, PointItem, PointsClaim

STATES = PointsClaim.State


def _claimable_items():
    scheme = services.scheme_for(rules.month_start(timezone.localdate()))
    return PointItem.objects.filter(scheme=scheme, source="")


@login_required
def claim_list(request):
    qs = queries.visible_claims(request.user)
    root = None
    if not is_member_role(request.user) and request.GET.get("org"):
        root = page_root(request)
        qs = qs.filter(root.subtree_filter("member__organization__"))
    state = request.GET.get("state", "" if is_member_role(request.user) else STATES.SUBMITTED)
    state = state if state in STATES.values else ""
    if state:
        qs = qs.filter(state=state)
    context = {
        "state": state,
        "root": root,
        "states": STATES.choices,
        "member_role": is_member_role(request.user),
        "active_nav": "ratings-claims",
    }
    context.update(pages.paginate(request, qs))
    return render(request, "ratings/claims.html", context)


@login_required
def claim_create(request):
    """A member claims for themself; staff claim for the member given by ``?member=`` (from the
    member's points page), so the form never lists a county's members."""
    user = request.user
    if is_member_role(user) or (user.member_id and not request.GET.get("member")):
        member = Member.objects.filter(pk=user.member_id).select_related("organization").first()
        if member is None:
            raise PermissionDenied("您的账号没有关联党员档案")
    else:
        pk = params.int_or_none(request.GET.get("member"))
        if pk is None:
            messages.info(request, "请先在党员积分排名中找到该党员，在其积分页面点击“代为申报”")
            return redirect("ratings:ranking")
        member = get_visible_or_404(user, Member.objects.select_related("organization"), pk=pk)
    form = ClaimForm(request.POST or None, request.FILES or None, items=_claimable_items(), own_member=member)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.submit_claim(
            user,
            member=member,
            item=data["item"],
            on=data["on"],
            note=data["note"],
            photos=request.FILES.getlist("photos"),
        ),
        success="已提交积分申报，等待支部审核",
        to=lambda claim: reverse("ratings:claim", args=[claim.pk]),
    ):
        return done
    context = {"form": form, "member": member, "own": member.pk == user.member_id, "active_nav": "ratings-claims"}
    return render(request, "ratings/claim_form.html", context)


@login_required
def claim_detail(request, pk):
    claim = get_visible_or_404(request.user, queries.visible_claims(request.user), pk=pk)
    can_decide = (
        claim.state == STATES.SUBMITTED
        and can_manage(request.user, claim.member.organization)
        and request.user.member_id != claim.member_id
    )
    context = {"claim": claim, "can_decide": can_decide, "form": DecideForm(), "active_nav": "ratings-claims"}
    return render(request, "ratings/claim_detail.html", context)


@login_required
@require_POST
def claim_decide(request, pk):
    claim = get_visible_or_404(request.user, queries.visible_claims(request.user), pk=pk)
    form = DecideForm(request.POST)
    approve = form.is_valid() and form.cleaned_data["decision"] == "approve"
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    here = reverse("ratings:claim", args=[claim.pk])
    return pages.button_action(
        request,
        lambda: services.decide_claim(request.user, claim, approve=approve, reason=reason),
        success=lambda c: "已通过，积分已计入" if c.state == STATES.APPROVED else "已退回申报",
        to=here,
    )


@login_required
def claim_photo(request, pk):
    photo = get_visible_or_404(request.user, visible(request.user, ClaimPhoto.objects.all()), pk=pk)
    field = photo.thumbnail if request.GET.get("thumb") else photo.image
    return FileResponse(field.open("rb"), content_type="image/jpeg")
