"""Rows seeded by data migrations survive tests that flush the database (see jiceng/conftest.py)."""

import pytest

from jiceng.core.models import CalendarDay, CalendarYear


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_calendar_is_there_in_every_transactional_test(run):
    # The second run comes after the first one's flush.
    assert CalendarYear.objects.filter(year=2026).exists()
    assert CalendarDay.objects.filter(day__year=2026, is_workday=True).exists()
