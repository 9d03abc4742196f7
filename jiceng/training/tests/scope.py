"""Rows of the outsider walk for the training pages and API (see jiceng/core/tests/scope.py).

The victim is town B's own course, "乙乡秘密培训班", with 赵秘密 (phone 13900009999) on its
roster: a session with attendance, a test with a score, a study record, a venue and a
demerit recorded against town B's branch; and a study record town A's branch made before
赵秘密 moved to town B (the card follows the member: town A must not see it any more).
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal


def setup(county):
    from jiceng.training import services
    from jiceng.training.models import Attendance, OrganizationDemerit, StudyRecord, Venue

    admin = county.admin_b
    venue = services.save_venue(
        admin, name="乙乡秘密家庭党校", kind=Venue.Kind.FAMILY_SCHOOL, organization=county.branch_b
    )
    course = services.create_course(
        admin, title="乙乡秘密培训班", kind="winter", organizer=county.town_b, year=2026, description="秘密课程"
    )
    session = services.create_session(
        admin,
        course,
        on=date(2026, 1, 15),
        start_time=time(9, 0),
        end_time=time(11, 0),
        class_hours=Decimal("2"),
        topic="乙乡秘密专题",
        teacher="秘密老师",
        venue=venue,
        place="",
    )
    (enrollment,) = services.enroll(admin, course, [county.member_b])
    services.record_attendance(admin, session, {enrollment.pk: ("late", "秘密备注")})
    exam = services.create_exam(admin, course, title="乙乡秘密测试", held_on=date(2026, 1, 15))
    services.record_results(admin, exam, {enrollment.pk: Decimal("88")})
    study = services.add_study_record(
        admin, county.member_b, on=date(2026, 1, 20), hours=Decimal("2"), title="乙乡秘密自学", source="online"
    )
    # Recorded by town A's branch before 赵秘密 moved to town B (ADR 0011: the card and its study
    # records follow the member, so town A no longer sees it).
    StudyRecord.objects.create(
        member=county.member_b,
        organization=county.branch_a,
        on=date(2026, 1, 5),
        hours=Decimal("1"),
        title="乙乡秘密调动前自学",
        source="self_study",
    )
    demerit = OrganizationDemerit.objects.create(
        organization=county.branch_b, year=2026, member=county.member_b, count=3, reason="乙乡秘密通报"
    )
    assert Attendance.objects.filter(session=session).count() == 1
    assert StudyRecord.objects.filter(pk=study.pk).exists()
    return {
        "t_course": course.pk,
        "t_session": session.pk,
        "t_token": session.sign_in_token,
        "t_enrollment": enrollment.pk,
        "t_exam": exam.pk,
        "t_study": study.pk,
        "t_venue": venue.pk,
        "t_demerit": demerit.pk,
        "t_member": county.member_b.pk,
    }


def samples(county, victim):
    course = {"pk": victim["t_course"]}
    session = {"pk": victim["t_session"]}
    exam = {"pk": victim["t_exam"]}
    return {
        "training:courses": {},
        "training:course_export": {},
        "training:course_create": {},
        "training:course_detail": course,
        "training:course_edit": course,
        "training:course_delete": course,
        "training:course_export_matrix": course,
        "training:enroll": course,
        "training:session_create": course,
        "training:exam_create": course,
        "training:withdraw": {"pk": victim["t_enrollment"]},
        "training:session_detail": session,
        "training:session_edit": session,
        "training:session_delete": session,
        "training:attendance": session,
        "training:session_qr": session,
        "training:sign_in": {"pk": victim["t_session"], "token": victim["t_token"]},
        "training:exam_detail": exam,
        "training:exam_edit": exam,
        "training:exam_delete": exam,
        "training:exam_template": exam,
        "training:exam_import": exam,
        "training:exam_import_confirm": exam,
        "training:cards": {},
        "training:card_export": {},
        "training:my_card": {},
        "training:card": {"member_pk": victim["t_member"]},
        "training:study": {},
        "training:study_export": {},
        "training:study_delete": {"pk": victim["t_study"]},
        "training:summary_home": {},
        "training:org_summary": {"pk": county.town_b.pk},
        "training:org_summary_export": {"pk": county.town_b.pk},
        "training:demerits": {},
        "training:demerit_export": {},
        "training:venues": {},
        "training:venue_create": {},
        "training:venue_edit": {"pk": victim["t_venue"]},
        "training:settings": {},
        "training:panel_org": {"pk": county.branch_b.pk},
        "training:panel_command": {"pk": county.town_b.pk},
        "training-course-list": {},
        "training-course-detail": course,
        "training-session-list": {},
        "training-session-detail": session,
        "training-card-list": {},
        "training-card-detail": {"pk": victim["t_member"]},
    }


QUERIES = {
    "training:courses": "?organizer={town_b}",
    "training:course_export": "?organizer={town_b}",
    "training:cards": "?organization={town_b}&year=2026",
    "training:card_export": "?q=赵秘密&year=2026",
    "training:card": "?year=2026",
    "training:study": "?organization={town_b}",
    "training:study_export": "?q=秘密",
    "training:demerits": "?organization={town_b}",
    "training:demerit_export": "?year=2026",
    "training:org_summary": "?year=2026",
    "training:org_summary_export": "?year=2026",
    "training-course-list": "?organizer={town_b}",
    "training-session-list": "?course={t_course}",
    "training-card-list": "?organization={town_b}&year=2026",
    "training-card-detail": "?year=2026",
}
POSTS = {
    "training:course_create": {"title": "外来培训班", "kind": "special", "organizer": "{town_b}", "year": "2026"},
    "training:course_edit": {"title": "改名", "kind": "special", "organizer": "{town_b}", "year": "2026"},
    "training:enroll": {"member": "{t_member}"},
    "training:session_create": {
        "on": "2026-02-01",
        "start_time": "09:00",
        "end_time": "10:00",
        "class_hours": "1",
        "topic": "外来",
        "place": "外来",
    },
    "training:session_edit": {
        "on": "2026-02-01",
        "start_time": "09:00",
        "end_time": "10:00",
        "class_hours": "1",
        "topic": "外来",
        "place": "外来",
    },
    "training:attendance": {"s{t_enrollment}": "present"},
    "training:exam_create": {"title": "外来", "held_on": "2026-02-01", "full_mark": "100", "pass_mark": "60"},
    "training:exam_edit": {"title": "外来", "held_on": "2026-02-01", "full_mark": "100", "pass_mark": "60"},
    "training:exam_detail": {"score{t_enrollment}": "1"},
    "training:exam_import_confirm": {"token": "x"},
    "training:card": {"on": "2026-02-01", "hours": "3", "title": "外来", "source": "online"},
    "training:venue_create": {"name": "外来场所", "kind": "other", "organization": "{branch_b}"},
    "training:venue_edit": {"name": "外来场所", "kind": "other", "organization": "{branch_b}"},
    "training:settings": {
        "class_size_max": "99",
        "lateness_per_missed_lesson": "9",
        "absence_limit": "9",
        "credits_per_class_hour": "9",
        "credits_per_study_hour": "9",
        "credits_per_passed_exam": "9",
        "annual_hours_target": "9",
    },
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.training.models import (
        Attendance,
        Course,
        Enrollment,
        Exam,
        ExamResult,
        OrganizationDemerit,
        Session,
        StudyRecord,
        TrainingSettings,
        Venue,
    )

    b = county.town_b.path
    return (
        list(Course.objects.filter(organizer__path__startswith=b).values()),
        list(Session.objects.filter(course__organizer__path__startswith=b).values()),
        list(Enrollment.objects.filter(organization__path__startswith=b).values()),
        list(Attendance.objects.filter(enrollment__organization__path__startswith=b).values()),
        list(Exam.objects.filter(course__organizer__path__startswith=b).values()),
        list(ExamResult.objects.filter(enrollment__organization__path__startswith=b).values()),
        list(StudyRecord.objects.filter(member__organization__path__startswith=b).values()),
        list(Venue.objects.filter(organization__path__startswith=b).values()),
        list(OrganizationDemerit.objects.filter(organization__path__startswith=b).values()),
        Course.objects.count(),
        Venue.objects.count(),
        list(TrainingSettings.objects.values()),
    )
