"""Training record cards (学分卡): a member's card for a year (annual hours and credits, with
self-study records added on it), the list of cards and its export, and the study records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import exports, pages, params, scoping, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import get_visible_or_404, is_member_role, page_root, require_manager, require_staff
from jiceng.members.models import Member

from .. import queries, rules, services
from ..filters import StudyFilter, TraineeFilter
from ..forms import StudyForm
from ..models import Course, Enrollment, OrganizationDemerit, Session, StudyRecord
from ._common import year_asked, years_around


def _trainees(request):
    require_staff(request.user)
    qs = queries.visible_training(
        request.user, Member.objects.filter(status__in=Member.ACTIVE_STATUSES).select_related("organization")
    )
    f = TraineeFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


def _card_url(member_pk, year: int) -> str:
    return f"{reverse('training:card', args=[member_pk])}?year={year}"


@login_required
def my_card(request):
    if not request.user.member_id:
        raise Http404("账号未关联党员档案")
    url = reverse("training:card", args=[request.user.member_id])
    year = params.int_or_none(request.GET.get("year"))
    # Keep the year asked for: in January a member reads last year's card through this link.
    return redirect(f"{url}?year={year}" if year is not None else url)


@login_required
def card_list(request):
    f = _trainees(request)
    year = year_asked(request)
    context = paginate(request, f.qs.order_by("organization__path", "name_pinyin", "id"))
    rule_set = queries.current_settings()
    members = list(context["rows"])
    cards = queries.cards_for_members(request.user, [m.pk for m in members], year, rule_set)
    empty = rules.credit_card(year, (), (), (), rule_set)
    context.update(
        {
            "filter": f,
            "year": year,
            "years": years_around(year),
            "rows": [(m, cards.get(m.pk, empty)) for m in members],
            "export_url": reverse("training:card_export"),
            "rules": rule_set,
            "active_nav": "training_cards",
        }
    )
    return render(request, "training/card_list.html", context)


@login_required
@exports.deferrable
def card_export(request):
    f = _trainees(request)
    year = year_asked(request)
    rule_set = queries.current_settings()
    scope_path = page_root(request, choose=False).path

    def rows():
        # One read of the scope's records for the year, then every member's card from it.
        facts = queries.facts_in_subtree(request.user, scope_path, year)
        cards = queries.cards_from(facts, year, rule_set, with_lines=False)
        empty = rules.credit_card(year, (), (), (), rule_set)
        for m in f.qs.order_by("organization__path", "name_pinyin", "id").iterator(chunk_size=2000):
            yield _card_row(m, cards.get(m.pk, empty))

    headers = [
        "姓名",
        "所在党组织",
        "出勤课次",
        "登记课次",
        "出勤率(%)",
        "迟到早退",
        "请假",
        "无故缺课",
        "缺课（含折算）",
        "出勤学时",
        "自学学时",
        "合计学时",
        f"达到{rule_set.annual_hours_target}学时",
        "出勤学分",
        "学习学分",
        "考试学分",
        "总学分",
        "考试及格/参加",
    ]
    notes = [
        f"{year}年学分卡。学分规则：每出勤1学时 {rule_set.credits_per_class_hour} 分，每自学1学时 "
        f"{rule_set.credits_per_study_hour} 分，每通过1次考试 {rule_set.credits_per_passed_exam} 分。"
    ]
    return exports.ExportFile(
        f"{year}年学分卡", rows=f.qs, build=lambda: xlsx.build_workbook(f"{year}年学分卡", headers, rows(), notes)
    )


def _card_row(m, c) -> tuple:
    return (
        m.name,
        m.organization.name,
        c.sessions_attended,
        c.sessions_recorded,
        c.attendance_rate if c.attendance_rate is not None else "",
        c.lateness,
        c.excused,
        c.unexcused,
        c.missed_lessons,
        c.attended_hours,
        c.study_hours,
        c.total_hours,
        "是" if c.target_met else "否",
        c.attendance_credits,
        c.study_credits,
        c.exam_credits,
        c.total_credits,
        f"{c.exams_passed}/{c.exams_taken}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def card(request, member_pk):
    member = get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=member_pk)
    year = year_asked(request)
    can_manage = not is_member_role(request.user) and scoping.can_manage(request.user, member.organization)
    study_form = StudyForm(request.POST or None, initial={"on": timezone.localdate(), "source": "online"})
    if request.method == "POST":
        require_manager(request.user, member.organization)
        if is_member_role(request.user):
            raise PermissionDenied("当前角色只能查看，不能修改")
    if done := pages.form_action(
        request,
        study_form,
        lambda data: services.add_study_record(request.user, member, **data),
        success="已登记学习记录",
        to=lambda record: _card_url(member.pk, record.on.year),
    ):
        return done
    rule_set = queries.current_settings()
    card_data = queries.member_card(request.user, member, year, rule_set)
    visible_courses = set(
        queries.visible_training(
            request.user,
            Course.objects.filter(pk__in={ln.ref.get("course") for ln in card_data.lines if ln.ref.get("course")}),
        ).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    upcoming = list(
        queries.visible_training(request.user, Enrollment.objects.filter(member=member)).values_list(
            "course_id", flat=True
        )
    )
    upcoming_sessions = list(
        Session.objects.filter(course_id__in=upcoming, on__gte=today).select_related("course", "venue")[:10]
    )
    return render(
        request,
        "training/card.html",
        {
            "member": member,
            "year": year,
            "years": years_around(year),
            "card": card_data,
            "rules": rule_set,
            "visible_courses": visible_courses,
            "upcoming": upcoming_sessions,
            "can_manage": can_manage,
            "study_form": study_form,
            "demerits": queries.visible_training(
                request.user, OrganizationDemerit.objects.filter(member=member)
            ).select_related("organization"),
            "active_nav": "training_cards",
        },
    )


# ---- study records ------------------------------------------------------------------------


def _studies(request):
    require_staff(request.user)
    qs = queries.visible_training(request.user, StudyRecord.objects.select_related("member__organization"))
    f = StudyFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


@login_required
def study_list(request):
    f = _studies(request)
    context = {"filter": f, "export_url": reverse("training:study_export"), "active_nav": "training_study"}
    context.update(paginate(request, f.qs))
    return render(request, "training/study_list.html", context)


@login_required
@exports.deferrable
def study_export(request):
    f = _studies(request)
    rows = (
        (s.on, s.member.name, s.member.organization.name, s.get_source_display(), s.title, s.hours)
        for s in f.qs.iterator(chunk_size=2000)
    )
    headers = ["日期", "姓名", "所在党组织", "方式", "学习内容", "学时"]
    # Measured at 2–2.5 times a plain row's cost (16,496 county rows: 5.7–8 s on a loaded machine).
    return exports.ExportFile(
        "学习记录", rows=f.qs, build=lambda: xlsx.build_workbook("学习记录", headers, rows), weight=2
    )


@login_required
@require_POST
def study_delete(request, pk):
    require_staff(request.user)
    record = get_visible_or_404(request.user, StudyRecord.objects.select_related("member__organization"), pk=pk)
    services.delete_study_record(request.user, record)
    messages.success(request, "已删除学习记录")
    return redirect(_card_url(record.member_id, record.on.year))
