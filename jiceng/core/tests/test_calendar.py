"""Working-day calendar: holidays, make-up working days, unloaded years, the admin page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from jiceng.core import calendar
from jiceng.core.calendar import WorkingCalendar
from jiceng.core.models import CalendarDay, CalendarYear
from jiceng.testing import client_for


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.mark.django_db
def test_library_years_are_seeded_by_migration():
    assert CalendarYear.objects.filter(year=2026, source="library").exists()
    assert CalendarDay.objects.get(day=date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(day=date(2026, 10, 10)).is_workday  # make-up Saturday


@pytest.mark.django_db
def test_national_day_and_make_up_saturday():
    # Wednesday 30 September 2026: 1–7 October off (with Mid-autumn), Saturday 10 October works.
    d = calendar.working_deadline(at(2026, 9, 30, 10), 3)
    assert d.last_day == date(2026, 10, 10)  # 8th (Thu) 1, 9th (Fri) 2, 10th (Sat, 调休) 3
    assert d.at == at(2026, 10, 11, 0, 0)
    assert not d.estimated
    # Friday 18 September: Sunday 20 September is a make-up working day.
    assert calendar.working_deadline(at(2026, 9, 18, 17), 1).last_day == date(2026, 9, 20)
    assert calendar.is_workday(date(2026, 9, 20))
    assert not calendar.is_workday(date(2026, 10, 5))
    assert not calendar.is_workday(date(2026, 9, 19))  # an ordinary Saturday


@pytest.mark.django_db
def test_day_of_receipt_is_not_counted_and_day_ends_at_midnight():
    # Received Monday 23 November 2026 at 00:01 or at 23:59: the first working day is Tuesday.
    assert calendar.working_deadline(at(2026, 11, 23, 0, 1), 1).at == at(2026, 11, 25)
    assert calendar.working_deadline(at(2026, 11, 23, 23, 59), 1).at == at(2026, 11, 25)
    # Received on Saturday: Monday is the first working day.
    assert calendar.working_deadline(at(2026, 11, 21, 9), 1).last_day == date(2026, 11, 23)
    # Zero days: today if it is a working day, else the next one.
    cal = WorkingCalendar.around(date(2026, 10, 1))
    assert cal.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)


@pytest.mark.django_db
def test_unloaded_year_counts_weekends_only_and_says_so():
    assert 2027 not in CalendarYear.objects.values_list("year", flat=True)
    d = calendar.working_deadline(at(2026, 12, 30, 17), 3)
    # 31 Dec (Thu) 1, 1 Jan 2027 (Fri, a holiday once loaded) 2, 4 Jan (Mon) 3.
    assert d.last_day == date(2027, 1, 4)
    assert d.estimated
    assert calendar.unloaded_years(2026, 2027) == [2027]


@pytest.mark.django_db
def test_admin_enters_next_year_and_deadlines_follow(county):
    c = client_for(county.county_admin)
    url = reverse("core:calendar")
    page = c.get(url + "?year=2027").content.decode()
    assert "尚未录入" in page
    r = c.post(
        url, {"action": "day", "year": "2027", "day-day": "2027-01-01", "day-is_workday": "0", "day-name": "元旦"}
    )
    assert r.status_code == 302
    # Confirming the year needs a basis.
    r = c.post(url, {"action": "confirm", "year": "2027", "year-note": ""})
    assert "请写明依据" in r.content.decode() or "必填" in r.content.decode()
    c.post(url, {"action": "confirm", "year": "2027", "year-note": "国务院办公厅关于2027年部分节假日安排的通知"})
    assert CalendarYear.objects.get(year=2027).source == "admin"
    d = calendar.working_deadline(at(2026, 12, 30, 17), 3)
    assert d.last_day == date(2027, 1, 5) and not d.estimated
    from jiceng.core.models import AuditEntry

    assert AuditEntry.objects.filter(object_type="core.CalendarDay").exists()


@pytest.mark.django_db
def test_calendar_page_is_for_county_admins_only(county):
    assert client_for(county.admin_a).get(reverse("core:calendar")).status_code == 403
    r = client_for(county.admin_a).post(
        reverse("core:calendar"), {"action": "day", "day-day": "2027-01-04", "day-is_workday": "0", "day-name": "x"}
    )
    assert r.status_code == 403
    assert not CalendarDay.objects.filter(day=date(2027, 1, 4)).exists()


@pytest.mark.django_db
def test_missing_year_warning_banner(county):
    import time_machine

    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        html = client_for(county.county_admin).get(reverse("orgs:tree")).content.decode()
    assert "尚未录入 2027 年" in html
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        html = client_for(county.county_admin).get(reverse("orgs:tree")).content.decode()
    assert "尚未录入" not in html


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2026, 1, 1), date(2026, 12, 20)), days=st.integers(1, 30))
def test_deadline_is_the_nth_working_day(start, days):
    # Pure: a calendar built from the library's 2026 data without the database.
    exceptions = {d: w for d, w, _ in calendar.library_days(2026)}
    cal = WorkingCalendar(exceptions, {2026})
    last = cal.add_working_days(start, days)
    assert cal.is_workday(last)
    assert last > start
    assert cal.working_days_between(start, last) == days
    # No working day is skipped: the day before `last` still had fewer than `days`.
    assert cal.working_days_between(start, last - timedelta(days=1)) == days - 1


@pytest.mark.django_db
def test_roll_to_working_day_follows_holidays_and_make_up_days():
    # 民法典第二百零三条: a period ending on a holiday or rest day ends on the next working day.
    assert calendar.roll_to_working_day(date(2024, 10, 1)) == date(2024, 10, 8)  # National Day week
    assert calendar.roll_to_working_day(date(2024, 9, 29)) == date(2024, 9, 29)  # a make-up Sunday works
    assert calendar.roll_to_working_day(date(2026, 11, 21)) == date(2026, 11, 23)  # Saturday → Monday
    assert calendar.roll_to_working_day(date(2026, 11, 23)) == date(2026, 11, 23)  # a working day stays
    assert calendar.roll_to_working_day(date(2025, 12, 31)) == date(2025, 12, 31)
    assert calendar.roll_to_working_day(date(2026, 1, 1)) == date(2026, 1, 4)  # New Year, then a make-up Sunday
    roll = calendar.working_day_roller()
    assert [roll(date(2024, 10, 1)), roll(date(2024, 10, 12)), roll(date(2025, 5, 1))] == [
        date(2024, 10, 8),
        date(2024, 10, 12),  # a make-up Saturday
        date(2025, 5, 6),
    ]


@settings(max_examples=300, deadline=None)
@given(day=st.dates(date(2026, 1, 1), date(2026, 12, 24)))
def test_roll_gives_the_first_working_day_on_or_after(day):
    exceptions = {d: w for d, w, _ in calendar.library_days(2026)}
    cal = WorkingCalendar(exceptions, {2026})
    rolled = calendar.roll_to_working_day(day, cal)
    assert rolled >= day and cal.is_workday(rolled)
    # Nothing in between is a working day, and a working day never moves.
    assert not any(cal.is_workday(day + timedelta(days=n)) for n in range((rolled - day).days))
    assert (rolled == day) == cal.is_workday(day)
