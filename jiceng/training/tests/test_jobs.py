"""Periodic training jobs: reminders for tomorrow and the absence-notice safety net,
both idempotent, both run by the shared scheduler."""

from __future__ import annotations

from datetime import date

import pytest

from jiceng.core import jobs
from jiceng.core.models import Notification
from jiceng.testing import at
from jiceng.training import services
from jiceng.training.models import Attendance, OrganizationDemerit

pytestmark = pytest.mark.django_db


def test_reminders_for_tomorrows_session_are_sent_once(county, training):
    # 2026-07-10 is the fourth session; 张三 has the member account, 李四 has none.
    now = at(2026, 7, 9, 8)
    assert jobs.run_job("training.session_reminders", now) == "提醒 1 条"
    assert jobs.run_job("training.session_reminders", at(2026, 7, 9, 20)) == "提醒 0 条"
    notice = Notification.objects.get(kind="training_reminder")
    assert notice.recipient == county.member_user
    assert "甲镇书记学院第1期" in notice.title and "07月10日 09:00—12:00" in notice.body
    assert jobs.run_job("training.session_reminders", at(2026, 7, 10, 8)) == "提醒 0 条"  # nothing on the 11th


def test_a_moved_session_is_reminded_again(county, training):
    jobs.run_job("training.session_reminders", at(2026, 7, 9, 8))
    services.update_session(county.admin_a, training.sessions[3], on=date(2026, 7, 20))
    assert jobs.run_job("training.session_reminders", at(2026, 7, 19, 8)) == "提醒 1 条"


def test_the_absence_job_catches_what_was_written_around_the_services(county, training):
    # Written directly (e.g. by a data repair): the immediate check never ran.
    Attendance.objects.bulk_create(
        [Attendance(session=s, enrollment=training.li, status="unexcused") for s in training.sessions[:3]]
    )
    assert not OrganizationDemerit.objects.exists()
    result = jobs.run_job("training.absence_notices", at(2026, 11, 1))
    assert "2026年：新记扣分 1，新发通报 1" in result
    assert OrganizationDemerit.objects.get().member.name == "李四"
    again = jobs.run_job("training.absence_notices", at(2026, 11, 2))
    assert "2026年：新记扣分 0，新发通报 0" in again
    assert Notification.objects.filter(kind="training_absence").count() == 1


def test_organizers_are_asked_to_record_attendance_once(county, training):
    # The fourth session ended at 12:00 on 2026-07-10 with nobody recorded.
    assert jobs.run_job("training.attendance_missing", at(2026, 7, 10, 11)) == "提醒 0 条"  # not over yet
    assert jobs.run_job("training.attendance_missing", at(2026, 7, 10, 13)) == "提醒 1 条"
    assert jobs.run_job("training.attendance_missing", at(2026, 7, 11, 13)) == "提醒 0 条"
    notice = Notification.objects.get(kind="training_attendance")
    assert notice.recipient == county.admin_a and notice.url.endswith(
        f"/sessions/{training.sessions[3].pk}/attendance/"
    )


def test_the_scheduler_lists_the_training_jobs():
    names = set(jobs.all_jobs())
    assert {"training.session_reminders", "training.absence_notices", "training.attendance_missing"} <= names
