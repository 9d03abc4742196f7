"""Sessions (课次), their attendance as the organizer records it, and the trainees' QR sign-in."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.scoping import in_scope, require_manager

from .. import rules
from ..models import Attendance, Course, Enrollment, Session
from .absences import check_absences
from .common import _bump, _snapshot

# QR sign-in opens this long before a session starts and closes when it ends; signing in
# after the start time records a late arrival.
SIGN_IN_OPENS_BEFORE = timedelta(minutes=60)

SESSION_FIELDS = ["on", "start_time", "end_time", "class_hours", "topic", "teacher", "venue", "place"]


def _check_session(actor, session: Session) -> None:
    errors = {}
    if session.start_time and session.end_time and session.end_time <= session.start_time:
        errors["end_time"] = "结束时间须晚于开始时间"
    if session.venue_id and actor is not None and not in_scope(actor, session.venue):
        errors["venue"] = "该场所不在您的管理范围内"
    if not session.venue_id and not session.place.strip():
        errors["place"] = "请选择培训场所，或填写地点"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_session(actor, course: Course, **fields) -> Session:
    require_manager(actor, course.organizer)
    session = Session(course=course, **fields)
    session.full_clean()
    _check_session(actor, session)
    session.save()
    audit.record(actor, "create", session, changes=_snapshot(session, SESSION_FIELDS))
    return session


@transaction.atomic
def update_session(actor, session: Session, **fields) -> Session:
    require_manager(actor, session.course.organizer)
    session = Session.objects.select_for_update().select_related("course__organizer").get(pk=session.pk)
    before = _snapshot(session, SESSION_FIELDS)
    for name, value in fields.items():
        if name not in SESSION_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(session, name, value)
    session.full_clean()
    _check_session(actor, session)
    old_year = int(before["on"][:4])
    _bump(session, fields, actor, audit.diff(before, _snapshot(session, SESSION_FIELDS)))
    members = list(session.attendances.values_list("enrollment__member_id", flat=True))
    if members:  # a moved date can move absences between years
        for year in {old_year, session.on.year}:
            check_absences(year, member_ids=members)
    return session


@transaction.atomic
def delete_session(actor, session: Session) -> None:
    require_manager(actor, session.course.organizer)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.attendances.exists():
        raise ValidationError("该课次已登记出勤，不能删除")
    audit.record(actor, "delete", session, changes=_snapshot(session, SESSION_FIELDS))
    session.delete()


def attendance_open_error(session: Session, status: str, now: datetime) -> str | None:
    """Leave can be recorded ahead; the rest only once the session has begun."""
    if status == rules.EXCUSED or now >= session.starts_at:
        return None
    return (
        f"本次课 {timezone.localtime(session.starts_at):%Y年%m月%d日 %H:%M} 开始，开课后才能登记出勤（请假可提前登记）"
    )


@transaction.atomic
def record_attendance(actor, session: Session, marks: dict[int, tuple[str, str]], now: datetime | None = None) -> int:
    """Record attendance for some of a session's trainees: {enrollment id: (status, note)}.

    Returns how many records changed. All or nothing: one wrong row saves none.
    """
    require_manager(actor, session.course.organizer)
    now = now or timezone.now()
    session = Session.objects.select_related("course__organizer").get(pk=session.pk)
    roster = {e.pk: e for e in session.course.enrollments.select_related("member", "organization")}
    existing = {a.enrollment_id: a for a in Attendance.objects.select_for_update().filter(session=session)}
    valid = set(Attendance.Status.values)
    errors = []
    for eid, (status, _note) in marks.items():
        if eid not in roster:
            errors.append(f"第 {eid} 号学员不在本班名单中")
        elif status not in valid:
            errors.append(f"{roster[eid].member.name}：出勤状态无效")
        else:
            error = attendance_open_error(session, status, now)
            if error:
                errors.append(f"{roster[eid].member.name}：{error}")
    if errors:
        raise ValidationError(errors)
    by = actor if getattr(actor, "is_authenticated", False) else None
    changed, members = 0, []
    for eid, (status, note) in marks.items():
        note = (note or "").strip()[:200]
        a = existing.get(eid)
        if a is None:
            try:
                with transaction.atomic():
                    a = Attendance.objects.create(
                        session=session, enrollment=roster[eid], status=status, note=note, recorded_by=by
                    )
            except IntegrityError as exc:  # a QR sign-in or another recorder got there first
                raise ValidationError(f"{roster[eid].member.name} 的出勤刚刚已由他人登记，请刷新后再保存") from exc
            audit.record(actor, "create", a, changes={"session": session.pk, "status": status, "note": note})
        elif a.status != status or a.note != note:
            changes = audit.diff({"status": a.status, "note": a.note}, {"status": status, "note": note})
            a.status, a.note, a.recorded_by, a.source = status, note, by, Attendance.Source.ROSTER
            a.save()
            audit.record(actor, "update", a, changes=changes)
        else:
            continue
        changed += 1
        members.append(roster[eid].member_id)
    if members:
        check_absences(session.on.year, member_ids=members)
    return changed


def sign_in_window(session: Session) -> tuple[datetime, datetime]:
    return session.starts_at - SIGN_IN_OPENS_BEFORE, session.ends_at


@transaction.atomic
def sign_in(user, session: Session, token: str, now: datetime | None = None) -> tuple[Attendance, bool]:
    """A trainee signs in by scanning the session's QR code; returns (attendance, new).

    An attendance the organizer already recorded is left as it is."""
    if not secrets.compare_digest(token, session.sign_in_token):
        raise PermissionDenied("签到码无效")
    now = now or timezone.now()
    enrollment = (
        Enrollment.objects.filter(course_id=session.course_id, member_id=getattr(user, "member_id", None))
        .select_related("member", "organization")
        .first()
    )
    if enrollment is None:
        raise ValidationError("您不在本培训班名单中，不能签到；如需参加请联系主办方报名")
    opens, closes = sign_in_window(session)
    if now < opens:
        raise ValidationError(f"签到尚未开始：{timezone.localtime(opens):%m月%d日 %H:%M} 起可以签到")
    if now > closes:
        raise ValidationError(f"签到已于 {timezone.localtime(closes):%m月%d日 %H:%M} 结束，请联系主办方登记出勤")
    existing = Attendance.objects.select_for_update().filter(session=session, enrollment=enrollment).first()
    if existing is not None:
        return existing, False
    status = rules.PRESENT if now <= session.starts_at else rules.LATE
    try:
        with transaction.atomic():
            a = Attendance.objects.create(
                session=session, enrollment=enrollment, status=status, source=Attendance.Source.QR, recorded_by=user
            )
    except IntegrityError:  # signed in twice at once
        return Attendance.objects.get(session=session, enrollment=enrollment), False
    audit.record(user, "create", a, changes={"session": session.pk, "status": status, "source": "qr"})
    if status == rules.LATE:
        check_absences(session.on.year, member_ids=[enrollment.member_id])
    return a, True
