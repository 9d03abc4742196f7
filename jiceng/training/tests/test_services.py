"""Services: enrollment, attendance, the absence notice and demerit, sign-in, tests, study."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.core.models import AuditEntry, Notification
from jiceng.members.models import Member
from jiceng.testing import add_member, at
from jiceng.training import services
from jiceng.training.models import Attendance, Course, Enrollment, OrganizationDemerit, TrainingSettings
from jiceng.training.testing import make_sessions

pytestmark = pytest.mark.django_db


def mark(actor, session, enrollment, status, note=""):
    return services.record_attendance(actor, session, {enrollment.pk: (status, note)}, now=at(2026, 11, 1, 9))


# ---- enrollment ---------------------------------------------------------------------------


def test_enrollment_is_audited_and_keeps_the_organization(county, training):
    assert training.zhang.organization == county.branch_a
    assert AuditEntry.objects.filter(object_type="training.Enrollment", object_id=str(training.zhang.pk)).exists()


def test_duplicates_are_refused_and_nothing_is_enrolled(county, training):
    wang = Member.objects.get(name="王五")
    with pytest.raises(ValidationError) as exc:
        services.enroll(county.admin_a, training.course, [wang, county.member_a])
    assert "不能重复报名：张三" in str(exc.value)
    assert not Enrollment.objects.filter(member=wang).exists()


def test_class_limit_refuses_the_whole_batch(county, training):
    services.update_course(county.admin_a, training.course, class_size_limit=3)
    extra = [add_member(county.branch_a, f"学员{i}") for i in range(2)]
    with pytest.raises(ValidationError) as exc:
        services.enroll(county.admin_a, training.course, extra)
    assert "本班人数上限 3 人，已有 2 人，本次报名 2 人，超出 1 人（还可报名 1 人）" in str(exc.value)
    assert training.course.enrollments.count() == 2
    services.enroll(county.admin_a, training.course, extra[:1])  # exactly at the limit is fine
    assert training.course.enrollments.count() == 3


def test_trainees_come_from_the_organizers_subtree(county, training):
    branch_course = services.create_course(
        county.secretary_a, title="支部学习班", kind="special", organizer=county.branch_a, year=2026
    )
    with pytest.raises(ValidationError, match="不在主办组织"):
        services.enroll(county.admin_a, training.course, [county.member_b])
    with pytest.raises(PermissionDenied):
        services.enroll(county.admin_b, branch_course, [county.member_b])
    with pytest.raises(PermissionDenied):
        services.enroll(county.member_user, branch_course, [county.member_a])


def test_inactive_members_cannot_enroll(county, training):
    gone = add_member(county.branch_a, "已故者")
    Member.objects.filter(pk=gone.pk).update(status="deceased")
    gone.refresh_from_db()
    with pytest.raises(ValidationError, match="已去世"):
        services.enroll(county.admin_a, training.course, [gone])


def test_academy_classes_are_capped_by_the_county_rule(county):
    with pytest.raises(ValidationError) as exc:
        services.create_course(
            county.admin_a, title="超大班", kind="academy", organizer=county.town_a, year=2026, class_size_limit=41
        )
    assert "书记学院每班不超过 40 人" in str(exc.value)
    winter = services.create_course(
        county.admin_a, title="冬训", kind="winter", organizer=county.town_a, year=2026, class_size_limit=None
    )
    assert winter.class_size_limit is None


def test_limit_cannot_drop_below_the_roster(county, training):
    with pytest.raises(ValidationError, match="已有 2 名学员"):
        services.update_course(county.admin_a, training.course, class_size_limit=1)


def test_withdraw_only_without_records(county, training):
    mark(county.admin_a, training.sessions[0], training.zhang, "present")
    with pytest.raises(ValidationError, match="不能移出"):
        services.withdraw(county.admin_a, training.zhang)
    services.withdraw(county.admin_a, training.li)
    assert not Enrollment.objects.filter(pk=training.li.pk).exists()


# ---- attendance ---------------------------------------------------------------------------


def test_attendance_waits_for_the_start_but_leave_can_be_recorded_ahead(county, training):
    future = training.sessions[3]  # 2026-07-10 09:00
    with pytest.raises(ValidationError) as exc:
        services.record_attendance(
            county.admin_a, future, {training.zhang.pk: ("present", "")}, now=at(2026, 7, 10, 8, 59)
        )
    assert "2026年07月10日 09:00 开始，开课后才能登记出勤" in str(exc.value)
    services.record_attendance(county.admin_a, future, {training.zhang.pk: ("excused", "出差")}, now=at(2026, 7, 1))
    services.record_attendance(county.admin_a, future, {training.li.pk: ("present", "")}, now=at(2026, 7, 10, 9))
    assert Attendance.objects.filter(session=future).count() == 2


def test_attendance_is_all_or_nothing(county, training):
    s = training.sessions[0]
    with pytest.raises(ValidationError):
        services.record_attendance(
            county.admin_a, s, {training.zhang.pk: ("present", ""), training.li.pk: ("asleep", "")}
        )
    assert not Attendance.objects.filter(session=s).exists()


def test_changing_attendance_is_audited(county, training):
    s = training.sessions[0]
    assert mark(county.admin_a, s, training.zhang, "late") == 1
    assert mark(county.admin_a, s, training.zhang, "late") == 0  # unchanged
    assert mark(county.admin_a, s, training.zhang, "present") == 1
    a = Attendance.objects.get(session=s, enrollment=training.zhang)
    entry = AuditEntry.objects.filter(object_type="training.Attendance", object_id=str(a.pk), action="update").get()
    assert entry.changes == {"status": ["late", "present"]}


# ---- the absence notice and the demerit ------------------------------------------------------


def _absent(county, training, sessions, enrollment=None):
    for s in sessions:
        mark(county.admin_a, s, enrollment or training.zhang, "unexcused")


def test_two_absences_are_allowed_the_third_notifies_the_persons_organization(county, training):
    _absent(county, training, training.sessions[:2])
    assert not OrganizationDemerit.objects.exists()
    assert not Notification.objects.filter(kind="training_absence").exists()
    _absent(county, training, training.sessions[2:3])
    demerit = OrganizationDemerit.objects.get()
    # The person's organization (the branch), not the organizer (town A).
    assert demerit.organization == county.branch_a and demerit.member == county.member_a
    assert (demerit.year, demerit.count, demerit.active) == (2026, 3, True)
    notices = Notification.objects.filter(kind="training_absence")
    assert [n.recipient for n in notices] == [county.secretary_a]
    assert "张三" in notices[0].title and "超过县里规定的 2 次" in notices[0].body
    assert notices[0].url == f"/training/cards/{county.member_a.pk}/?year=2026"


def test_the_notice_and_demerit_happen_once(county, training):
    _absent(county, training, training.sessions[:3])
    _absent(county, training, training.sessions[3:])  # a fourth absence
    for _ in range(2):
        outcome = services.check_absences(2026)
        assert (outcome.demerits, outcome.notices) == (0, 0)
    assert OrganizationDemerit.objects.count() == 1
    assert Notification.objects.filter(kind="training_absence").count() == 1


def test_absences_count_across_courses_of_the_same_year(county, training):
    other = services.create_course(county.admin_a, title="专题培训", kind="special", organizer=county.town_a, year=2026)
    sessions = make_sessions(county.admin_a, other, [date(2026, 6, 1)])
    (e,) = services.enroll(county.admin_a, other, [county.member_a])
    _absent(county, training, training.sessions[:2])
    mark(county.admin_a, sessions[0], e, "unexcused")
    assert OrganizationDemerit.objects.filter(member=county.member_a, year=2026).exists()


def test_the_year_boundary(county):
    course = services.create_course(county.admin_a, title="冬训", kind="winter", organizer=county.town_a, year=2025)
    sessions = make_sessions(county.admin_a, course, [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1)])
    (e,) = services.enroll(county.admin_a, course, [county.member_a])
    for s in sessions:
        mark(county.admin_a, s, e, "unexcused")
    assert not OrganizationDemerit.objects.exists()  # two in 2025, one in 2026
    more = make_sessions(county.admin_a, course, [date(2025, 12, 29)])
    mark(county.admin_a, more[0], e, "unexcused")
    assert list(OrganizationDemerit.objects.values_list("year", flat=True)) == [2025]


def _notices():
    return Notification.objects.filter(kind="training_absence")


def test_the_academy_rule_by_default_two_lateness_are_one_absence_toward_the_notice(county, training):
    """Spec §3: two late arrivals / early leaves count as one missed lesson, and more than two
    a year notify the person's organization. The county's default counts them (ADR 0011)."""
    assert TrainingSettings.current().lateness_counts_toward_notice is True
    assert not TrainingSettings.objects.exists()  # the default, not a saved choice
    fifth = make_sessions(county.admin_a, training.course, [date(2026, 9, 10)])[0]
    _absent(county, training, training.sessions[:2])
    # 2 absences: the limit itself is allowed.
    assert not OrganizationDemerit.objects.exists() and not _notices().exists()
    # 2 absences + 1 late: half a missed lesson does not count.
    mark(county.admin_a, training.sessions[2], training.zhang, "late")
    assert not OrganizationDemerit.objects.exists() and not _notices().exists()
    # 2 absences + 2 late (a late arrival and an early leave): 2 + 1 = 3 > 2.
    mark(county.admin_a, training.sessions[3], training.zhang, "early_leave")
    demerit = OrganizationDemerit.objects.get()
    assert (demerit.organization, demerit.member, demerit.count) == (county.branch_a, county.member_a, 3)
    notice = _notices().get()
    assert notice.recipient == county.secretary_a and "含迟到早退折算" in notice.body
    # Once per person and year: a further late arrival, the job and a re-check send nothing new.
    mark(county.admin_a, fifth, training.zhang, "late")
    for _ in range(2):
        assert (services.check_absences(2026).notices, services.check_absences(2026).demerits) == (0, 0)
    assert _notices().count() == 1 and OrganizationDemerit.objects.count() == 1


def test_the_county_can_count_unexcused_absences_only(county, training):
    services.update_settings(county.county_admin, lateness_counts_toward_notice=False)
    _absent(county, training, training.sessions[:2])
    mark(county.admin_a, training.sessions[2], training.zhang, "late")
    mark(county.admin_a, training.sessions[3], training.zhang, "early_leave")
    assert not OrganizationDemerit.objects.exists() and not _notices().exists()
    # Saving the rule checks this year at once (the records are 2026's, so the rule is saved in
    # 2026): 2 unexcused + (2 lateness → 1) = 3.
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        services.update_settings(county.county_admin, lateness_counts_toward_notice=True)
    assert OrganizationDemerit.objects.get().count == 3
    assert _notices().count() == 1


def test_a_correction_withdraws_the_demerit_and_a_relapse_restores_it_without_a_second_notice(county, training):
    _absent(county, training, training.sessions[:3])
    mark(county.admin_a, training.sessions[2], training.zhang, "excused", "补交请假条")
    demerit = OrganizationDemerit.objects.get()
    assert not demerit.active and "更正后为 2 次" in demerit.withdrawn_reason
    _absent(county, training, training.sessions[3:])
    demerit.refresh_from_db()
    assert demerit.active
    assert Notification.objects.filter(kind="training_absence").count() == 1


def test_a_party_group_members_demerit_goes_to_the_branch(county, training):
    wang = Member.objects.get(name="王五")
    (e,) = services.enroll(county.admin_a, training.course, [wang])
    _absent(county, training, training.sessions[:3], e)
    assert OrganizationDemerit.objects.get(member=wang).organization == county.branch_a


def test_an_organization_without_managers_on_record_is_told_through_the_level_above(county, training):
    villager = add_member(county.village_a, "总支党员")
    (e,) = services.enroll(county.admin_a, training.course, [villager])
    _absent(county, training, training.sessions[:3], e)
    assert OrganizationDemerit.objects.get(member=villager).organization == county.village_a
    assert [n.recipient for n in Notification.objects.filter(kind="training_absence")] == [county.admin_a]


def test_moving_a_session_to_another_year_moves_its_absence(county, training):
    _absent(county, training, training.sessions[:3])
    services.update_session(county.admin_a, training.sessions[0], on=date(2025, 12, 1))
    assert not OrganizationDemerit.objects.get(year=2026).active


def test_settings_are_for_the_county_admin(county):
    with pytest.raises(PermissionDenied):
        services.update_settings(county.admin_a, absence_limit=5)
    services.update_settings(county.county_admin, absence_limit=5)
    assert TrainingSettings.current().absence_limit == 5
    with pytest.raises(ValidationError):
        services.update_settings(county.county_admin, lateness_per_missed_lesson=0)


# ---- QR sign-in ---------------------------------------------------------------------------


def test_sign_in_window_and_lateness(county, training):
    s = training.sessions[3]  # 2026-07-10 09:00–12:00
    user = county.member_user
    with pytest.raises(ValidationError, match="07月10日 08:00 起可以签到"):
        services.sign_in(user, s, s.sign_in_token, now=at(2026, 7, 10, 7, 59))
    a, new = services.sign_in(user, s, s.sign_in_token, now=at(2026, 7, 10, 8, 0))
    assert new and a.status == "present" and a.source == "qr"
    again, new = services.sign_in(user, s, s.sign_in_token, now=at(2026, 7, 10, 8, 1))
    assert not new and again.pk == a.pk
    late, new = services.sign_in(
        user, training.sessions[2], training.sessions[2].sign_in_token, now=at(2026, 5, 10, 9, 1)
    )
    assert new and late.status == "late"
    with pytest.raises(ValidationError, match="签到已于 04月10日 12:00 结束"):
        services.sign_in(user, training.sessions[1], training.sessions[1].sign_in_token, now=at(2026, 4, 10, 12, 1))
    with pytest.raises(PermissionDenied):
        services.sign_in(user, s, "wrong", now=at(2026, 7, 10, 9))
    with pytest.raises(ValidationError, match="不在本培训班名单"):
        services.sign_in(county.secretary_a, s, s.sign_in_token, now=at(2026, 7, 10, 9))


def test_sign_in_leaves_the_organizers_record_alone(county, training):
    s = training.sessions[3]
    services.record_attendance(county.admin_a, s, {training.zhang.pk: ("excused", "")}, now=at(2026, 7, 1))
    a, new = services.sign_in(county.member_user, s, s.sign_in_token, now=at(2026, 7, 10, 8, 30))
    assert not new and a.status == "excused"


# ---- tests and study ----------------------------------------------------------------------


def test_results_are_validated_and_audited(county, training):
    exam = services.create_exam(county.admin_a, training.course, title="结业测试", held_on=date(2026, 5, 10))
    with pytest.raises(ValidationError, match="不能超过满分 100"):
        services.record_results(county.admin_a, exam, {training.zhang.pk: Decimal("100.5")})
    assert services.record_results(county.admin_a, exam, {training.zhang.pk: Decimal("60"), training.li.pk: None}) == 1
    assert services.record_results(county.admin_a, exam, {training.zhang.pk: Decimal("75")}) == 1
    assert exam.results.get().score == Decimal("75")
    assert services.record_results(county.admin_a, exam, {training.zhang.pk: None}) == 1
    assert not exam.results.exists()
    with pytest.raises(ValidationError, match="及格分不能高于满分"):
        services.update_exam(county.admin_a, exam, pass_mark=Decimal("101"))


def test_study_records_are_checked(county):
    with pytest.raises(ValidationError) as exc:
        services.add_study_record(
            county.secretary_a, county.member_a, on=date(2099, 1, 1), hours=Decimal("30"), title="x"
        )
    assert set(exc.value.message_dict) == {"on", "hours"}
    with pytest.raises(PermissionDenied):
        services.add_study_record(county.admin_b, county.member_a, on=date(2026, 1, 1), hours=Decimal("2"), title="x")


def test_sessions_need_a_place_and_an_end_after_the_start(county, training):
    with pytest.raises(ValidationError) as exc:
        services.create_session(
            county.admin_a,
            training.course,
            on=date(2026, 8, 1),
            start_time=time(10),
            end_time=time(9),
            class_hours=Decimal("1"),
            topic="x",
            place="",
        )
    assert set(exc.value.message_dict) == {"end_time", "place"}


def test_courses_with_records_cannot_be_deleted(county, training):
    with pytest.raises(ValidationError, match="不能删除"):
        services.delete_course(county.admin_a, training.course)
    empty = services.create_course(county.admin_a, title="空班", kind="special", organizer=county.town_a, year=2026)
    services.delete_course(county.admin_a, empty)
    assert not Course.objects.filter(pk=empty.pk).exists()


def test_the_notice_is_mailed_once_where_mail_is_configured(county, training, settings):
    from django.core import mail

    settings.JICENG_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    county.secretary_a.email = "sec@example.org"
    county.secretary_a.save()
    _absent(county, training, training.sessions[:3])
    services.check_absences(2026)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sec@example.org"] and "张三" in mail.outbox[0].subject
