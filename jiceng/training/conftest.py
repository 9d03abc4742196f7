"""Fixtures of the training tests: a course of town A's secretary academy with four sessions,
two trainees, and the clock helpers. Victim records of town B live in tests/scope.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from jiceng.members.models import Member

from . import services
from .models import Course, Enrollment, Session, Venue


def at(*args) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return timezone.make_aware(datetime(*args))


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 costs a few tenths of a second per user on a busy machine; these tests check
    training, not password hashing (the login tests of accounts keep the real hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Training:
    course: Course
    sessions: list[Session]
    zhang: Enrollment  # member_a (张三, branch_a, has the member account)
    li: Enrollment  # 李四 (branch_a, no account)
    venue: Venue


def make_sessions(actor, course, days, hours=Decimal("3")) -> list[Session]:
    return [
        services.create_session(
            actor,
            course,
            on=d,
            start_time=time(9, 0),
            end_time=time(12, 0),
            class_hours=hours,
            topic=f"第{i + 1}讲",
            teacher="县委党校",
            venue=None,
            place="甲镇党群服务中心",
        )
        for i, d in enumerate(days)
    ]


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
