"""Visits (走访): the ledger and its export, one visit's page, record / edit / delete, the problems
collected on a visit (add, solved on the spot, passed on as a request) and the visit's photos.
`listed()` and `with_reps()` are also the API's list of visits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, uploads, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.periods import period_from
from jiceng.core.scoping import get_visible_or_404, path_q, require_manager, require_staff, visible
from jiceng.orgs.models import Organization

from .. import rules, services
from ..forms import ProblemForm, ProblemFormSet, SolveForm, VisitForm
from ..models import Problem, Representative, Visit, VisitPhoto
from ._common import LIAISON_STAFF_ONLY, period_page, search_term

_int = params.int_or_none


def _visit_filter(request):
    user, g = request.user, request.GET
    qs = visible(user, Visit.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        qs = qs.filter(date__gte=start, date__lte=end)
    if g.get("kind") in Visit.Kind.values:
        qs = qs.filter(kind=g["kind"])
    if _int(g.get("representative")):
        qs = qs.filter(representatives__id=_int(g["representative"]))
    text = search_term(g.get("q"))
    if text is None:
        qs = qs.none()
    elif text:
        qs = qs.filter(Q(note__contains=text) | Q(place__contains=text))
    return qs


def listed(request):
    return (
        _visit_filter(request)
        .select_related("organization", "organization__parent")
        .annotate(
            problem_count=Count("problems", distinct=True),
            solved_count=Count("problems", filter=Q(problems__outcome=rules.SOLVED), distinct=True),
            passed_count=Count("problems", filter=Q(problems__outcome=rules.PASSED), distinct=True),
            pending_count=Count("problems", filter=Q(problems__outcome=rules.PENDING), distinct=True),
        )
    )


def with_reps(qs):
    return qs.prefetch_related(Prefetch("representatives", queryset=Representative.objects.only("pk", "name")))


@login_required
def visit_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = with_reps(listed(request)).order_by("-date", "-pk")
    totals = _visit_filter(request).aggregate(visits=Count("pk"), households=Sum("households_reached"))
    context = {
        "kinds": Visit.Kind.choices,
        "totals": totals,
        "active_nav": "liaison",
        "can_manage": is_manager(request.user),
    }
    context.update(paginate(request, qs))
    return period_page(request, "liaison/visits.html", context)


@login_required
def visit_export(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    qs = with_reps(listed(request)).order_by("-date", "-pk")
    headers = [
        "走访日期",
        "走访地",
        "所属乡镇（街道）",
        "形式",
        "参加党代表",
        "走访户数",
        "收集问题",
        "当场解决",
        "转交办理",
        "待处理",
        "地点",
        "走访情况",
    ]
    rows = (
        (
            v.date,
            v.organization.name,
            v.organization.parent.name if v.organization.parent_id else "",
            v.get_kind_display(),
            "、".join(r.name for r in v.representatives.all()),
            v.households_reached,
            v.problem_count,
            v.solved_count,
            v.passed_count,
            v.pending_count,
            v.place,
            v.note,
        )
        for v in qs.iterator(chunk_size=1000)
    )
    return xlsx.xlsx_response("党代表走访台账", xlsx.build_workbook("走访台账", headers, rows))


@login_required
def visit_detail(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    visit = get_visible_or_404(
        request.user, Visit.objects.select_related("organization", "station", "recorded_by"), pk=pk
    )
    problems = visit.problems.select_related("category", "request", "request__holder_department", "outcome_by")
    can_manage = is_manager(request.user)
    return render(
        request,
        "liaison/visit_detail.html",
        {
            "visit": visit,
            "reps": visit.representatives.select_related("team").order_by("name"),
            "households": visit.households.all(),
            "photos": visit.photos.all(),
            "problems": problems,
            "can_manage": can_manage,
            "problem_form": ProblemForm(prefix="new"),
            "solve_form": SolveForm(),
            "active_nav": "liaison",
        },
    )


def _visit_form_org(request, default=None):
    pk = params.int_or_none(request.POST.get("organization") or request.GET.get("org"))
    if pk is not None:
        return visible(request.user, Organization.objects.all()).filter(pk=pk).first()
    return default


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    require_manager(request.user)
    org = _visit_form_org(request)
    from django.utils import timezone

    initial = {"organization": org, "date": timezone.localdate(), "kind": Visit.Kind.HOUSEHOLD}
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user, organization=org, initial=initial)
    formset = ProblemFormSet(request.POST or None, prefix="problems")

    def recorded(visit) -> str:
        passed = visit.problems.filter(outcome=rules.PASSED).count()
        text = f"已登记走访，收集问题 {visit.problems.count()} 个"
        if passed:
            text += f"，其中 {passed} 个已转为群众诉求"
        return text

    # The problems come from the formset: the visit is saved only when it too is valid (an
    # unbound formset, on GET, is not).
    if formset.is_valid() and (
        done := pages.form_action(
            request,
            form,
            lambda data: services.record_visit(
                request.user, problems=[f.cleaned_data for f in formset.forms if f.cleaned_data], **data
            ),
            success=recorded,
            to=lambda visit: reverse("liaison:visit", args=[visit.pk]),
        )
    ):
        return done
    return render(
        request,
        "liaison/visit_form.html",
        {"form": form, "formset": formset, "org": org, "title": "登记党代表走访", "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    require_manager(request.user, visit.organization)
    org = _visit_form_org(request, visit.organization)
    initial = {
        "organization": visit.organization,
        "date": visit.date,
        "kind": visit.kind,
        "station": visit.station,
        "representatives": list(visit.representatives.all()),
        "place": visit.place,
        "households_reached": visit.households_reached,
        "household_list": "\n".join(visit.households.values_list("label", flat=True)),
        "note": visit.note,
    }
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user, organization=org, initial=initial)
    # Representatives already on the visit stay selectable even if they left the register.
    form.fields["representatives"].queryset = (
        form.fields["representatives"].queryset | visible(request.user, visit.representatives.all())
    ).distinct()
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_visit(request.user, visit, **data),
        success="已保存",
        to=reverse("liaison:visit", args=[visit.pk]),
    ):
        return done
    return render(
        request,
        "liaison/visit_form.html",
        {"form": form, "org": org, "visit": visit, "title": "修改走访记录", "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_delete(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    require_manager(request.user, visit.organization)
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_visit(request.user, visit),
            success="已删除该走访记录",
            to="liaison:visits",
            back=reverse("liaison:visit", args=[visit.pk]),
        )
    return render(
        request,
        "liaison/visit_delete.html",
        {"visit": visit, "problem_count": visit.problems.count(), "active_nav": "liaison"},
    )


@login_required
@require_POST
def problem_add(request, pk):
    visit = get_visible_or_404(request.user, Visit.objects.select_related("organization"), pk=pk)
    form = ProblemForm(request.POST, prefix="new")
    if not (form.is_valid() and form.cleaned_data):
        errors = [e for errs in form.errors.values() for e in errs] or ["请填写问题内容"]
        messages.error(request, "；".join(errors))
        return redirect("liaison:visit", pk=visit.pk)
    return pages.button_action(
        request,
        lambda: services.add_problem(request.user, visit, **form.cleaned_data),
        success=lambda problem: (
            f"已添加问题，并转为群众诉求 {problem.request.ticket}" if problem.outcome == rules.PASSED else "已添加问题"
        ),
        to=reverse("liaison:visit", args=[visit.pk]),
    )


@login_required
@require_POST
def problem_solve(request, pk):
    problem = get_visible_or_404(request.user, Problem.objects.select_related("visit"), pk=pk)
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明怎样解决的")
        return redirect("liaison:visit", pk=problem.visit_id)
    return pages.button_action(
        request,
        lambda: services.solve_problem(request.user, problem, solution=form.cleaned_data["solution"]),
        success="已记为当场解决",
        to=reverse("liaison:visit", args=[problem.visit_id]),
    )


@login_required
@require_POST
def problem_pass_on(request, pk):
    problem = get_visible_or_404(request.user, Problem.objects.select_related("visit"), pk=pk)
    return pages.button_action(
        request,
        lambda: services.pass_on_problem(request.user, problem),
        success=lambda passed: f"已转为群众诉求 {passed.request.ticket}，由诉求系统分派办理",
        to=reverse("liaison:visit", args=[problem.visit_id]),
    )


@login_required
def photo(request, pk):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    item = get_visible_or_404(request.user, VisitPhoto.objects.all(), pk=pk)
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)
