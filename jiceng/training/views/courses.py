"""Courses (培训班): the list and its export, new / edit / delete, the course page with its
roster-and-attendance matrix (and export), and enrollment: 报名 and 移出名单."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, scoping, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import get_visible_or_404, require_manager, require_staff
from jiceng.members.models import Member

from .. import queries, rules, services
from ..filters import CourseFilter, TraineeFilter
from ..forms import CourseForm
from ..models import Course, Enrollment
from ._common import NAV, course_or_404, form_page, orgs_for


def _courses(request):
    require_staff(request.user)
    qs = queries.with_counts(queries.visible_training(request.user, Course.objects.all()))
    f = CourseFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


def _detail_url(course_pk) -> str:
    return reverse("training:course_detail", args=[course_pk])


@login_required
def course_list(request):
    f = _courses(request)
    qs = f.qs if request.GET.get("ordering") else f.qs.order_by("-year", "organizer__path", "title", "id")
    context = {
        "filter": f,
        "export_url": reverse("training:course_export"),
        "can_create": getattr(request.user, "can_manage", False) or request.user.is_superuser,
        "active_nav": NAV,
    }
    context.update(paginate(request, qs))
    return render(request, "training/course_list.html", context)


@login_required
def course_export(request):
    f = _courses(request)
    rows = (
        (
            c.year,
            c.title,
            c.get_kind_display(),
            c.organizer.name,
            c.first_session,
            c.session_count,
            c.trainee_count,
            c.class_size_limit or "不限",
        )
        for c in f.qs.order_by("-year", "organizer__path", "title", "id")
    )
    headers = ["年度", "培训班", "类别", "主办组织", "开班日期", "课次", "学员数", "人数上限"]
    return xlsx.xlsx_response("培训班", xlsx.build_workbook("培训班", headers, rows))


def _course_form(request, instance=None, initial=None):
    return CourseForm(request.POST or None, instance=instance, initial=initial, organizations=orgs_for(request))


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    require_staff(request.user)
    require_manager(request.user)
    rule_set = queries.current_settings()
    initial = {
        "year": timezone.localdate().year,
        "organizer": request.user.organization_id,
        "class_size_limit": rule_set.class_size_max,
        "kind": Course.Kind.ACADEMY,
    }
    form = _course_form(request, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_course(request.user, **data),
        success=lambda course: f"已新建培训班：{course.title}。下一步：安排课次、报名学员。",
        to=lambda course: _detail_url(course.pk),
    ):
        return done
    return render(
        request,
        "training/form.html",
        {
            "form": form,
            "title": "新建培训班",
            "active_nav": NAV,
            "note": f"书记学院每班不超过 {rule_set.class_size_max} 人；其他培训班可不设上限。",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk):
    course = course_or_404(request, pk)
    require_manager(request.user, course.organizer)
    form = _course_form(request, instance=Course.objects.get(pk=course.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_course(request.user, course, **data),
        success="已保存",
        to=_detail_url(course.pk),
    ):
        return done
    return form_page(request, form, f"编辑：{course.title}", _detail_url(course.pk))


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, pk):
    course = course_or_404(request, pk)
    require_manager(request.user, course.organizer)
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_course(request.user, course),
            success=f"已删除培训班：{course.title}",
            to="training:courses",
            back=_detail_url(course.pk),
        )
    return render(
        request,
        "training/confirm.html",
        {
            "title": f"删除培训班：{course.title}",
            "message": "删除后不能恢复。只有没有课次、学员和考试的培训班才能删除。",
            "back": _detail_url(course.pk),
            "active_nav": NAV,
        },
    )


@login_required
def course_detail(request, pk):
    course = course_or_404(request, pk)
    rule_set = queries.current_settings()
    enrollments = queries.visible_training(request.user, Enrollment.objects.filter(course=course))
    matrix = queries.course_matrix(course, enrollments, rule_set)
    recorded = sum(1 for r in matrix.rows for c in r.cells if c is not None)
    attended = sum(r.attended for r in matrix.rows)
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "matrix": matrix,
            "trainees": len(matrix.rows),
            "attendance_rate": rules.rate(attended, recorded),
            "recorded": recorded,
            "attended": attended,
            "can_manage": scoping.can_manage(request.user, course.organizer),
            "full": course.class_size_limit is not None and len(matrix.rows) >= course.class_size_limit,
            "rules": rule_set,
            "now": timezone.now(),
            "active_nav": NAV,
        },
    )


@login_required
def course_export_matrix(request, pk):
    course = course_or_404(request, pk)
    rule_set = queries.current_settings()
    matrix = queries.course_matrix(
        course, queries.visible_training(request.user, Enrollment.objects.filter(course=course)), rule_set
    )
    headers = ["学员编号", "姓名", "所在党组织"]
    headers += [f"{s.on:%m-%d} {s.topic}" for s in matrix.sessions]
    headers += ["出勤", "迟到早退", "请假", "无故缺课", "缺课（含折算）", "出勤学时"]
    headers += [f"{x.title}（及格 {x.pass_mark.normalize():f}）" for x in matrix.exams]
    rows = []
    for r in matrix.rows:
        line = [r.enrollment.pk, r.enrollment.member.name, r.enrollment.organization.name]
        line += [c.get_status_display() if c else "未登记" for c in r.cells]
        line += [r.attended, r.lateness, r.excused, r.unexcused, r.missed, r.hours]
        line += [s.score if s else "" for s in r.scores]
        rows.append(line)
    notes = [
        f"{course.title}（{course.organizer.name}，{course.year}年）",
        f"缺课 = 请假 + 无故缺课 + 迟到早退每 {rule_set.lateness_per_missed_lesson} 次折算 1 次（本班范围）。",
    ]
    return xlsx.xlsx_response(f"{course.title}-名册与出勤", xlsx.build_workbook("名册与出勤", headers, rows, notes))


# ---- enrollment ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enroll(request, pk):
    course = course_or_404(request, pk)
    require_manager(request.user, course.organizer)
    if request.method == "POST":
        ids = [pk for pk in map(params.int_or_none, request.POST.getlist("member")) if pk is not None]
        members = list(
            queries.visible_training(request.user, Member.objects.filter(pk__in=ids)).select_related("organization")
        )

        def enroll_picked():
            if len(members) != len(set(ids)):
                raise ValidationError("所选党员中有不在您管理范围内的人员")
            return services.enroll(request.user, course, members)

        return pages.button_action(
            request,
            enroll_picked,
            success=lambda created: f"已报名 {len(created)} 人：" + "、".join(e.member.name for e in created),
            to=_detail_url(course.pk),
            back=f"{reverse('training:enroll', args=[course.pk])}?{request.POST.get('query', '')}",
        )
    candidates = queries.visible_training(
        request.user,
        Member.objects.filter(course.organizer.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES),
    ).select_related("organization")
    f = TraineeFilter(request.GET, queryset=candidates, request=request)
    f.form.fields["organization"].widget.attrs["hidden"] = True
    style_form(f.form)
    orgs = orgs_for(request, within=course.organizer)
    picked_org = request.GET.get("organization", "")
    filtered = f.qs.order_by("organization__path", "name_pinyin", "id")
    enrolled = set(course.enrollments.values_list("member_id", flat=True))
    shown = list(filtered[:201])
    count = course.enrollments.count()
    room = None if course.class_size_limit is None else max(0, course.class_size_limit - count)
    return render(
        request,
        "training/enroll.html",
        {
            "course": course,
            "filter": f,
            "orgs": orgs,
            "picked_org": picked_org,
            "candidates": shown[:200],
            "more": len(shown) > 200,
            "enrolled": enrolled,
            "count": count,
            "room": room,
            "query": request.GET.urlencode(),
            "active_nav": NAV,
        },
    )


@login_required
@require_POST
def withdraw(request, pk):
    require_staff(request.user)
    enrollment = get_visible_or_404(
        request.user, Enrollment.objects.select_related("course__organizer", "member"), pk=pk
    )
    return pages.button_action(
        request,
        lambda: services.withdraw(request.user, enrollment),
        success=f"已将 {enrollment.member.name} 移出名单",
        to=_detail_url(enrollment.course_id),
    )
