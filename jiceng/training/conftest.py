"""Fixtures of the training tests: a course of town A's secretary academy with four sessions and
two trainees (builders in jiceng/training/testing.py). Victim records of town B live in
tests/scope.py."""

from __future__ import annotations

from datetime import date

import pytest

from jiceng.members.models import Member

from . import services
from .models import Course, Venue
from .testing import Training, make_sessions


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 costs a few tenths of a second per user on a busy machine; these tests check
    training, not password hashing (the login tests of accounts keep the real hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def training(county) -> Training:
    venue = services.save_venue(
        county.admin_a, name="甲镇东村家庭党校", kind=Venue.Kind.FAMILY_SCHOOL, organization=county.village_a
    )
    course = services.create_course(
        county.admin_a,
        title="甲镇书记学院第1期",
        kind=Course.Kind.ACADEMY,
        organizer=county.town_a,
        year=2026,
        class_size_limit=40,
    )
    sessions = make_sessions(
        county.admin_a, course, [date(2026, 3, 10), date(2026, 4, 10), date(2026, 5, 10), date(2026, 7, 10)]
    )
    li = Member.objects.get(name="李四")
    zhang, li_e = services.enroll(county.admin_a, course, [county.member_a, li])
    return Training(course, sessions, zhang, li_e, venue)
