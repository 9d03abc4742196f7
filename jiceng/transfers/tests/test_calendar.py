"""A transfer's stored `due_on` follows the working-day calendar: a holiday or make-up working day
(调休) entered later, or a year reloaded, recomputes it for open transfers in the same transaction
(`core.calendar.calendar_changed` → `services.refresh_due_dates`). The receipt period of a letter
out of the county stays the one it was issued with, even if the setting changed since."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiceng.core import services as core_services
from jiceng.core.models import CalendarDay, CalendarYear
from jiceng.members.models import Member
from jiceng.testing import add_member
from jiceng.transfers import services
from jiceng.transfers.models import Transfer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def due(transfer: Transfer) -> date:
    transfer.refresh_from_db()
    return transfer.due_on


def test_a_holiday_entered_later_moves_the_due_dates_of_open_transfers(county):
    valid = date(2026, 12, 25)  # a Friday
    within = services.issue_transfer(
        county.secretary_a, county.member_a, kind="within", to_org=county.branch_b, issued_on=TODAY, valid_until=valid
    )
    out = services.issue_transfer(
        county.secretary_a,
        Member.objects.get(name="李四"),
        kind="out",
        to_name="武汉市某党支部",
        region="湖北省武汉市",
        issued_on=TODAY,
        valid_until=valid,
    )
    done = services.issue_transfer(
        county.admin_b, county.member_b, kind="within", to_org=county.branch_a, issued_on=TODAY, valid_until=valid
    )
    services.confirm_transfer(county.secretary_a, done, on=TODAY)
    assert (due(within), due(out), due(done)) == (valid, date(2027, 1, 25), valid)
    # The county lengthens the receipt period: letters already issued keep theirs (one month).
    services.update_settings(county.county_admin, receipt_months=2)

    core_services.set_calendar_day(county.county_admin, valid, is_workday=False, name="县里放假")
    # Report by Monday 2026-12-28; the receipt one month after that, Thursday 2027-01-28.
    assert (due(within), due(out)) == (date(2026, 12, 28), date(2027, 1, 28))
    assert due(done) == valid  # a completed transfer keeps its record
    assert not within.is_overdue(date(2026, 12, 26))
    core_services.set_calendar_day(county.county_admin, date(2027, 1, 28), is_workday=False, name="县里放假")
    assert due(out) == date(2027, 1, 29)
    core_services.delete_calendar_day(county.county_admin, valid)
    assert (due(within), due(out)) == (valid, date(2027, 1, 25))


def test_a_make_up_working_day_brings_a_due_date_forward(county):
    member = add_member(county.branch_b, "赵调休", birth=date(1985, 3, 3))
    t = services.issue_transfer(
        county.admin_b, member, kind="within", to_org=county.branch_a, issued_on=TODAY, valid_until=date(2027, 1, 2)
    )
    assert due(t) == date(2027, 1, 4)  # Saturday 2 January → Monday
    core_services.set_calendar_day(county.county_admin, date(2027, 1, 2), is_workday=True, name="元旦调休上班")
    assert due(t) == date(2027, 1, 2)


def test_loading_a_year_from_the_library_refreshes_due_dates(county, clock):
    CalendarDay.objects.filter(day__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    clock.move_to(date(2026, 9, 1))
    t = services.issue_transfer(
        county.secretary_a,
        county.member_a,
        kind="within",
        to_org=county.branch_b,
        issued_on=date(2026, 9, 1),
        valid_until=date(2026, 10, 1),
    )
    assert due(t) == date(2026, 10, 1)
    core_services.load_calendar_year_from_library(county.county_admin, 2026)
    assert due(t) == date(2026, 10, 8)  # 国庆节 1–7 October
