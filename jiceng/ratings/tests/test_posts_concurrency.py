"""Two managers entering the same month's fulfilment of the same holder at once: one record, one
ledger line, the points counted once (the holdings are locked). Two managers checking the same
pledge at once: one state, the points counted once. Real threads on real PostgreSQL connections."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection

from jiceng.ratings import services
from jiceng.ratings.models import Pledge, PointsEntry, PointsMonth, PostDuty
from jiceng.ratings.points_sources import PLEDGE_KEPT, POST_DUTY
from jiceng.ratings.testing import item
from jiceng.testing import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
JAN = date(2027, 1, 1)


@pytest.mark.parametrize("attempt", range(3))
def test_two_managers_confirm_the_same_duty_at_once(transactional_db, county, attempt):
    with time_machine.travel("2027-01-25 10:00 +0800"):
        post = services.create_post(county.secretary_a, county.branch_a, name="宣传岗", kind="policy", duties="宣讲")
        holding = services.assign_post(county.secretary_a, post, county.member_a, since=JAN)
        won, refused = race(
            lambda: services.record_duties(county.secretary_a, county.branch_a, JAN, {holding.pk: ("fulfilled", "甲")}),
            lambda: services.record_duties(county.admin_a, county.branch_a, JAN, {holding.pk: ("fulfilled", "乙")}),
        )
        assert len(won) == 2 and refused == []  # the second corrects the first's note
        assert PostDuty.objects.filter(holding=holding).count() == 1
        duty = PostDuty.objects.get(holding=holding)
        net = sum(e.points for e in PointsEntry.objects.filter(source=POST_DUTY, record_id=duty.pk))
        assert net == item("post", JAN).points
        assert PointsMonth.objects.get(member=county.member_a, month=JAN).points == net


@pytest.mark.parametrize("attempt", range(2))
def test_two_managers_check_the_same_pledge_at_once(transactional_db, county, attempt):
    with time_machine.travel("2027-01-25 10:00 +0800"):
        pledge = services.create_pledge(county.member_user, county.member_a, year=2027, content="帮扶", due=JAN)
        race(
            lambda: services.check_pledge(
                county.secretary_a, Pledge.objects.get(pk=pledge.pk), state="fulfilled", on=JAN, note="甲"
            ),
            lambda: services.check_pledge(
                county.admin_a, Pledge.objects.get(pk=pledge.pk), state="fulfilled", on=JAN, note="乙"
            ),
        )
        net = sum(e.points for e in PointsEntry.objects.filter(source=PLEDGE_KEPT, record_id=pledge.pk))
        assert net == item("pledge", JAN).points
        assert PointsMonth.objects.get(member=county.member_a, month=JAN).points == net
