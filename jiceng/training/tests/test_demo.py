"""The demo county's year of training (tiny scale)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jiceng.core.models import Notification
from jiceng.demo.testing import tiny_demo
from jiceng.training import rules
from jiceng.training.models import Attendance, Course, Enrollment, OrganizationDemerit, Session, StudyRecord, Venue

pytestmark = pytest.mark.django_db


def test_demo_has_a_year_of_training_with_notices():
    result = tiny_demo(3, password="demo-test-2468")
    figures = dict(result["apps"])["training"]
    assert figures["培训班"] == Course.objects.count() > 0
    assert figures["缺课通报扣分"] >= 2
    today = timezone.localdate()
    assert Course.objects.filter(kind="academy").exists() and Course.objects.filter(kind="winter").exists()
    assert set(Venue.objects.values_list("kind", flat=True)) >= {"training_base", "family_school", "service_centre"}
    # Classes stay within the county's limit, and every trainee is inside the organizer's subtree.
    for course in Course.objects.filter(kind="academy"):
        assert course.enrollments.count() <= course.class_size_limit <= 40
    for e in Enrollment.objects.select_related("course__organizer", "organization"):
        assert e.organization.path.startswith(e.course.organizer.path)
    # Attendance only for sessions that have begun; one session tomorrow for the reminders.
    assert not Attendance.objects.filter(session__on__gte=today).exists()
    assert Session.objects.filter(on=today + timedelta(days=1)).exists()
    statuses = set(Attendance.objects.values_list("status", flat=True))
    assert {"present", "late", "unexcused", "excused"} <= statuses
    for d in OrganizationDemerit.objects.all():
        count = Attendance.objects.filter(
            enrollment__member=d.member, session__on__year=d.year, status=rules.UNEXCUSED
        ).count()
        assert count > 2
    assert Notification.objects.filter(kind="training_absence").exists()
    assert StudyRecord.objects.exists()
