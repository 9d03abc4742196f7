"""The cadre register: the list and its export, one cadre's page (posts, history, mentors,
filing, assessments), the forms of each write, and the one audited view of a full ID number."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import exports, pages, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, require_manager, require_staff, visible
from jiceng.members.rules import age_on

from .. import queries, services
from ..filters import CadreFilter
from ..forms import CadreForm, EndForm, FilingForm, LeaveForm, MentorshipForm
from ..models import AssessmentRound, Mentorship, VillageCadre

STAFF_ONLY = "村干部信息供党组织工作人员使用"
NAV = "cadres"


def filtered(request) -> CadreFilter:
    require_staff(request.user, STAFF_ONLY)
    qs = queries.visible_cadres(request.user).select_related("village", "village__parent")
    f = CadreFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


def ordered(f: CadreFilter):
    qs = f.qs  # validates the form
    return qs if f.form.cleaned_data.get("ordering") else queries.committee_order(qs)


@login_required
def cadre_list(request):
    f = filtered(request)
    context = {"filter": f, "export_url": "export/", "can_create": can_manage(request.user), "active_nav": NAV}
    context.update(paginate(request, ordered(f)))
    return render(request, "cadres/list.html", context)


EXPORT_HEADERS = ["姓名", "性别", "出生日期", "学历", "公民身份号码", "联系电话", "党员", "村（社区）", "所属乡镇"]
EXPORT_HEADERS += ["职务", "任职开始", "届期结束", "状态", "离任日期", "书记人才库", "县级备案日期"]


@login_required
@exports.deferrable
def cadre_export(request):
    f = filtered(request)
    rows = (
        (
            c.name,
            c.get_gender_display(),
            c.birth_date,
            c.get_education_display(),
            c.id_number_masked,
            c.masked_phone,
            "是" if c.member_id else "否",
            c.village.name,
            c.village.parent.name if c.village.parent_id else "",
            c.get_post_display(),
            c.term_starts_on,
            c.term_ends_on,
            c.get_state_display(),
            c.left_on,
            "是" if c.in_talent_pool else "",
            c.filed_on,
        )
        for c in ordered(f).iterator(chunk_size=2000)
    )
    return exports.ExportFile(
        "村干部名册",
        rows=f.qs,
        build=lambda: xlsx.build_workbook("村干部名册", EXPORT_HEADERS, rows, notes=["公民身份号码和联系电话已脱敏。"]),
    )


def _cadre(request, pk, *, manage=False) -> VillageCadre:
    require_staff(request.user, STAFF_ONLY)
    qs = VillageCadre.objects.select_related("village", "village__parent", "member", "filed_by")
    cadre = get_visible_or_404(request.user, qs, pk=pk)
    if manage:
        require_manager(request.user, cadre.village)
    return cadre


@login_required
def cadre_detail(request, pk):
    cadre = _cadre(request, pk)
    today = timezone.localdate()
    assessments = list(cadre.assessments.select_related("round").order_by("-round__year", "-round__quarter"))
    rounds = AssessmentRound.objects.filter(pk__in=[a.round_id for a in assessments])
    seen = set(visible(request.user, rounds).values_list("pk", flat=True))  # a village does not see the round
    for a in assessments:
        a.round_visible = a.round_id in seen
    return render(
        request,
        "cadres/detail.html",
        {
            "cadre": cadre,
            "age": age_on(cadre.birth_date, today),
            "changes": cadre.changes.select_related("recorded_by"),
            "mentorships": cadre.mentorships.all(),
            "assessments": assessments,
            "tasks": cadre.streak_tasks.select_related("round", "decider"),
            "can_manage": can_manage(request.user, cadre.village),
            "can_file": cadre.is_secretary and services.can_file(request.user),
            "can_reveal": services.can_reveal(request.user),
            "leave_form": style_form(LeaveForm(initial={"on": today})),
            "filing_form": style_form(FilingForm(initial={"filed_on": today})),
            "end_form": style_form(EndForm(initial={"ends_on": today})),
            "active_nav": NAV,
        },
    )


def _form_page(request, form, title, back, note=""):
    context = {"form": form, "title": title, "back": back, "note": note, "active_nav": NAV}
    return render(request, "cadres/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cadre_create(request):
    require_staff(request.user, STAFF_ONLY)
    require_manager(request.user)
    initial = {"village": request.GET.get("village"), "term_starts_on": timezone.localdate()}
    form = CadreForm(request.POST or None, user=request.user, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_cadre(request.user, **data),
        success=lambda c: f"已登记村干部：{c}",
        to=lambda c: reverse("cadres:detail", args=[c.pk]),
    ):
        return done
    return _form_page(request, form, "登记村干部", reverse("cadres:list"))


@login_required
@require_http_methods(["GET", "POST"])
def cadre_edit(request, pk):
    cadre = _cadre(request, pk, manage=True)
    form = CadreForm(request.POST or None, instance=VillageCadre.objects.get(pk=cadre.pk), user=request.user,
                     editing=True)  # fmt: skip

    def save(data):
        data = dict(data)
        return services.update_cadre(request.user, cadre, id_number=data.pop("id_number") or None, **data)

    back = reverse("cadres:detail", args=[cadre.pk])
    if done := pages.form_action(request, form, save, success="已保存", to=back):
        return done
    return _form_page(request, form, f"修改 {cadre}", back, note="职务调整会记入任职变动历史。")


def _posted(request, form_class, message: str, back: str):
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, message)
        return None
    return form.cleaned_data


@login_required
@require_POST
def cadre_leave(request, pk):
    cadre = _cadre(request, pk, manage=True)
    back = reverse("cadres:detail", args=[cadre.pk])
    data = _posted(request, LeaveForm, "请填写离任日期和原因", back)
    if data is None:
        return redirect(back)
    return pages.button_action(
        request, lambda: services.cadre_leaves(request.user, cadre, **data), success="已登记离任，并记入历史", to=back
    )


@login_required
@require_POST
def cadre_delete(request, pk):
    cadre = _cadre(request, pk, manage=True)
    return pages.button_action(
        request,
        lambda: services.delete_cadre(request.user, cadre, reason="登记错误"),
        success=f"已删除 {cadre.name} 的记录",
        to=reverse("cadres:list"),
        back=reverse("cadres:detail", args=[cadre.pk]),
    )


@login_required
@require_POST
def cadre_file(request, pk):
    cadre = _cadre(request, pk, manage=True)
    back = reverse("cadres:detail", args=[cadre.pk])
    data = _posted(request, FilingForm, "请填写备案日期", back)
    if data is None:
        return redirect(back)
    return pages.button_action(
        request, lambda: services.file_secretary(request.user, cadre, **data), success="已县级备案", to=back
    )


@login_required
@require_POST
def cadre_reveal(request, pk):
    cadre = _cadre(request, pk)
    number = services.reveal_id_number(request.user, cadre)
    return render(request, "cadres/full_id.html", {"number": number, "cadre": cadre, "active_nav": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def mentorship_create(request, pk):
    cadre = _cadre(request, pk, manage=True)
    form = MentorshipForm(request.POST or None)
    back = reverse("cadres:detail", args=[cadre.pk])
    if done := pages.form_action(
        request, form, lambda data: services.add_mentorship(request.user, cadre, **data), success="已登记导师帮带",
        to=back,
    ):  # fmt: skip
        return done
    return _form_page(request, form, f"导师帮带 · {cadre}", back, note="为新任书记明确一名帮带导师，帮带期一般为一年。")


@login_required
@require_POST
def mentorship_end(request, pk):
    require_staff(request.user, STAFF_ONLY)
    pairing = get_visible_or_404(request.user, Mentorship.objects.select_related("mentee__village"), pk=pk)
    require_manager(request.user, pairing.mentee.village)
    back = reverse("cadres:detail", args=[pairing.mentee_id])
    data = _posted(request, EndForm, "请填写结束日期", back)
    if data is None:
        return redirect(back)
    return pages.button_action(
        request, lambda: services.end_mentorship(request.user, pairing, **data), success="帮带已结束", to=back
    )
