"""Two managers approving the same claim at once: it is decided once and counted once (the
claim row is locked). Real threads on real PostgreSQL connections."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection

from jiceng.ratings import services
from jiceng.ratings.models import PointsClaim, PointsEntry, PointsMonth
from jiceng.ratings.testing import item
from jiceng.testing import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.parametrize("attempt", range(3))
def test_two_managers_approve_the_same_claim_at_once(transactional_db, county, attempt):
    with time_machine.travel("2026-11-20 10:00 +0800"):
        nov = date(2026, 11, 1)
        claim = services.submit_claim(
            county.member_user, member=county.member_a, item=item("post", nov), on=date(2026, 11, 3), note="政策宣讲"
        )
        won, refused = race(
            lambda: services.decide_claim(county.secretary_a, PointsClaim.objects.get(pk=claim.pk), approve=True),
            lambda: services.decide_claim(county.admin_a, PointsClaim.objects.get(pk=claim.pk), approve=True),
        )
        assert len(won) == 1 and len(refused) == 1 and "已通过" in refused[0]
        assert PointsEntry.objects.filter(source="claim", record_id=claim.pk).count() == 1
        assert PointsMonth.objects.get(member=county.member_a, month=nov).points == item("post", nov).points
