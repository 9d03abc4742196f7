"""Every write to training records goes through here (and is audit-logged).

Organizers manage their courses: `require_manager(actor, course.organizer)`; trainees come
from the organizer's subtree. The absence notice and the demerit it brings are written by
`check_absences()`, called right after attendance changes and by the periodic job (the
safety net); both are idempotent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.notifications import managers_of, notify
from jiceng.core.scoping import in_scope, path_q, require_county_admin, require_manager
from jiceng.core.tree import path_upper_bound
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import (
    Attendance,
    Course,
    Enrollment,
    Exam,
    ExamResult,
    OrganizationDemerit,
    Session,
    StudyRecord,
    TrainingRules,
    Venue,
)

# QR sign-in opens this long before a session starts and closes when it ends; signing in
# after the start time records a late arrival.
SIGN_IN_OPENS_BEFORE = timedelta(minutes=60)


def _bump(obj, fields: dict, actor, changes: dict) -> None:
    """Apply an update with its revision bump and audit entry (only when something changed)."""
    if not changes:
        return
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.revision = F("revision") + 1
    obj.save()
    obj.refresh_from_db()
    audit.record(actor, "update", obj, changes=changes, org_path=_org_path(obj))


def _org_path(obj) -> str:
    if isinstance(obj, Course):
        return obj.organizer.path
    if isinstance(obj, (Session, Exam)):
        return obj.course.organizer.path
    if isinstance(obj, (Enrollment, StudyRecord, OrganizationDemerit, Venue)):
        return obj.organization.path
    if isinstance(obj, (Attendance, ExamResult)):
        return obj.enrollment.organization.path
    return ""


def _snapshot(obj, fields: list[str]) -> dict:
    """audit.snapshot, with times of day as text (the shared helper knows dates only)."""
    return {k: v.isoformat() if isinstance(v, time) else v for k, v in audit.snapshot(obj, fields).items()}


def _within(org: Organization, root: Organization) -> bool:
    return root.path <= org.path < path_upper_bound(root.path)


# ---- rules --------------------------------------------------------------------------------

RULE_FIELDS = [
    "class_size_max",
    "lateness_per_missed_lesson",
    "absence_limit",
    "lateness_counts_toward_notice",
    "credits_per_class_hour",
    "credits_per_study_hour",
    "credits_per_passed_exam",
    "annual_hours_target",
]


@transaction.atomic
def update_rules(actor, **fields) -> TrainingRules:
    require_county_admin(actor)
    row = TrainingRules.for_update()
    before = audit.snapshot(row, RULE_FIELDS)
    for name, value in fields.items():
        if name not in RULE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(row, name, value)
    row.full_clean()
    row.save()
    changes = audit.diff(before, audit.snapshot(row, RULE_FIELDS))
    if changes:
        audit.record(actor, "update", row, changes=changes, org_path="")
    if {"lateness_per_missed_lesson", "absence_limit", "lateness_counts_toward_notice"} & set(changes):
        check_absences(timezone.localdate().year)  # the new limit applies to this year at once
    return row


# ---- venues -------------------------------------------------------------------------------

VENUE_FIELDS = ["name", "kind", "organization", "address", "capacity"]


@transaction.atomic
def save_venue(actor, venue: Venue | None = None, **fields) -> Venue:
    require_manager(actor, fields.get("organization") or (venue.organization if venue else None))
    if venue is None:
        venue = Venue(**fields)
        venue.full_clean()
        venue.save()
        audit.record(actor, "create", venue, changes=audit.snapshot(venue, VENUE_FIELDS))
        return venue
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    require_manager(actor, venue.organization)
    before = audit.snapshot(venue, VENUE_FIELDS)
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.full_clean()
    _bump(venue, fields, actor, audit.diff(before, audit.snapshot(venue, VENUE_FIELDS)))
    return venue


# ---- courses ------------------------------------------------------------------------------

COURSE_FIELDS = ["title", "kind", "organizer", "year", "class_size_limit", "credits_per_class_hour", "description"]


def _check_course(course: Course, rule_set: rules.RuleSet) -> None:
    error = rules.course_limit_error(course.kind, course.class_size_limit, rule_set)
    if error:
        raise ValidationError({"class_size_limit": error})
    if course.pk and course.class_size_limit is not None:
        enrolled = course.enrollments.count()
        if enrolled > course.class_size_limit:
            raise ValidationError({"class_size_limit": f"本班已有 {enrolled} 名学员，上限不能低于此数"})


@transaction.atomic
def create_course(actor, **fields) -> Course:
    require_manager(actor, fields["organizer"])
    course = Course(**fields)
    course.full_clean()
    _check_course(course, queries.current_rules())
    course.save()
    audit.record(actor, "create", course, changes=audit.snapshot(course, COURSE_FIELDS))
    return course


@transaction.atomic
def update_course(actor, course: Course, **fields) -> Course:
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = audit.snapshot(course, COURSE_FIELDS)
    new_organizer = fields.get("organizer")
    if new_organizer is not None and new_organizer != course.organizer:
        require_manager(actor, new_organizer)
        if course.enrollments.exclude(path_q("organization__path", new_organizer.path)).exists():
            raise ValidationError({"organizer": "已有学员不在新的主办组织范围内，不能更换主办组织"})
    for name, value in fields.items():
        if name not in COURSE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(course, name, value)
    course.full_clean()
    _check_course(course, queries.current_rules())
    _bump(course, fields, actor, audit.diff(before, audit.snapshot(course, COURSE_FIELDS)))
    return course


@transaction.atomic
def delete_course(actor, course: Course) -> None:
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.sessions.exists() or course.enrollments.exists() or course.exams.exists():
        raise ValidationError("该培训班已有课次、学员或考试，不能删除；请先删除它们")
    audit.record(actor, "delete", course, changes=audit.snapshot(course, COURSE_FIELDS))
    course.delete()


# ---- sessions -----------------------------------------------------------------------------

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


# ---- enrollment ---------------------------------------------------------------------------


@transaction.atomic
def enroll(actor, course: Course, members: list[Member]) -> list[Enrollment]:
    """Enroll members, all or none. Refuses inactive members, members outside the organizer's
    subtree, duplicates and anything beyond the class limit. The course row is locked first,
    so concurrent enrollments are counted one after the other and never pass the limit."""
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().select_related("organizer").get(pk=course.pk)
    members = list({m.pk: m for m in members}.values())
    if not members:
        raise ValidationError("请至少选择一名党员")
    errors = []
    for m in members:
        if m.status not in Member.ACTIVE_STATUSES:
            errors.append(f"{m.name}：{m.get_status_display()}，不能报名")
        elif not _within(m.organization, course.organizer):
            errors.append(f"{m.name}：不在主办组织（{course.organizer.name}）范围内")
    already = list(Enrollment.objects.filter(course=course, member__in=members).values_list("member__name", flat=True))
    if already:
        errors.append("已在本班名单中，不能重复报名：" + "、".join(already))
    limit_error = rules.class_size_error(course.enrollments.count(), len(members), course.class_size_limit)
    if limit_error:
        errors.append(limit_error)
    if errors:
        raise ValidationError(errors)
    by = actor if getattr(actor, "is_authenticated", False) else None
    created = []
    try:
        with transaction.atomic():
            for m in members:
                e = Enrollment.objects.create(course=course, member=m, organization=m.organization, enrolled_by=by)
                audit.record(
                    actor,
                    "create",
                    e,
                    changes={"course": course.pk, "member": m.pk, "organization": m.organization_id},
                )
                created.append(e)
    except IntegrityError as exc:  # a concurrent request enrolled one of them first
        raise ValidationError("部分党员刚刚已被报名，请刷新后重试") from exc
    return created


@transaction.atomic
def withdraw(actor, enrollment: Enrollment) -> None:
    require_manager(actor, enrollment.course.organizer)
    enrollment = Enrollment.objects.select_for_update().select_related("organization").get(pk=enrollment.pk)
    if enrollment.attendances.exists() or enrollment.exam_results.exists():
        raise ValidationError(f"{enrollment.member.name} 已有出勤或成绩记录，不能移出名单")
    audit.record(actor, "delete", enrollment, changes={"course": enrollment.course_id, "member": enrollment.member_id})
    enrollment.delete()


# ---- attendance ---------------------------------------------------------------------------


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


# ---- the absence notice and the demerit ------------------------------------------------------


@dataclass
class CheckOutcome:
    demerits: int = 0
    notices: int = 0
    withdrawn: int = 0
    reinstated: int = 0

    def __str__(self) -> str:
        return f"新记扣分 {self.demerits}，新发通报 {self.notices}，撤销 {self.withdrawn}，恢复 {self.reinstated}"


def responsible_organization(org: Organization) -> Organization:
    """Party groups are not rated on their own: their branch answers for them."""
    if org.type == Organization.Type.GROUP and org.parent_id:
        return org.parent
    return org


def notice_recipients(org: Organization):
    """The organization's managers; where it has none on record, the nearest level above."""
    paths = [org.path[:end] for end in range(len(org.path), 0, -4)]
    for path in paths:
        target = org if path == org.path else Organization.objects.filter(path=path).first()
        if target is None:
            continue
        users = list(managers_of(target))
        if users:
            return users
    return []


def _notice_text(member: Member, year: int, count: int, rule_set: rules.RuleSet, org: Organization) -> tuple[str, str]:
    what = "无故缺课" + ("（含迟到早退折算）" if rule_set.lateness_counts_toward_notice else "")
    title = f"培训通报：{member.name} {year}年{what} {count} 次"
    body = (
        f"{org.name}党员 {member.name} 在 {year} 年参加教育培训{what} {count} 次，"
        f"超过县里规定的 {rule_set.absence_limit} 次。依据{rules.SOURCE_NOTE}"
        f"（一年内无故缺课超过 {rule_set.absence_limit} 次的，通报所在党组织，并计入党组织星级评定），"
        f"特此通报，请督促整改。"
    )
    return title, body


def check_absences(year: int, member_ids: list[int] | None = None, now: datetime | None = None) -> CheckOutcome:
    """Bring notices and demerits in line with the attendance on record for `year`.

    For each person over the limit: one demerit against their organization and one notice
    to its managers (key per person and year), however often this runs. A demerit whose
    person is back within the limit (after a correction) is withdrawn; it is restored,
    without a second notice, if the count goes over again.
    """
    now = now or timezone.now()
    rule_set = queries.current_rules()
    outcome = CheckOutcome()
    tallies = queries.absence_tallies(year, member_ids)
    over = {mid: t for mid, t in tallies.items() if rules.notice_due(t.unexcused, t.lateness, rule_set)}
    demerits = OrganizationDemerit.objects.filter(source=OrganizationDemerit.Source.TRAINING_ABSENCE, year=year)
    if member_ids is not None:
        demerits = demerits.filter(member_id__in=member_ids)
    existing = {d.member_id: d for d in demerits.select_related("organization")}
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(over)).select_related("organization")}
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(pk__in={t.organization_id for t in over.values()}).select_related("parent")
    }
    for mid, tally in over.items():
        count = rules.notice_count(tally.unexcused, tally.lateness, rule_set)
        member = members[mid]
        demerit = existing.get(mid)
        if demerit is None:
            org = responsible_organization(orgs[tally.organization_id])
            _, body = _notice_text(member, year, count, rule_set, org)
            try:
                with transaction.atomic():
                    demerit = OrganizationDemerit.objects.create(
                        organization=org, year=year, member=member, count=count, reason=body[:300]
                    )
            except IntegrityError:  # a concurrent check recorded it first
                demerit = OrganizationDemerit.objects.select_related("organization").get(
                    source=OrganizationDemerit.Source.TRAINING_ABSENCE, member=member, year=year
                )
            else:
                outcome.demerits += 1
                audit.record(None, "create", demerit, changes={"member": mid, "year": year, "count": count})
        elif demerit.withdrawn_at is not None:
            OrganizationDemerit.objects.filter(pk=demerit.pk).update(
                withdrawn_at=None, withdrawn_reason="", count=count
            )
            outcome.reinstated += 1
            audit.record(None, "update", demerit, changes={"withdrawn_at": [str(demerit.withdrawn_at), None]})
        title, body = _notice_text(member, year, count, rule_set, demerit.organization)
        url = reverse("training:card", args=[mid]) + f"?year={year}"
        for user in notice_recipients(demerit.organization):
            _, new = notify(
                user,
                kind="training_absence",
                title=title,
                body=body,
                key=f"training:absence:{year}:member{mid}",
                url=url,
                org_path=demerit.organization.path,
            )
            outcome.notices += new
    for mid, demerit in existing.items():
        if mid in over or demerit.withdrawn_at is not None:
            continue
        tally = tallies.get(mid)
        count = rules.notice_count(tally.unexcused, tally.lateness, rule_set) if tally else 0
        reason = f"出勤记录更正后为 {count} 次，未超过 {rule_set.absence_limit} 次"
        OrganizationDemerit.objects.filter(pk=demerit.pk, withdrawn_at=None).update(
            withdrawn_at=now, withdrawn_reason=reason
        )
        outcome.withdrawn += 1
        audit.record(None, "update", demerit, changes={"withdrawn": [False, True]}, note=reason)
    return outcome


# ---- tests --------------------------------------------------------------------------------

EXAM_FIELDS = ["title", "held_on", "full_mark", "pass_mark"]


def _check_exam(exam: Exam) -> None:
    if exam.pass_mark is not None and exam.full_mark is not None and exam.pass_mark > exam.full_mark:
        raise ValidationError({"pass_mark": "及格分不能高于满分"})


@transaction.atomic
def create_exam(actor, course: Course, **fields) -> Exam:
    require_manager(actor, course.organizer)
    exam = Exam(course=course, **fields)
    exam.full_clean()
    _check_exam(exam)
    exam.save()
    audit.record(actor, "create", exam, changes=audit.snapshot(exam, EXAM_FIELDS))
    return exam


@transaction.atomic
def update_exam(actor, exam: Exam, **fields) -> Exam:
    require_manager(actor, exam.course.organizer)
    exam = Exam.objects.select_for_update().select_related("course__organizer").get(pk=exam.pk)
    before = audit.snapshot(exam, EXAM_FIELDS)
    for name, value in fields.items():
        if name not in EXAM_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(exam, name, value)
    exam.full_clean()
    _check_exam(exam)
    top = max(exam.results.values_list("score", flat=True), default=None)
    if top is not None and top > exam.full_mark:
        raise ValidationError({"full_mark": f"已有成绩 {top} 分，满分不能低于此分"})
    _bump(exam, fields, actor, audit.diff(before, audit.snapshot(exam, EXAM_FIELDS)))
    return exam


@transaction.atomic
def delete_exam(actor, exam: Exam) -> None:
    require_manager(actor, exam.course.organizer)
    if exam.results.exists():
        raise ValidationError("该考试已有成绩，不能删除")
    audit.record(actor, "delete", exam, changes=audit.snapshot(exam, EXAM_FIELDS))
    exam.delete()


@transaction.atomic
def record_results(actor, exam: Exam, scores: dict[int, Decimal | None]) -> int:
    """Scores by enrollment id (None clears a score). All or nothing; returns rows changed."""
    require_manager(actor, exam.course.organizer)
    exam = Exam.objects.select_related("course__organizer").get(pk=exam.pk)
    roster = {e.pk: e for e in exam.course.enrollments.select_related("member", "organization")}
    errors = []
    for eid, score in scores.items():
        if eid not in roster:
            errors.append(f"第 {eid} 号学员不在本班名单中")
        elif score is not None:
            error = rules.score_error(score, exam.full_mark)
            if error:
                errors.append(f"{roster[eid].member.name}：{error}")
    if errors:
        raise ValidationError(errors)
    existing = {r.enrollment_id: r for r in ExamResult.objects.select_for_update().filter(exam=exam)}
    by = actor if getattr(actor, "is_authenticated", False) else None
    changed = 0
    for eid, score in scores.items():
        r = existing.get(eid)
        if score is None:
            if r is not None:
                audit.record(actor, "delete", r, changes={"score": str(r.score)})
                r.delete()
                changed += 1
            continue
        if r is None:
            r = ExamResult.objects.create(exam=exam, enrollment=roster[eid], score=score, recorded_by=by)
            audit.record(actor, "create", r, changes={"exam": exam.pk, "score": str(score)})
        elif r.score != score:
            old = r.score
            ExamResult.objects.filter(pk=r.pk).update(score=score, recorded_by=by, revision=F("revision") + 1)
            audit.record(actor, "update", r, changes={"score": [str(old), str(score)]})
        else:
            continue
        changed += 1
    return changed


# ---- study records ------------------------------------------------------------------------


@transaction.atomic
def add_study_record(
    actor, member: Member, *, on: date, hours: Decimal, title: str, source: str = StudyRecord.Source.ONLINE
) -> StudyRecord:
    require_manager(actor, member.organization)
    errors = {}
    if member.status not in Member.ACTIVE_STATUSES:
        errors["member"] = f"{member.name} 不是在册党员"
    if on > timezone.localdate():
        errors["on"] = "学习日期不能晚于今天"
    if hours > 24:
        errors["hours"] = "一条记录不超过24学时；多日学习请分条登记"
    if errors:
        raise ValidationError(errors)
    by = actor if getattr(actor, "is_authenticated", False) else None
    record = StudyRecord(
        member=member, organization=member.organization, on=on, hours=hours, title=title, source=source, recorded_by=by
    )
    record.full_clean()
    record.save()
    audit.record(actor, "create", record, changes={"member": member.pk, "on": on, "hours": hours, "title": title})
    return record


@transaction.atomic
def delete_study_record(actor, record: StudyRecord) -> None:
    # The record is on the member's card, which the member's organization now manages.
    require_manager(actor, record.member.organization)
    audit.record(actor, "delete", record, changes={"member": record.member_id, "hours": record.hours})
    record.delete()


# ---- reminders ----------------------------------------------------------------------------


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
