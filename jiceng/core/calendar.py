"""The working-day calendar: Chinese public holidays and make-up working days (调休).

The State Council publishes each winter the next year's schedule, so the calendar is a
table (`CalendarDay`, `CalendarYear`), seeded from the chinesecalendar library for the years
it knows and edited by a county admin when a new schedule is out. For a year that is not
loaded, weekends are the only days off and `WorkingDeadline.estimated` is true, so pages
can warn.

Periods follow 《中华人民共和国民法典》第二百零一条 and 第二百零三条: the day something
starts is not counted, counting starts the next day, and the last day ends at 24:00. A
period of n working days therefore ends at the end of the n-th working day after the day
of receipt: a request received on the Wednesday before National Day with 3 working days
is due at the end of the third working day after the holiday.

Apps that store deadlines computed on this calendar (development files, transfer letters) keep them
right when it changes: the core services send `calendar_changed` after every change of days, inside
their transaction, and each app connects a receiver in its `AppConfig.ready()` that recomputes its
open deadlines. Core never imports the apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.dispatch import Signal
from django.utils import timezone

# How far ahead add_working_days may look before it gives up (a typo such as 3,000 days).
MAX_SPAN_DAYS = 3 * 366

# Sent (sender=CalendarDay, years=set of int) after holidays or make-up working days of those years
# were added, changed or removed, or a year was (re)loaded, inside the same transaction. A stored
# deadline can only move if it falls on or after a changed day, so receivers recompute the open
# deadlines falling on or after 1 January of the earliest of `years`.
calendar_changed = Signal()


@dataclass(frozen=True)
class WorkingDeadline:
    at: datetime  # aware, Asia/Shanghai: 24:00 of the last working day
    last_day: date
    estimated: bool  # a year on the way has no holiday schedule loaded


class WorkingCalendar:
    """The days off and on for a span of years, read in one query; use it for batches."""

    def __init__(self, exceptions: dict[date, bool], loaded_years: set[int]):
        self.exceptions = exceptions
        self.loaded_years = loaded_years

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkingCalendar:
        from .models import CalendarDay, CalendarYear

        years = set(
            CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year).values_list("year", flat=True)
        )
        exceptions = dict(
            CalendarDay.objects.filter(day__year__gte=first_year, day__year__lte=last_year).values_list(
                "day", "is_workday"
            )
        )
        return cls(exceptions, years)

    @classmethod
    def around(cls, day: date, years_after: int = 1) -> WorkingCalendar:
        return cls.load(day.year, day.year + years_after)

    def is_workday(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def is_loaded(self, year: int) -> bool:
        return year in self.loaded_years

    def add_working_days(self, day: date, days: int) -> date:
        """The `days`-th working day after `day` (`day` itself is not counted).

        With days=0: `day` if it is a working day, else the next working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = day
        if days == 0:
            while not self.is_workday(current):
                current += timedelta(days=1)
            return current
        counted = 0
        limit = day + timedelta(days=MAX_SPAN_DAYS)
        while counted < days:
            current += timedelta(days=1)
            if current > limit:
                raise ValueError("working-day period too long")
            if self.is_workday(current):
                counted += 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days have passed since `start`."""
        if end <= start:
            return 0
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=n)))

    def deadline(self, start: datetime, days: int) -> WorkingDeadline:
        local_start = timezone.localtime(start)
        last = self.add_working_days(local_start.date(), days)
        end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
        estimated = any(not self.is_loaded(y) for y in range(local_start.year, last.year + 1))
        return WorkingDeadline(at=end, last_day=last, estimated=estimated)


def working_deadline(start: datetime, days: int) -> WorkingDeadline:
    """End (24:00) of the `days`-th working day after the day of `start`."""
    local = timezone.localtime(start)
    span_years = 1 + days // 200
    return WorkingCalendar.load(local.year, local.year + span_years).deadline(start, days)


def is_workday(day: date) -> bool:
    return WorkingCalendar.load(day.year, day.year).is_workday(day)


def add_working_days(day: date, days: int) -> date:
    return WorkingCalendar.load(day.year, day.year + 1 + days // 200).add_working_days(day, days)


def roll_to_working_day(day: date, calendar: WorkingCalendar | None = None) -> date:
    """The last day of a period that ends on `day`: `day` itself if it is a working day, else the
    first working day after it (《民法典》第二百零三条: a period whose last day is a statutory
    holiday or rest day ends on the day after the holiday). Only for deadlines; a minimum period
    ("at least one year") does not move.
    """
    cal = calendar or WorkingCalendar.load(day.year, day.year + 1)
    return cal.add_working_days(day, 0)


def working_day_roller() -> Callable[[date], date]:
    """`roll_to_working_day` for many dates: each year's days off are read once (one query per year)."""
    calendars: dict[int, WorkingCalendar] = {}

    def roll(day: date) -> date:
        if day.year not in calendars:
            calendars[day.year] = WorkingCalendar.load(day.year, day.year + 1)
        return calendars[day.year].add_working_days(day, 0)

    return roll


def unloaded_years(*years: int) -> list[int]:
    from .models import CalendarYear

    wanted = sorted(set(years))
    loaded = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [y for y in wanted if y not in loaded]


def library_years() -> list[int]:
    """Years the installed chinesecalendar library has a schedule for."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} & {d.year for d in constants.workdays})


def library_days(year: int) -> list[tuple[date, bool, str]]:
    """(day, is_workday, name) for every holiday and make-up working day of `year`."""
    from chinese_calendar import constants

    names = {h.value: h.chinese for h in constants.Holiday}
    out = [(d, False, names.get(n, n or "")) for d, n in constants.holidays.items() if d.year == year]
    out += [(d, True, f"{names.get(n, n or '')}调休上班") for d, n in constants.workdays.items() if d.year == year]
    return sorted(out)
