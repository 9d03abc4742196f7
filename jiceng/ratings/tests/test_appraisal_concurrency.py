"""The appraisal under concurrent requests, on real PostgreSQL connections: a reviewer's double
tap votes once; a vote racing the closing either lands before it (and is in the kept result) or
is refused as read-only — never a vote after the result was kept."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection

from jiceng.ratings.models import AppraisalReport, AppraisalRound, AppraisalVote
from jiceng.ratings.services import appraisal
from jiceng.testing import make_user, race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

TODAY = "2026-11-20 10:00 +0800"


def _round(county):
    round_ = appraisal.create_round(
        county.admin_a,
        county.town_a,
        year=2026,
        vote_from=date(2026, 11, 1),
        vote_until=date(2026, 11, 30),
        organizations=[county.village_a],
    )
    reviewer = make_user("rev", county.town_a, "member")
    appraisal.add_reviewer(county.admin_a, round_, reviewer)
    AppraisalReport.objects.filter(round=round_).update(state="submitted")
    return round_, round_.reports.get(), reviewer


@pytest.mark.parametrize("attempt", range(2))
def test_a_double_tap_votes_once(transactional_db, county, attempt):
    with time_machine.travel(TODAY):
        _, report, reviewer = _round(county)
        won, refused = race(
            lambda: appraisal.cast_vote(reviewer, AppraisalReport.objects.get(pk=report.pk), "good"),
            lambda: appraisal.cast_vote(reviewer, AppraisalReport.objects.get(pk=report.pk), "fair"),
        )
    assert len(won) == 1 and len(refused) == 1 and "只能投一次" in refused[0]
    assert AppraisalVote.objects.filter(report=report).count() == 1


@pytest.mark.parametrize("attempt", range(2))
def test_a_vote_racing_the_closing_is_in_the_result_or_refused(transactional_db, county, attempt):
    with time_machine.travel(TODAY):
        round_, report, reviewer = _round(county)
        won, refused = race(
            lambda: appraisal.cast_vote(reviewer, AppraisalReport.objects.get(pk=report.pk), "good"),
            lambda: appraisal.close_round(county.admin_a, AppraisalRound.objects.get(pk=round_.pk)),
        )
    report.refresh_from_db()
    votes = AppraisalVote.objects.filter(report=report).count()
    assert report.good == votes  # the kept result counts every vote there is
    assert len(won) + len(refused) == 2
    if refused:
        assert votes == 0 and "只读" in refused[0]
