"""The quarterly assessment: the rounds of the user's townships, one round's table (every cadre
in post, their points by dimension and grade), the scoring form of one cadre, closing the round
(which raises the streak tasks), the tasks with their decider and decision, and the scheme."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import (
    can_manage,
    can_review,
    get_visible_or_404,
    require_county_admin,
    require_level_above,
    require_manager,
    require_staff,
    visible,
)

from .. import queries, services
from ..forms import DeciderForm, DecisionForm, RoundForm, SchemeForm, score_form
from ..models import AssessmentRound, AssessmentScheme, StreakTask, VillageCadre
from .cadres import NAV, STAFF_ONLY


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    require_staff(request.user, STAFF_ONLY)
    rounds = visible(request.user, AssessmentRound.objects.select_related("township", "scheme"))
    form = RoundForm(request.POST or None, user=request.user) if can_manage(request.user) else None
    if request.method == "POST":
        require_manager(request.user)
        if done := pages.form_action(
            request,
            form,
            lambda data: services.open_round(
                request.user, data["township"], year=data["year"], quarter=data["quarter"]
            ),
            success=lambda r: f"已开始{r}",
            to=lambda r: reverse("cadres:round", args=[r.pk]),
        ):
            return done
    context = {"form": form, "active_nav": NAV}
    context.update(paginate(request, rounds.order_by("-year", "-quarter", "township__path")))
    return render(request, "cadres/rounds.html", context)


def _round(request, pk) -> AssessmentRound:
    require_staff(request.user, STAFF_ONLY)
    return get_visible_or_404(request.user, AssessmentRound.objects.select_related("township", "scheme"), pk=pk)


@login_required
def round_detail(request, pk):
    round = _round(request, pk)
    dimensions = list(round.scheme.dimensions.all())
    cadres = list(queries.round_cadres(round))
    assessments = {a.cadre_id: a for a in round.assessments.prefetch_related("scores")}
    rows = []
    for cadre in cadres:
        a = assessments.get(cadre.pk)
        points = {s.dimension_id: s for s in a.scores.all()} if a else {}
        rows.append({"cadre": cadre, "assessment": a, "scores": [points.get(d.pk) for d in dimensions]})
    return render(
        request,
        "cadres/round.html",
        {
            "round": round,
            "dimensions": dimensions,
            "rows": rows,
            "scored": sum(1 for r in rows if r["assessment"]),
            "can_manage": can_manage(request.user, round.township),
            "tasks": round.streak_tasks.select_related("cadre", "decider"),
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def score_cadre(request, pk, cadre_pk):
    round = _round(request, pk)
    cadre = get_visible_or_404(request.user, VillageCadre.objects.select_related("village"), pk=cadre_pk)
    if cadre.village.parent_id != round.township_id:
        raise Http404("该村干部不属于本乡镇")
    require_manager(request.user, round.township)
    require_level_above(request.user, cadre.village, services.SCORE_ONLY_LEVEL_ABOVE)
    dimensions = list(round.scheme.dimensions.all())
    computed = queries.computed_points(round).get(cadre.village_id, {})
    existing = round.assessments.filter(cadre=cadre).first()
    initial = (
        {s.dimension.code: (s.points, s.evidence) for s in existing.scores.select_related("dimension")}
        if existing
        else {}
    )
    form = score_form(dimensions, computed, request.POST or None, initial=initial)
    back = reverse("cadres:round", args=[round.pk])
    if request.method == "POST" and form.is_valid():
        manual = {
            d.code: (form.cleaned_data[f"{d.code}-points"], form.cleaned_data[f"{d.code}-evidence"])
            for d in dimensions
            if f"{d.code}-points" in form.fields
        }
        if done := pages.form_action(
            request,
            form,
            lambda data: services.score(request.user, round, cadre, manual=manual, computed=computed),
            success=lambda a: f"已评分：{cadre.name} {a.total} 分，{a.get_grade_display()}",
            to=back,
        ):
            return done
    return render(
        request,
        "cadres/score.html",
        {
            "round": round,
            "cadre": cadre,
            "form": form,
            "computed": [(d, computed[d.code]) for d in dimensions if d.source and d.code in computed],
            "back": back,
            "active_nav": NAV,
        },
    )


@login_required
@require_POST
def round_close(request, pk):
    round = _round(request, pk)
    require_manager(request.user, round.township)
    back = reverse("cadres:round", args=[round.pk])

    def close():
        return services.close_round(request.user, round)

    return pages.button_action(
        request, close, success=lambda tasks: f"本季度考核已完成，新列入事项 {len(tasks)} 项", to=back
    )


@login_required
def task_list(request):
    require_staff(request.user, STAFF_ONLY)
    tasks = visible(request.user, StreakTask.objects.select_related("cadre__village", "round", "decider", "decided_by"))
    state = request.GET.get("decision")
    if state in StreakTask.Decision.values:
        tasks = tasks.filter(decision=state)
    context = {
        "decision": state,
        "active_nav": NAV,
        "form": style_form(DecisionForm()),
        # The choices read once for every row's select (a form field would query per row).
        "deciders": [(u.pk, str(u)) for u in DeciderForm(user=request.user).fields["decider"].queryset],
    }
    context.update(paginate(request, tasks.order_by("decision", "-round__year", "-round__quarter", "pk")))
    for task in context["rows"]:
        task.can_decide = task.decision == "pending" and services.can_decide(request.user, task)
        task.can_assign = task.decision == "pending" and can_review(request.user, task.cadre.village)
    return render(request, "cadres/tasks.html", context)


@login_required
@require_POST
def task_decide(request, pk):
    require_staff(request.user, STAFF_ONLY)
    task = get_visible_or_404(request.user, StreakTask.objects.select_related("cadre__village"), pk=pk)
    require_manager(request.user, task.cadre.village)
    form = DecisionForm(request.POST)
    back = reverse("cadres:tasks")

    def decide():
        if not form.is_valid():
            raise ValidationError("请选择同意或不同意，并填写决定说明")
        return services.decide(request.user, task, **form.cleaned_data)

    return pages.button_action(request, decide, success="已记录决定", to=back)


@login_required
@require_POST
def task_decider(request, pk):
    require_staff(request.user, STAFF_ONLY)
    task = get_visible_or_404(request.user, StreakTask.objects.select_related("cadre__village"), pk=pk)
    require_manager(request.user, task.cadre.village)
    form = DeciderForm(request.POST, user=request.user)

    def assign():
        if not form.is_valid():
            raise ValidationError("请选择决定人")
        return services.assign_decider(request.user, task, decider=form.cleaned_data["decider"])

    return pages.button_action(request, assign, success="已指定决定人", to=reverse("cadres:tasks"))


@login_required
@require_http_methods(["GET", "POST"])
def scheme_create(request):
    """A new version of the scheme, from the latest one (county admins)."""
    require_county_admin(request.user)
    latest = AssessmentScheme.objects.order_by("-valid_from").first()
    form = SchemeForm(request.POST or None, latest=latest, sources=services.component_names())

    def save(data):
        fields = {k: data[k] for k in ("valid_from", "name", "excellent_from", "competent_from", "basic_from")}
        return services.create_scheme(
            request.user, dimensions=form.dimension_rows(), streak=data["streak"], note=data["note"], **fields
        )

    if done := pages.form_action(request, form, save, success=lambda s: f"已制定{s}", to=reverse("cadres:scheme")):
        return done
    note = "新版本从所填季度起用；已开展的考核保留原版本。各维度分值合计应为 100 分。"
    context = {"form": form, "title": "制定考核办法新版本", "back": reverse("cadres:scheme"), "note": note}
    return render(request, "cadres/form.html", {**context, "active_nav": NAV})


@login_required
def scheme_page(request):
    require_staff(request.user, STAFF_ONLY)
    schemes = AssessmentScheme.objects.prefetch_related("dimensions").order_by("-valid_from")
    return render(
        request,
        "cadres/scheme.html",
        {
            "schemes": schemes,
            "components": services.component_names(),
            "can_create": services.can_file(request.user),
            "active_nav": NAV,
        },
    )
