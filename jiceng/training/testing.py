"""Builders of the training tests (the fixtures are in jiceng/training/conftest.py; what every
app's tests share, `at` included, is in jiceng/testing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from . import services
from .models import Course, Enrollment, Session, Venue


@dataclass
class Training:
    course: Course
    sessions: list[Session]
    zhang: Enrollment  # member_a (张三, branch_a, has the member account)
    li: Enrollment  # 李四 (branch_a, no account)
    venue: Venue


def make_sessions(actor, course, days, hours=Decimal("3")) -> list[Session]:
    """One morning session (9:00–12:00, `hours` class hours) of `course` on each of `days`."""
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
