"""Training pages. Querysets come through `queries.scoped()` (data scope, and members see
only their own records); every change goes through `services`."""

from __future__ import annotations

import base64
import io
import secrets
import uuid
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import params, qr, scoping, xlsx
from jiceng.core.pages import apply_validation_error, paginate, style_form
from jiceng.core.scoping import (
    get_visible_or_404,
    is_member_role,
    page_root,
    require_county_admin,
    require_manager,
    require_staff,
)
from jiceng.imports.base import ImportFileError
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import imports, queries, rules, services
from .filters import CourseFilter, DemeritFilter, StudyFilter, TraineeFilter, VenueFilter
from .forms import CourseForm, ExamForm, RulesForm, SessionForm, StudyForm, UploadForm, VenueForm
from .models import (
    Attendance,
    Course,
    Enrollment,
    Exam,
    OrganizationDemerit,
    Session,
    StudyRecord,
    TrainingRules,
    Venue,
)

NAV = "training"
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_SESSION_KEY = "training_pending_imports"
# Two characters each, so five buttons fit a phone's width.
BUTTONS = [("present", "出席"), ("late", "迟到"), ("early_leave", "早退"), ("excused", "请假"), ("unexcused", "旷课")]


def _year(request) -> int:
    value = params.int_or_none(request.GET.get("year"))
    if value is not None and 2000 <= value <= 2100:
        return value
    return timezone.localdate().year


def _years(year: int) -> list[int]:
    this = timezone.localdate().year
    return list(range(max(this, year), min(this, year) - 4, -1))


def _orgs(request, within: Organization | None = None):
    qs = queries.scoped(request.user, Organization.objects.all())
    if within is not None:
        qs = qs.filter(within.subtree_filter())
    return qs.exclude(type=Organization.Type.GROUP).order_by("path")


def _course(request, pk) -> Course:
    return get_visible_or_404(
        request.user, queries.scoped(request.user, Course.objects.select_related("organizer")), pk=pk
    )


def _session(request, pk) -> Session:
    return get_visible_or_404(
        request.user,
        queries.scoped(request.user, Session.objects.select_related("course__organizer", "venue")),
        pk=pk,
    )


def _exam(request, pk) -> Exam:
    return get_visible_or_404(
        request.user, queries.scoped(request.user, Exam.objects.select_related("course__organizer")), pk=pk
    )


# ---- courses ------------------------------------------------------------------------------


def _courses(request):
    require_staff(request.user)
    qs = queries.with_counts(queries.scoped(request.user, Course.objects.all()))
    f = CourseFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


def _form_page(request, form, title: str, back: str):
    """A course, session or exam form: the one form template, with its title and way back."""
    return render(request, "training/form.html", {"form": form, "title": title, "back": back, "active_nav": NAV})


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
    return CourseForm(request.POST or None, instance=instance, initial=initial, organizations=_orgs(request))


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    require_staff(request.user)
    require_manager(request.user)
    rule_set = queries.current_rules()
    initial = {
        "year": timezone.localdate().year,
        "organizer": request.user.organization_id,
        "class_size_limit": rule_set.class_size_max,
        "kind": Course.Kind.ACADEMY,
    }
    form = _course_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新建培训班：{course.title}。下一步：安排课次、报名学员。")
            return redirect("training:course_detail", pk=course.pk)
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
    course = _course(request, pk)
    require_manager(request.user, course.organizer)
    form = _course_form(request, instance=Course.objects.get(pk=course.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(request.user, course, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("training:course_detail", pk=course.pk)
    return _form_page(request, form, f"编辑：{course.title}", reverse("training:course_detail", args=[course.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, pk):
    course = _course(request, pk)
    require_manager(request.user, course.organizer)
    if request.method == "POST":
        try:
            services.delete_course(request.user, course)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("training:course_detail", pk=course.pk)
        messages.success(request, f"已删除培训班：{course.title}")
        return redirect("training:courses")
    return render(
        request,
        "training/confirm.html",
        {
            "title": f"删除培训班：{course.title}",
            "message": "删除后不能恢复。只有没有课次、学员和考试的培训班才能删除。",
            "back": reverse("training:course_detail", args=[course.pk]),
            "active_nav": NAV,
        },
    )


@login_required
def course_detail(request, pk):
    course = _course(request, pk)
    rule_set = queries.current_rules()
    enrollments = queries.scoped(request.user, Enrollment.objects.filter(course=course))
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
    course = _course(request, pk)
    rule_set = queries.current_rules()
    matrix = queries.course_matrix(
        course, queries.scoped(request.user, Enrollment.objects.filter(course=course)), rule_set
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
    course = _course(request, pk)
    require_manager(request.user, course.organizer)
    if request.method == "POST":
        ids = [pk for pk in map(params.int_or_none, request.POST.getlist("member")) if pk is not None]
        members = list(queries.scoped(request.user, Member.objects.filter(pk__in=ids)).select_related("organization"))
        try:
            if len(members) != len(set(ids)):
                raise ValidationError("所选党员中有不在您管理范围内的人员")
            created = services.enroll(request.user, course, members)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
            return redirect(f"{reverse('training:enroll', args=[course.pk])}?{request.POST.get('query', '')}")
        messages.success(request, f"已报名 {len(created)} 人：" + "、".join(e.member.name for e in created))
        return redirect("training:course_detail", pk=course.pk)
    candidates = queries.scoped(
        request.user,
        Member.objects.filter(course.organizer.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES),
    ).select_related("organization")
    f = TraineeFilter(request.GET, queryset=candidates, request=request)
    f.form.fields["organization"].widget.attrs["hidden"] = True
    style_form(f.form)
    orgs = _orgs(request, within=course.organizer)
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
    try:
        services.withdraw(request.user, enrollment)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已将 {enrollment.member.name} 移出名单")
    return redirect("training:course_detail", pk=enrollment.course_id)


# ---- sessions -----------------------------------------------------------------------------


def _venues(request):
    return queries.scoped(request.user, Venue.objects.all()).order_by("organization__path", "name")


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, pk):
    course = _course(request, pk)
    require_manager(request.user, course.organizer)
    last = course.sessions.order_by("-on", "-start_time").first()
    initial = {"class_hours": Decimal("2"), "start_time": "09:00", "end_time": "11:00"}
    if last:
        initial.update(venue=last.venue_id, place=last.place, start_time=last.start_time, end_time=last.end_time)
    form = SessionForm(request.POST or None, initial=initial, venues=_venues(request))
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(request.user, course, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已安排课次：{session.on:%Y-%m-%d} {session.topic}")
            return redirect("training:course_detail", pk=course.pk)
    return _form_page(request, form, f"安排课次：{course.title}", reverse("training:course_detail", args=[course.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    form = SessionForm(request.POST or None, instance=Session.objects.get(pk=session.pk), venues=_venues(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(request.user, session, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("training:session_detail", pk=session.pk)
    return _form_page(
        request, form, f"编辑课次：{session.topic}", reverse("training:session_detail", args=[session.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_delete(request, pk):
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    if request.method == "POST":
        try:
            services.delete_session(request.user, session)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("training:session_detail", pk=session.pk)
        messages.success(request, "已删除课次")
        return redirect("training:course_detail", pk=session.course_id)
    return render(
        request,
        "training/confirm.html",
        {
            "title": f"删除课次：{session.on:%Y-%m-%d} {session.topic}",
            "message": "只有尚未登记出勤的课次才能删除。",
            "back": reverse("training:session_detail", args=[session.pk]),
            "active_nav": NAV,
        },
    )


def _sign_in_url(request, session: Session) -> str:
    return request.build_absolute_uri(reverse("training:sign_in", args=[session.pk, session.sign_in_token]))


@login_required
def session_detail(request, pk):
    session = _session(request, pk)
    can_manage = scoping.can_manage(request.user, session.course.organizer)
    enrollments = list(
        queries.scoped(request.user, Enrollment.objects.filter(course_id=session.course_id)).select_related(
            "member", "organization"
        )
    )
    marks = {a.enrollment_id: a for a in session.attendances.all()}
    rows = [(e, marks.get(e.pk)) for e in enrollments]
    counts = {s: 0 for s in Attendance.Status.values}
    for a in marks.values():
        counts[a.status] += 1
    opens, closes = services.sign_in_window(session)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "rows": rows,
            "counts": [(Attendance.Status(s).label, n) for s, n in counts.items()],
            "unrecorded": sum(1 for _, a in rows if a is None),
            "can_manage": can_manage,
            "qr_svg": qr.svg(_sign_in_url(request, session)) if can_manage else "",
            "sign_in_url": _sign_in_url(request, session) if can_manage else "",
            "opens": opens,
            "closes": closes,
            "active_nav": NAV,
        },
    )


@login_required
def session_qr(request, pk):
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    return qr.png_response(_sign_in_url(request, session), f"session-{session.pk}-signin.png")


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    """The roster form: one row per trainee, five buttons each; works on a phone."""
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    enrollments = list(session.course.enrollments.select_related("member", "organization"))
    marks = {a.enrollment_id: a for a in session.attendances.all()}
    if request.method == "POST":
        submitted = {}
        for e in enrollments:
            status = request.POST.get(f"s{e.pk}", "")
            if status:
                submitted[e.pk] = (status, request.POST.get(f"n{e.pk}", ""))
        if not submitted:
            messages.error(request, "没有选择任何学员的出勤情况")
        else:
            try:
                changed = services.record_attendance(request.user, session, submitted)
            except ValidationError as exc:
                for m in exc.messages:
                    messages.error(request, m)
            else:
                messages.success(request, f"已保存出勤：{len(submitted)} 人（变更 {changed} 条）")
                return redirect("training:session_detail", pk=session.pk)
        marks = {eid: SimpleNamespace(status=s, note=n) for eid, (s, n) in submitted.items()}
    open_error = services.attendance_open_error(session, rules.PRESENT, timezone.now())
    return render(
        request,
        "training/attendance.html",
        {
            "session": session,
            "course": session.course,
            "rows": [(e, marks.get(e.pk)) for e in enrollments],
            "statuses": BUTTONS,
            "open_error": open_error,
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request, pk, token):
    """QR sign-in: a trainee opens the link on their phone within the session's window.

    The link is the key (with the token), not the viewer's scope; anyone not on the roster
    learns nothing about the session."""
    session = Session.objects.select_related("course", "venue").filter(pk=pk).first()
    enrolled = (
        session is not None
        and request.user.member_id is not None
        and Enrollment.objects.filter(course_id=session.course_id, member_id=request.user.member_id).exists()
    )
    if session is None or not enrolled or not secrets.compare_digest(token, session.sign_in_token):
        raise Http404("未找到该签到，或您不在本培训班名单中")
    result = None
    if request.method == "POST":
        try:
            attendance_row, new = services.sign_in(request.user, session, token)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            result = attendance_row
            if new:
                messages.success(request, f"签到成功：{attendance_row.get_status_display()}")
            else:
                messages.info(request, f"您已登记为：{attendance_row.get_status_display()}")
    opens, closes = services.sign_in_window(session)
    return render(
        request,
        "training/sign_in.html",
        {"session": session, "result": result, "opens": opens, "closes": closes, "active_nav": NAV},
    )


# ---- tests --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exam_create(request, pk):
    course = _course(request, pk)
    require_manager(request.user, course.organizer)
    form = ExamForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.create_exam(request.user, course, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新建考试：{exam.title}。可逐个录入成绩，或下载模板用 Excel 导入。")
            return redirect("training:exam_detail", pk=exam.pk)
    return _form_page(request, form, f"新建考试：{course.title}", reverse("training:course_detail", args=[course.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def exam_edit(request, pk):
    exam = _exam(request, pk)
    require_manager(request.user, exam.course.organizer)
    form = ExamForm(request.POST or None, instance=Exam.objects.get(pk=exam.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_exam(request.user, exam, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("training:exam_detail", pk=exam.pk)
    return _form_page(request, form, f"编辑考试：{exam.title}", reverse("training:exam_detail", args=[exam.pk]))


@login_required
@require_POST
def exam_delete(request, pk):
    exam = _exam(request, pk)
    try:
        services.delete_exam(request.user, exam)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("training:exam_detail", pk=exam.pk)
    messages.success(request, f"已删除考试：{exam.title}")
    return redirect("training:course_detail", pk=exam.course_id)


def _parse_score(raw: str) -> Decimal | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(f"「{raw}」不是数字") from exc
    if not value.is_finite():
        raise ValidationError(f"「{raw}」不是数字")
    return value


@login_required
@require_http_methods(["GET", "POST"])
def exam_detail(request, pk):
    exam = _exam(request, pk)
    can_manage = scoping.can_manage(request.user, exam.course.organizer)
    enrollments = list(
        queries.scoped(request.user, Enrollment.objects.filter(course_id=exam.course_id)).select_related(
            "member", "organization"
        )
    )
    results = {r.enrollment_id: r for r in exam.results.all()}
    typed = {}
    if request.method == "POST":
        require_manager(request.user, exam.course.organizer)
        scores, errors = {}, []
        for e in enrollments:
            raw = request.POST.get(f"score{e.pk}", "")
            typed[e.pk] = raw
            try:
                scores[e.pk] = _parse_score(raw)
            except ValidationError as exc:
                errors.append(f"{e.member.name}：{exc.messages[0]}")
        try:
            if errors:
                raise ValidationError(errors)
            changed = services.record_results(request.user, exam, scores)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, f"已保存成绩（变更 {changed} 条）")
            return redirect("training:exam_detail", pk=exam.pk)
    rows = []
    for e in enrollments:
        r = results.get(e.pk)
        rows.append(
            {
                "enrollment": e,
                "result": r,
                "passed": r is not None and rules.passed(r.score, exam.pass_mark),
                "typed": typed.get(e.pk, f"{r.score.normalize():f}" if r else ""),
            }
        )
    taken = [row for row in rows if row["result"] is not None]
    return render(
        request,
        "training/exam_detail.html",
        {
            "exam": exam,
            "course": exam.course,
            "rows": rows,
            "taken": len(taken),
            "passed": sum(1 for row in taken if row["passed"]),
            "pass_rate": rules.rate(sum(1 for row in taken if row["passed"]), len(taken)),
            "can_manage": can_manage,
            "upload_form": UploadForm(),
            "active_nav": NAV,
        },
    )


@login_required
def exam_template(request, pk):
    exam = _exam(request, pk)
    require_manager(request.user, exam.course.organizer)
    return xlsx.xlsx_response(f"{exam.title}-成绩导入模板", imports.template(exam))


@login_required
@require_POST
def exam_import(request, pk):
    """Step 1: validate the file and show a preview (or every error, by row and column)."""
    exam = _exam(request, pk)
    require_manager(request.user, exam.course.organizer)
    upload = request.FILES.get("file")
    if upload is None or upload.size > IMPORT_MAX_BYTES or not upload.name.lower().endswith(".xlsx"):
        messages.error(request, "请上传不超过 2MB 的 .xlsx 文件（可先下载模板）")
        return redirect("training:exam_detail", pk=exam.pk)
    data = upload.read()
    try:
        cleaned, errors, _ = imports.run(request.user, exam, io.BytesIO(data), upload.name, commit=False)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("training:exam_detail", pk=exam.pk)
    token = ""
    if not errors:
        token = uuid.uuid4().hex
        pending = request.session.get(IMPORT_SESSION_KEY, {})
        pending[token] = {"exam": exam.pk, "name": upload.name, "data": base64.b64encode(data).decode()}
        request.session[IMPORT_SESSION_KEY] = pending
    existing = set(exam.results.values_list("enrollment_id", flat=True))
    return render(
        request,
        "training/exam_import.html",
        {
            "exam": exam,
            "course": exam.course,
            "cleaned": cleaned,
            "errors": errors,
            "existing": existing,
            "token": token,
            "file_name": upload.name,
            "active_nav": NAV,
        },
    )


@login_required
@require_POST
def exam_import_confirm(request, pk):
    """Step 2: validate the stored file again (the roster may have changed) and save."""
    exam = _exam(request, pk)
    require_manager(request.user, exam.course.organizer)
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    item = pending.pop(request.POST.get("token", ""), None)
    request.session[IMPORT_SESSION_KEY] = pending
    if item is None or item["exam"] != exam.pk:
        messages.error(request, "导入已过期，请重新上传文件")
        return redirect("training:exam_detail", pk=exam.pk)
    try:
        cleaned, errors, changed = imports.run(
            request.user, exam, io.BytesIO(base64.b64decode(item["data"])), item["name"]
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("training:exam_detail", pk=exam.pk)
    if errors:
        for e in errors:
            messages.error(request, str(e))
        messages.error(request, "文件有误，未导入任何成绩")
    else:
        messages.success(request, f"已导入 {len(cleaned)} 条成绩（变更 {changed} 条）")
    return redirect("training:exam_detail", pk=exam.pk)


# ---- credit cards -------------------------------------------------------------------------


def _trainees(request):
    require_staff(request.user)
    qs = queries.scoped(
        request.user, Member.objects.filter(status__in=Member.ACTIVE_STATUSES).select_related("organization")
    )
    f = TraineeFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


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
    year = _year(request)
    context = paginate(request, f.qs.order_by("organization__path", "name_pinyin", "id"))
    rule_set = queries.current_rules()
    members = list(context["rows"])
    cards = queries.cards_for_members(request.user, [m.pk for m in members], year, rule_set)
    empty = rules.credit_card(year, (), (), (), rule_set)
    context.update(
        {
            "filter": f,
            "year": year,
            "years": _years(year),
            "rows": [(m, cards.get(m.pk, empty)) for m in members],
            "export_url": reverse("training:card_export"),
            "rules": rule_set,
            "active_nav": "training_cards",
        }
    )
    return render(request, "training/card_list.html", context)


@login_required
def card_export(request):
    f = _trainees(request)
    year = _year(request)
    rule_set = queries.current_rules()

    # One read of the scope's records for the year, then every member's card from it.
    facts = queries.facts_in_subtree(request.user, page_root(request, choose=False).path, year)
    cards = queries.cards_from(facts, year, rule_set, with_lines=False)
    empty = rules.credit_card(year, (), (), (), rule_set)
    rows = (
        _card_row(m, cards.get(m.pk, empty))
        for m in f.qs.order_by("organization__path", "name_pinyin", "id").iterator(chunk_size=2000)
    )
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
    return xlsx.xlsx_response(f"{year}年学分卡", xlsx.build_workbook(f"{year}年学分卡", headers, rows, notes))


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
    year = _year(request)
    can_manage = not is_member_role(request.user) and scoping.can_manage(request.user, member.organization)
    study_form = StudyForm(request.POST or None, initial={"on": timezone.localdate(), "source": "online"})
    if request.method == "POST":
        require_manager(request.user, member.organization)
        if is_member_role(request.user):
            raise PermissionDenied("当前角色只能查看，不能修改")
        if study_form.is_valid():
            try:
                services.add_study_record(request.user, member, **study_form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(study_form, exc)
            else:
                messages.success(request, "已登记学习记录")
                return redirect(
                    f"{reverse('training:card', args=[member.pk])}?year={study_form.cleaned_data['on'].year}"
                )
    rule_set = queries.current_rules()
    card_data = queries.member_card(request.user, member, year, rule_set)
    visible_courses = set(
        queries.scoped(
            request.user,
            Course.objects.filter(pk__in={ln.ref.get("course") for ln in card_data.lines if ln.ref.get("course")}),
        ).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    upcoming = list(
        queries.scoped(request.user, Enrollment.objects.filter(member=member)).values_list("course_id", flat=True)
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
            "years": _years(year),
            "card": card_data,
            "rules": rule_set,
            "visible_courses": visible_courses,
            "upcoming": upcoming_sessions,
            "can_manage": can_manage,
            "study_form": study_form,
            "demerits": queries.scoped(request.user, OrganizationDemerit.objects.filter(member=member)).select_related(
                "organization"
            ),
            "active_nav": "training_cards",
        },
    )


# ---- study records ------------------------------------------------------------------------


def _studies(request):
    require_staff(request.user)
    qs = queries.scoped(request.user, StudyRecord.objects.select_related("member__organization"))
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
def study_export(request):
    f = _studies(request)
    rows = (
        (s.on, s.member.name, s.member.organization.name, s.get_source_display(), s.title, s.hours)
        for s in f.qs.iterator(chunk_size=2000)
    )
    headers = ["日期", "姓名", "所在党组织", "方式", "学习内容", "学时"]
    return xlsx.xlsx_response("学习记录", xlsx.build_workbook("学习记录", headers, rows))


@login_required
@require_POST
def study_delete(request, pk):
    require_staff(request.user)
    record = get_visible_or_404(request.user, StudyRecord.objects.select_related("member__organization"), pk=pk)
    services.delete_study_record(request.user, record)
    messages.success(request, "已删除学习记录")
    return redirect(f"{reverse('training:card', args=[record.member_id])}?year={record.on.year}")


# ---- per-organization summary ---------------------------------------------------------------


@login_required
def summary_home(request):
    require_staff(request.user)
    return redirect("training:org_summary", pk=page_root(request, choose=False).pk)


@login_required
def org_summary(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    year = _year(request)
    rule_set = queries.current_rules()
    summary = queries.org_summary(request.user, org, year, rule_set)
    root = page_root(request, choose=False)
    parent = org.parent if org.parent_id and org.pk != root.pk else None
    return render(
        request,
        "training/org_summary.html",
        {
            "org": org,
            "parent": parent,
            "year": year,
            "years": _years(year),
            "summary": summary,
            "people": summary.people[:200],
            "more_people": max(0, len(summary.people) - 200),
            "rules": rule_set,
            "active_nav": "training_summary",
        },
    )


@login_required
def org_summary_export(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    year = _year(request)
    rule_set = queries.current_rules()
    summary = queries.org_summary(request.user, org, year, rule_set)
    headers = [
        "姓名",
        "所在党组织",
        "登记课次",
        "出勤课次",
        "出勤率(%)",
        "迟到早退",
        "请假",
        "无故缺课",
        "缺课（含折算）",
        "通报计数",
        "超限通报",
        "合计学时",
        "总学分",
    ]
    rows = (
        (
            p.name,
            p.org_name,
            p.card.sessions_recorded,
            p.card.sessions_attended,
            p.card.attendance_rate if p.card.attendance_rate is not None else "",
            p.card.lateness,
            p.card.excused,
            p.card.unexcused,
            p.card.missed_lessons,
            p.card.notice_count,
            "是" if p.card.over_limit else "",
            p.card.total_hours,
            p.card.total_credits,
        )
        for p in summary.people
    )
    t = summary.totals
    notes = [
        f"{org.name} {year}年教育培训统计",
        f"学员 {t.trainees} 人，登记出勤 {t.recorded} 人次，出勤 {t.attended} 人次，出勤率 {t.attendance_rate or '—'}%",
        f"迟到早退 {t.lateness} 次，请假 {t.excused} 次，无故缺课 {t.unexcused} 次，缺课（含折算）{t.missed_lessons} 次",
        f"超限通报 {t.over_limit} 人；扣分记录 {sum(1 for d in summary.demerits if d.active)} 条",
    ]
    return xlsx.xlsx_response(f"{org.name}-{year}年培训统计", xlsx.build_workbook("培训统计", headers, rows, notes))


# ---- demerits -----------------------------------------------------------------------------


def _demerits(request):
    require_staff(request.user)
    qs = queries.scoped(request.user, OrganizationDemerit.objects.select_related("organization", "member"))
    f = DemeritFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


@login_required
def demerit_list(request):
    f = _demerits(request)
    context = {"filter": f, "export_url": reverse("training:demerit_export"), "active_nav": "training_demerits"}
    context.update(paginate(request, f.qs))
    return render(request, "training/demerit_list.html", context)


@login_required
def demerit_export(request):
    f = _demerits(request)
    rows = (
        (
            d.year,
            d.organization.name,
            d.member.name,
            d.get_source_display(),
            d.count,
            d.reason,
            d.created_at,
            "已撤销" if d.withdrawn_at else "有效",
            d.withdrawn_reason,
        )
        for d in f.qs
    )
    headers = ["年度", "党组织", "党员", "来源", "计入次数", "事由", "记录时间", "状态", "撤销原因"]
    return xlsx.xlsx_response("培训通报扣分记录", xlsx.build_workbook("通报扣分记录", headers, rows))


# ---- venues -------------------------------------------------------------------------------


@login_required
def venue_list(request):
    require_staff(request.user)
    f = VenueFilter(request.GET, queryset=_venues(request).select_related("organization"))
    style_form(f.form)
    context = {
        "filter": f,
        "can_create": getattr(request.user, "can_manage", False) or request.user.is_superuser,
        "active_nav": "training_venues",
    }
    context.update(paginate(request, f.qs))
    return render(request, "training/venue_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request):
    require_staff(request.user)
    require_manager(request.user)
    form = VenueForm(
        request.POST or None, initial={"organization": request.user.organization_id}, organizations=_orgs(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_venue(request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已登记培训场所")
            return redirect("training:venues")
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "登记培训场所", "back": reverse("training:venues"), "active_nav": "training_venues"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request, pk):
    require_staff(request.user)
    venue = get_visible_or_404(request.user, Venue.objects.select_related("organization"), pk=pk)
    require_manager(request.user, venue.organization)
    form = VenueForm(request.POST or None, instance=Venue.objects.get(pk=venue.pk), organizations=_orgs(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_venue(request.user, venue, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("training:venues")
    return render(
        request,
        "training/form.html",
        {
            "form": form,
            "title": f"编辑场所：{venue.name}",
            "back": reverse("training:venues"),
            "active_nav": "training_venues",
        },
    )


# ---- rules --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request):
    require_county_admin(request.user)
    form = RulesForm(request.POST or None, instance=TrainingRules.objects.order_by("pk").first() or TrainingRules())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rules(request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存培训规则，并已按新规则核对本年度的通报与扣分。")
            return redirect("training:rules")
    return render(request, "training/rules.html", {"form": form, "active_nav": "training_rules"})


# ---- panels (loaded by htmx from the organization page and the command screen) --------------


@login_required
def panel_org(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    year = timezone.localdate().year
    figures = queries.panel_figures(request.user, org, year)
    return render(
        request,
        "training/panels/organization.html",
        {"title": f"{year}年教育培训", "panel": {"org": org, "year": year, **figures}},
    )


@login_required
def panel_command(request, pk):
    require_staff(request.user)
    root = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    figures = queries.command_figures(request.user, root, timezone.localdate())
    return render(
        request,
        "training/panels/command.html",
        {"title": f"{figures['year']}年教育培训", "panel": {"root": root, **figures}},
    )
