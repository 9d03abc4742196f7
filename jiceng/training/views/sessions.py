"""Sessions (课次) of a course: new / edit / delete, the session page with its sign-in QR code,
the attendance roster (出勤登记), and a trainee's own QR sign-in."""

from __future__ import annotations

import secrets
from decimal import Decimal
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, qr, scoping
from jiceng.core.scoping import get_visible_or_404, require_manager

from .. import queries, rules, services
from ..forms import SessionForm
from ..models import Attendance, Enrollment, Session
from ._common import NAV, course_or_404, form_page, venues_for

# Two characters each, so five buttons fit a phone's width.
BUTTONS = [("present", "出席"), ("late", "迟到"), ("early_leave", "早退"), ("excused", "请假"), ("unexcused", "旷课")]


def _session(request, pk) -> Session:
    return get_visible_or_404(
        request.user,
        queries.visible_training(request.user, Session.objects.select_related("course__organizer", "venue")),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, pk):
    course = course_or_404(request, pk)
    require_manager(request.user, course.organizer)
    last = course.sessions.order_by("-on", "-start_time").first()
    initial = {"class_hours": Decimal("2"), "start_time": "09:00", "end_time": "11:00"}
    if last:
        initial.update(venue=last.venue_id, place=last.place, start_time=last.start_time, end_time=last.end_time)
    form = SessionForm(request.POST or None, initial=initial, venues=venues_for(request))
    course_url = reverse("training:course_detail", args=[course.pk])
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_session(request.user, course, **data),
        success=lambda session: f"已安排课次：{session.on:%Y-%m-%d} {session.topic}",
        to=course_url,
    ):
        return done
    return form_page(request, form, f"安排课次：{course.title}", course_url)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    form = SessionForm(request.POST or None, instance=Session.objects.get(pk=session.pk), venues=venues_for(request))
    session_url = reverse("training:session_detail", args=[session.pk])
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_session(request.user, session, **data),
        success="已保存",
        to=session_url,
    ):
        return done
    return form_page(request, form, f"编辑课次：{session.topic}", session_url)


@login_required
@require_http_methods(["GET", "POST"])
def session_delete(request, pk):
    session = _session(request, pk)
    require_manager(request.user, session.course.organizer)
    session_url = reverse("training:session_detail", args=[session.pk])
    if request.method == "POST":
        return pages.button_action(
            request,
            lambda: services.delete_session(request.user, session),
            success="已删除课次",
            to=reverse("training:course_detail", args=[session.course_id]),
            back=session_url,
        )
    return render(
        request,
        "training/confirm.html",
        {
            "title": f"删除课次：{session.on:%Y-%m-%d} {session.topic}",
            "message": "只有尚未登记出勤的课次才能删除。",
            "back": session_url,
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
        queries.visible_training(request.user, Enrollment.objects.filter(course_id=session.course_id)).select_related(
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
    """The roster form: one row per trainee, five buttons each; works on a phone.

    A refusal shows the roster again with what was chosen (not the glue of core.pages, which
    would redirect and lose the choices)."""
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
    learns nothing about the session. The answer is this page again, not a redirect (and a
    repeat sign-in is told as information, not success), so the core.pages glue does not fit."""
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
            messages.error(request, pages.refusal_text(exc))
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
