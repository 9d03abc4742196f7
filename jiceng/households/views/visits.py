"""Visit logs (帮扶日志): record a visit to a household (a phone-width form with photos), its page
with the photos and notes, the edit until the lock, the notes after it, and the photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, uploads
from jiceng.core.scoping import can_manage, get_visible_or_404, require_manager, require_staff

from .. import services
from ..forms import NoteForm, PassOnForm, VisitForm
from ..models import HouseholdsSettings, Visit, VisitPhoto, VisitProblem
from .households import NAV, STAFF_ONLY, _household


def _visit(request, pk, *, manage=False) -> Visit:
    require_staff(request.user, STAFF_ONLY)
    visit = get_visible_or_404(
        request.user, Visit.objects.select_related("household__village", "cadre", "pair", "recorded_by"), pk=pk
    )
    if manage:
        require_manager(request.user, visit.household.village)
    return visit


def _visit_form_page(request, form, title, household):
    return render(
        request,
        "households/visit_form.html",
        {"form": form, "title": title, "household": household, "active_nav": NAV},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, pk):
    household = _household(request, pk, manage=True)
    current = household.pairs.filter(ends_on__isnull=True).values_list("cadre_id", flat=True).first()
    initial = {"cadre": current, "visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = VisitForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)

    def save(data):
        data = dict(data)
        return services.record_visit(request.user, household, photos=data.pop("photos", []), **data)

    if done := pages.form_action(
        request,
        form,
        save,
        success=lambda v: "已登记走访" + ("（补录）" if v.late else ""),
        to=lambda v: reverse("households:visit", args=[v.pk]),
    ):
        return done
    return _visit_form_page(request, form, f"登记走访 · {household}", household)


@login_required
def visit_detail(request, pk):
    visit = _visit(request, pk)
    config = HouseholdsSettings.current()
    manager = can_manage(request.user, visit.household.village)
    return render(
        request,
        "households/visit_detail.html",
        {
            "visit": visit,
            "photos": visit.photos.all(),
            "notes": visit.notes.select_related("written_by"),
            "can_manage": manager,
            "can_edit": manager and services.editable(visit),
            "edit_days": config.visit_edit_days,
            "note_form": NoteForm(),
            "problems": visit.raised.select_related("request"),
            "pass_form": PassOnForm(),
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk):
    visit = _visit(request, pk, manage=True)
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        instance=Visit.objects.get(pk=visit.pk),
        user=request.user,
        editing=True,
    )

    def save(data):
        data = dict(data)
        return services.update_visit(request.user, visit, photos=data.pop("photos", []), **data)

    if done := pages.form_action(
        request, form, save, success="已保存", to=reverse("households:visit", args=[visit.pk])
    ):
        return done
    return _visit_form_page(request, form, f"修改走访记录 · {visit.household}", visit.household)


@login_required
@require_POST
def visit_note(request, pk):
    visit = _visit(request, pk, manage=True)
    form = NoteForm(request.POST)
    back = reverse("households:visit", args=[visit.pk])
    return pages.button_action(
        request,
        lambda: services.annotate_visit(request.user, visit, text=form.data.get("text", "")),
        success="已添加补充说明",
        to=back,
    )


@login_required
@require_POST
def problem_pass_on(request, pk):
    """One action: the problem becomes a resident's request in the request system."""
    require_staff(request.user, STAFF_ONLY)
    problem = get_visible_or_404(request.user, VisitProblem.objects.select_related("visit__household__village"), pk=pk)
    require_manager(request.user, problem.visit.household.village)
    back = reverse("households:visit", args=[problem.visit_id])
    form = PassOnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择诉求类别和类型")
        return redirect(back)
    return pages.button_action(
        request,
        lambda: services.pass_on_problem(request.user, problem, **form.cleaned_data),
        success=lambda p: f"已转为群众诉求 {p.request.ticket}，由诉求系统分派办理",
        to=back,
        back=back,
    )


@login_required
def visit_photo(request, pk):
    require_staff(request.user, STAFF_ONLY)
    item = get_visible_or_404(request.user, VisitPhoto.objects.all(), pk=pk)
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)
