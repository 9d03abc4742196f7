"""Builders for the ratings tests."""

from __future__ import annotations

from datetime import date

from jiceng.life import services as life
from jiceng.life.defaults import seed
from jiceng.life.models import ActivityType, Attendance, Record
from jiceng.ratings import services
from jiceng.ratings.models import PointItem
from jiceng.testing import held


def meeting(actor, org, day: date, absent=(), topic="学习党章") -> Record:
    """A held general meeting of `org` on `day`, everyone present but `absent` (no leave)."""
    seed(ActivityType)
    record = life.create_record(
        actor,
        organization=org,
        activity_type=ActivityType.objects.get(code="general_meeting"),
        **held(day, topic=topic),
    )
    marks = {
        a.member_id: (
            Attendance.Status.ABSENT if a.member_id in {m.pk for m in absent} else Attendance.Status.PRESENT,
            False,
            False,
        )
        for a in record.attendance.all()
    }
    life.set_attendance(actor, record, marks)
    return record


def item(code: str, day: date) -> PointItem:
    """The item `code` of the scheme in force on `day`."""
    return services.scheme_for(day.replace(day=1)).items.get(code=code)
