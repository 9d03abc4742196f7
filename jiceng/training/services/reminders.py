"""Reminders sent by the periodic jobs: tomorrow's sessions to trainees, missing attendance to organizers."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from jiceng.core.notifications import notify

from ..models import Enrollment, Session
from .absences import notice_recipients


def send_session_reminders(now: datetime) -> int:
    """Tell every enrolled trainee who has an account about tomorrow's sessions (once)."""
    from jiceng.accounts.models import User

    tomorrow = timezone.localdate(now) + timedelta(days=1)
    sessions = list(Session.objects.filter(on=tomorrow).select_related("course", "venue"))
    if not sessions:
        return 0
    enrolled: dict[int, list[int]] = {}
    for course_id, member_id in Enrollment.objects.filter(course__in={s.course_id for s in sessions}).values_list(
        "course_id", "member_id"
    ):
        enrolled.setdefault(course_id, []).append(member_id)
    users = {
        u.member_id: u
        for u in User.objects.filter(member_id__in={m for ms in enrolled.values() for m in ms}, is_active=True)
    }
    sent = 0
    for s in sessions:
        for member_id in enrolled.get(s.course_id, []):
            user = users.get(member_id)
            if user is None:
                continue
            _, new = notify(
                user,
                kind="training_reminder",
                title=f"明天培训：{s.course.title}",
                body=(
                    f"{s.on:%m月%d日} {s.start_time:%H:%M}—{s.end_time:%H:%M}，"
                    f"地点：{s.where or '见通知'}，主题：{s.topic}。请按时参加，不能参加请提前向主办方请假。"
                ),
                key=f"training:reminder:session{s.pk}:{s.on:%Y%m%d}:member{member_id}",
                url=reverse("training:card", args=[member_id]),
                org_path=user.organization.path if user.organization_id else "",
            )
            sent += new
    return sent


def remind_missing_attendance(now: datetime, days: int = 7) -> int:
    """Ask organizers to record attendance for sessions that ended without any (once each)."""
    today = timezone.localdate(now)
    sessions = (
        Session.objects.filter(on__gte=today - timedelta(days=days), on__lte=today, attendances__isnull=True)
        .filter(course__enrollments__isnull=False)
        .select_related("course__organizer")
        .distinct()
    )
    sent = 0
    for s in sessions:
        if s.ends_at > now:
            continue
        url = reverse("training:attendance", args=[s.pk])
        for user in notice_recipients(s.course.organizer):
            _, new = notify(
                user,
                kind="training_attendance",
                title=f"请登记出勤：{s.course.title} {s.on:%m月%d日}",
                body=f"{s.course.title}「{s.topic}」已于 {s.on:%m月%d日} {s.end_time:%H:%M} 结束，尚未登记学员出勤。",
                key=f"training:attendance-missing:session{s.pk}",
                url=url,
                org_path=s.course.organizer.path,
            )
            sent += new
    return sent
