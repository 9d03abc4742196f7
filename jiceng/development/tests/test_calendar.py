"""Stored deadlines follow the working-day calendar: when the county enters a year's holidays or a
make-up working day (调休), or reloads a year, the deadlines of open files are recomputed in the
same transaction (`core.calendar.calendar_changed` → `services.refresh_deadlines`)."""

from datetime import date

import time_machine

from jiceng.core import services as core_services
from jiceng.core.models import CalendarDay, CalendarYear
from jiceng.development import queries, services
from jiceng.development.testing import DATES, open_applicant, walk


def voted(dev, name: str, vote: date, talk: date):
    dates = {**DATES, 15: vote, 16: talk}
    return walk(dev, open_applicant(dev, name), 16, dates=dates)


def test_holidays_entered_later_move_the_stored_approval_deadline(dev):
    """Vote 2026-11-01: approval 最迟 six months later, Monday 2027-05-03 — until the county enters
    2027-05-01..05 as 劳动节; then the last day is Thursday 2027-05-06, for the due list as for
    `record_step`."""
    file = voted(dev, "劳动节后", date(2026, 11, 1), date(2026, 11, 2))
    assert (file.approval_due_on, file.approval_limit_on) == (date(2027, 2, 1), date(2027, 5, 3))
    closed = voted(dev, "已结束", date(2026, 11, 1), date(2026, 11, 2))
    closed = services.reject_file(dev.secretary_a, closed, on=date(2026, 11, 20), reason="本人撤回")
    closed_before = (closed.revision, closed.updated_at)
    for day in range(1, 6):
        core_services.set_calendar_day(dev.county_admin, date(2027, 5, day), is_workday=False, name="劳动节")
    file.refresh_from_db()
    assert (file.approval_due_on, file.approval_limit_on) == (date(2027, 2, 1), date(2027, 5, 6))
    closed.refresh_from_db()
    assert (closed.revision, closed.updated_at) == closed_before  # a closed file is left as it was closed
    assert file.approval_limit_on == services.file_state(file).approval_limit_on
    today = date(2027, 5, 4)
    (item,) = [i for i in queries.due_items(dev.county_admin, dev.root, today, 15) if i.file.pk == file.pk]
    assert (item.state, item.limit_on) == (queries.OVERDUE, date(2027, 5, 6))  # late, not lapsed
    assert "最迟2027-05-06" in item.message and "已超过期限" not in item.message
    step = services.record_step(dev.secretary_a, file, 17, on=today, late_reason="换届", today=today)
    assert step.on == today


def test_a_make_up_working_day_brings_a_deadline_forward_and_deleting_it_puts_it_back(dev):
    """Vote Friday 2026-11-06: three months end on Saturday 2027-02-06, so approval is due Monday
    2027-02-08; made a working day (调休), the Saturday is the last day again."""
    file = voted(dev, "调休", date(2026, 11, 6), date(2026, 11, 10))
    assert file.approval_due_on == date(2027, 2, 8)
    core_services.set_calendar_day(dev.county_admin, date(2027, 2, 6), is_workday=True, name="春节调休上班")
    file.refresh_from_db()
    assert file.approval_due_on == date(2027, 2, 6)
    core_services.delete_calendar_day(dev.county_admin, date(2027, 2, 6))
    file.refresh_from_db()
    assert file.approval_due_on == date(2027, 2, 8)


def test_loading_a_year_from_the_library_refreshes_deadlines(dev):
    """A county that had not loaded 2026 stored 2026-10-01 (国庆节) as a last day; loading the year
    moves it to the first working day after the holiday, 2026-10-08."""
    CalendarDay.objects.filter(day__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    with time_machine.travel(date(2026, 9, 1), tick=False):
        file = voted(dev, "国庆", date(2026, 7, 1), date(2026, 7, 10))
        assert file.approval_due_on == date(2026, 10, 1)
        core_services.load_calendar_year_from_library(dev.county_admin, 2026)
    file.refresh_from_db()
    assert file.approval_due_on == date(2026, 10, 8)
