"""Weak organizations (软弱涣散党组织整顿): the year's proposal from the bottom of the fortress
index, designation by the county, and each organization's rectification ledger."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.pages import style_form
from jiceng.core.scoping import (
    can_manage,
    can_review,
    get_visible_or_404,
    has_full_scope,
    page_root,
    require_staff,
    visible,
)
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import pick_organizations_when_large

from .. import services
from ..models import RectificationEvent, RectificationTask, WeakOrganization
from .points import STAFF_ONLY, crumbs, year_of, years_offered


def _is_county_admin(user) -> bool:
    return has_full_scope(user) or getattr(user, "is_county_admin", False)


class DesignateForm(forms.Form):
    organization = forms.ModelChoiceField(label="党组织", queryset=Organization.objects.none())
    reason = forms.CharField(label="确定理由", widget=forms.Textarea(attrs={"rows": 2}))
    leader = forms.CharField(label="包联领导", max_length=100)
    weak_economy = forms.BooleanField(label="经济薄弱（三弱村）", required=False)
    weak_services = forms.BooleanField(label="服务能力弱（三弱村）", required=False)

    def __init__(self, *args, user=None, root=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible(user, Organization.objects.filter(root.subtree_filter()))
        pick_organizations_when_large(self)
        style_form(self)


def _listing(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    qs = visible(
        request.user,
        WeakOrganization.objects.filter(root.subtree_filter("organization__"), year=year).select_related(
            "organization"
        ),
    ).order_by("organization__path")
    # The command card's figures open these: ?state=accepted (closed out), ?late=1 (open, with a
    # task past its deadline).
    state = request.GET.get("state", "")
    if state in WeakOrganization.State.values:
        qs = qs.filter(state=state)
    if request.GET.get("late") == "1":
        late = RectificationTask.objects.filter(done_on__isnull=True, deadline__lt=timezone.localdate()).values(
            "weak_id"
        )
        qs = qs.filter(pk__in=late, state__in=WeakOrganization.OPEN)
    return root, year, list(qs)


@login_required
def weak_list(request):
    root, year, rows = _listing(request)
    today = timezone.localdate()
    tasks = {}
    for weak_id, deadline, done_on in RectificationTask.objects.filter(weak__in=[w.pk for w in rows]).values_list(
        "weak_id", "deadline", "done_on"
    ):
        t = tasks.setdefault(weak_id, [0, 0, 0])
        t[0] += 1
        t[1] += done_on is not None
        t[2] += done_on is None and deadline < today
    for w in rows:
        w.task_total, w.task_done, w.task_overdue = tasks.get(w.pk, [0, 0, 0])
    county = _is_county_admin(request.user)
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": years_offered(),
        "rows": rows,
        "today": today,
        "county": county,
        "proposal": services.propose_weak(request.user, root, year) if county else [],
        "form": DesignateForm(user=request.user, root=root) if county else None,
        "active_nav": "ratings-weak",
    }
    return render(request, "ratings/weak_list.html", context)


@login_required
def weak_export(request):
    root, year, rows = _listing(request)
    headers = ["党组织", "年度", "状态", "确定理由", "包联领导", "整顿期限", "三弱村", "销号日期"]
    data = [
        [
            w.organization.name,
            w.year,
            w.get_state_display(),
            w.reason,
            w.leader,
            w.deadline,
            "是" if w.three_weak else "",
            w.closed_on,
        ]
        for w in rows
    ]
    return xlsx.xlsx_response(
        f"软弱涣散党组织-{year}",
        xlsx.build_workbook("整顿台账", headers, data, [f"{root.name} {year}年软弱涣散党组织整顿台账"]),
    )


@login_required
@require_POST
def designate(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request, posted=True)
    year = params.int_or_none(request.POST.get("year")) or timezone.localdate().year
    form = DesignateForm(request.POST, user=request.user, root=root)
    back = f"{reverse('ratings:weak')}?org={root.pk}&year={year}"
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    proposed = {r.organization.pk: r for r in services.propose_weak(request.user, root, year)}
    row = proposed.get(data["organization"].pk)
    return pages.button_action(
        request,
        lambda: services.designate_weak(
            request.user,
            data["organization"],
            year=year,
            reason=data["reason"],
            leader=data["leader"],
            proposed=row is not None,
            index_value=row.index if row is not None else None,
            weak_economy=data["weak_economy"],
            weak_services=data["weak_services"],
        ),
        success=lambda w: f"已确定 {w.organization.name} 为 {year} 年软弱涣散党组织，请建立整顿台账",
        to=lambda w: reverse("ratings:weak_detail", args=[w.pk]),
        back=back,
    )


@login_required
def weak_detail(request, pk):
    require_staff(request.user, STAFF_ONLY)
    weak = get_visible_or_404(request.user, WeakOrganization.objects.select_related("organization"), pk=pk)
    today = timezone.localdate()
    county = _is_county_admin(request.user)
    manager = can_manage(request.user, weak.organization)
    moves = [
        (to, WeakOrganization.State(to).label)
        for (frm, to), who in services.rules.MOVES.items()
        if frm == weak.state and ((who == "county" and county) or (who == "manager" and manager))
    ]
    context = {
        "weak": weak,
        "tasks": list(weak.tasks.all()),
        "events": list(weak.events.select_related("actor")),
        "today": today,
        "manager": manager and weak.state in WeakOrganization.OPEN,
        "above": can_review(request.user, weak.organization),
        "moves": moves,
        "active_nav": "ratings-weak",
    }
    return render(request, "ratings/weak_detail.html", context)


def _back(weak) -> str:
    return reverse("ratings:weak_detail", args=[weak.pk])


@login_required
@require_POST
def weak_task(request, pk):
    weak = get_visible_or_404(request.user, WeakOrganization.objects.all(), pk=pk)
    deadline = parse_date(request.POST.get("deadline", "") or "")
    if deadline is None:
        messages.error(request, "请填写完成期限")
        return redirect(_back(weak))
    return pages.button_action(
        request,
        lambda: services.add_task(
            request.user,
            weak,
            measure=request.POST.get("measure", ""),
            owner=request.POST.get("owner", ""),
            deadline=deadline,
        ),
        success="已增加整顿任务",
        to=_back(weak),
    )


@login_required
@require_POST
def weak_task_done(request, pk):
    task = get_visible_or_404(request.user, RectificationTask.objects.select_related("weak"), pk=pk)
    done_on = parse_date(request.POST.get("done_on", "") or "")
    if done_on is None:
        messages.error(request, "请填写完成日期")
        return redirect(_back(task.weak))
    return pages.button_action(
        request,
        lambda: services.complete_task(request.user, task, done_on=done_on, result=request.POST.get("result", "")),
        success="已记录完成",
        to=_back(task.weak),
    )


@login_required
@require_POST
def weak_event(request, pk):
    weak = get_visible_or_404(request.user, WeakOrganization.objects.all(), pk=pk)
    kind = request.POST.get("kind", RectificationEvent.Kind.NOTE)
    return pages.button_action(
        request,
        lambda: services.add_event(request.user, weak, kind=kind, text=request.POST.get("text", "")),
        success="已记录",
        to=_back(weak),
    )


@login_required
@require_POST
def weak_move(request, pk):
    weak = get_visible_or_404(request.user, WeakOrganization.objects.all(), pk=pk)
    return pages.button_action(
        request,
        lambda: services.move_weak(
            request.user,
            weak,
            request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            deadline=parse_date(request.POST.get("deadline", "") or ""),
        ),
        success=lambda w: f"台账状态：{w.get_state_display()}",
        to=_back(weak),
    )
