"""Pages of elections and postponements. Thin: scope through visible(), writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_review, get_visible_or_404, require_staff, visible
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import TERM_TYPES

from . import services
from .forms import DecisionForm, ElectionForm, PostponementForm
from .models import Election, Postponement

ELECTIONS_STAFF_ONLY = "党员不能查看换届信息"


def _within(request, qs):
    pk = (request.GET.get("org") or "").strip()
    if pk:
        # ASCII digits only: "²".isdigit() is true and int("²") raises.
        if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
            return qs.none(), None
        org = get_visible_or_404(request.user, Organization.objects.all(), pk=int(pk))
        return qs.filter(org.subtree_filter("organization__")), org
    return qs, None


@login_required
def election_list(request):
    require_staff(request.user, ELECTIONS_STAFF_ONLY)
    elections, org = _within(request, visible(request.user, Election.objects.select_related("organization")))
    if request.GET.get("state") in Election.State.values:
        elections = elections.filter(state=request.GET["state"])
    postponements, _ = _within(request, visible(request.user, Postponement.objects.select_related("organization")))
    context = {
        "org": org,
        "postponements": postponements[:100],
        "states": Election.State.choices,
        "can_create": is_manager(request.user),
        "active_nav": "elections",
    }
    context.update(paginate(request, elections.order_by("-held_on", "-id")))
    return render(request, "elections/list.html", context)


@login_required
def election_export(request):
    require_staff(request.user, ELECTIONS_STAFF_ONLY)
    elections, _ = _within(request, visible(request.user, Election.objects.select_related("organization")))
    headers = ["组织", "类型", "选举日期", "书记", "设委员会", "任期开始", "任期届满", "状态", "批复意见"]
    rows = (
        (
            e.organization.name,
            e.get_kind_display(),
            e.held_on,
            e.secretary_name,
            "是" if e.has_committee else "否",
            e.term_start,
            e.term_end,
            e.get_state_display(),
            e.decision_note,
        )
        for e in elections.order_by("organization__path", "-held_on")
    )
    return xlsx.xlsx_response("换届选举", xlsx.build_workbook("换届选举", headers, rows))


def _orgs(user):
    return visible(user, Organization.objects.filter(type__in=TERM_TYPES)).order_by("path")


@login_required
def election_create(request):
    if not is_manager(request.user):
        raise PermissionDenied("当前角色只能查看")
    initial = {"held_on": timezone.localdate()}
    if request.GET.get("org"):
        initial["organization"] = request.GET["org"]
    form = ElectionForm(request.POST or None, organizations=_orgs(request.user), initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda d: services.submit_election(
            request.user,
            organization=d["organization"],
            held_on=d["held_on"],
            kind=d["kind"],
            has_committee=d["has_committee"],
            secretary_name=d["secretary_name"],
            seats=d["seats"],
            term_end=d["term_end"],
            note=d["note"],
        ),
        success="已报上级批复；批复后更新本组织的委员会和任期",
        to=lambda election: reverse("elections:detail", args=[election.pk]),
    ):
        return done
    return render(request, "elections/form.html", {"form": form, "title": "登记换届选举", "active_nav": "elections"})


def _can_decide(user, org) -> bool:
    return can_review(user, org)


@login_required
def election_detail(request, pk):
    require_staff(request.user, ELECTIONS_STAFF_ONLY)
    election = get_visible_or_404(request.user, Election.objects.select_related("organization", "decided_by"), pk=pk)
    return render(
        request,
        "elections/detail.html",
        {
            "election": election,
            "seats": election.seats.select_related("member"),
            "can_decide": election.state == Election.State.SUBMITTED
            and _can_decide(request.user, election.organization),
            "active_nav": "elections",
        },
    )


@login_required
@require_POST
def election_decide(request, pk):
    election = get_visible_or_404(request.user, Election.objects.select_related("organization"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或不批准")
        return redirect("elections:detail", pk=pk)
    return pages.button_action(
        request,
        lambda: services.decide_election(
            request.user, election, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
        ),
        success="已批复",
        to=reverse("elections:detail", kwargs={"pk": pk}),
    )


@login_required
def postponement_create(request):
    if not is_manager(request.user):
        raise PermissionDenied("当前角色只能查看")
    initial = {"organization": request.GET.get("org")} if request.GET.get("org") else {}
    form = PostponementForm(request.POST or None, organizations=_orgs(request.user), initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.request_postponement(request.user, **data),
        success="延期换届申请已报上级批复",
        to=lambda p: reverse("elections:postponement", args=[p.pk]),
    ):
        return done
    return render(request, "elections/form.html", {"form": form, "title": "申请延期换届", "active_nav": "elections"})


@login_required
def postponement_detail(request, pk):
    require_staff(request.user, ELECTIONS_STAFF_ONLY)
    p = get_visible_or_404(request.user, Postponement.objects.select_related("organization", "decided_by"), pk=pk)
    return render(
        request,
        "elections/postponement.html",
        {
            "postponement": p,
            "can_decide": p.state == Postponement.State.SUBMITTED and _can_decide(request.user, p.organization),
            "active_nav": "elections",
        },
    )


@login_required
@require_POST
def postponement_decide(request, pk):
    p = get_visible_or_404(request.user, Postponement.objects.select_related("organization"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或不批准")
        return redirect("elections:postponement", pk=pk)
    return pages.button_action(
        request,
        lambda: services.decide_postponement(
            request.user, p, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
        ),
        success="已批复",
        to=reverse("elections:postponement", kwargs={"pk": pk}),
    )
