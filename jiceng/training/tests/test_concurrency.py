"""Concurrent enrollments never pass the class limit; concurrent checks record one demerit.

Real threads on real PostgreSQL connections (the production database): the course row is
locked with SELECT ... FOR UPDATE, so the second request counts the first one's trainee.
SQLite serialises writers anyway and the in-memory test database cannot be shared between
threads, so these run on PostgreSQL only.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from jiceng.testing import add_member
from jiceng.training import services
from jiceng.training.models import Attendance, Enrollment, OrganizationDemerit

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, fn):
        try:
            barrier.wait()
            outcomes[i] = fn()
        except Exception as exc:  # collected and checked by the test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serialises writers)")


def test_two_enrollments_at_once_cannot_pass_the_limit(county, training):
    services.update_course(county.admin_a, training.course, class_size_limit=3)  # 2 enrolled, room for 1
    people = [add_member(county.branch_a, name) for name in "甲乙丙丁"]
    outcomes = run_together(*[lambda m=m: services.enroll(county.admin_a, training.course, [m]) for m in people])
    errors = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(errors) == 3 and all("本班人数上限 3 人" in str(e) for e in errors), outcomes
    assert Enrollment.objects.filter(course=training.course).count() == 3


def test_the_same_member_enrolled_twice_at_once_is_enrolled_once(county, training):
    c = add_member(county.branch_a, "戊")
    outcomes = run_together(*[lambda: services.enroll(county.admin_a, training.course, [c])] * 2)
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert Enrollment.objects.filter(course=training.course, member=c).count() == 1


def test_two_checks_at_once_record_one_demerit(county, training):
    Attendance.objects.bulk_create(
        [Attendance(session=s, enrollment=training.li, status="unexcused") for s in training.sessions[:3]]
    )
    outcomes = run_together(*[lambda: services.check_absences(2026)] * 3)
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert OrganizationDemerit.objects.count() == 1
    assert sum(o.demerits for o in outcomes) == 1


def test_qr_sign_in_and_the_roster_at_once_leave_one_record(county, training):
    from jiceng.testing import at

    s = training.sessions[3]
    now = at(2026, 7, 10, 9, 30)
    outcomes = run_together(
        lambda: services.sign_in(county.member_user, s, s.sign_in_token, now=now),
        lambda: services.record_attendance(county.admin_a, s, {training.zhang.pk: ("present", "")}, now=now),
    )
    assert all(o is not None and (not isinstance(o, Exception) or isinstance(o, ValidationError)) for o in outcomes)
    assert Attendance.objects.filter(session=s, enrollment=training.zhang).count() == 1
