"""The demo's appraisals (tiny county): last full year's county round closed with every township
secretary's report, figures and kept result (equal to a recount of its votes by the round's
rule), and this year's round of the demo township open with the demo branch's report to write."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.ratings import rules
from jiceng.ratings.models import AppraisalReport, AppraisalRound, AppraisalVote
from jiceng.ratings.services import appraisal
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker) -> dict:
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password="demo-test-2468")


def test_last_year_closed_and_this_year_open(tiny):
    this_year = timezone.localdate().year
    closed = AppraisalRound.objects.get(year=this_year - 1)
    assert closed.state == "closed" and closed.organizer.parent_id is None
    reports = list(closed.reports.all())
    assert len(reports) >= 2 and all(r.state == "submitted" and r.figures for r in reports)
    for r in reports:
        online = {}
        for g in AppraisalVote.objects.filter(report=r).values_list("grade", flat=True):
            online[g] = online.get(g, 0) + 1
        recount = appraisal.tally_of(r, online)
        assert (r.good, r.fair, r.average, r.poor) == tuple(recount.counts[g] for g in rules.GRADES)
        assert r.grade == recount.grade and r.grade in rules.GRADES
        assert [f["code"] for f in r.figures][0] == "life.compliance"
    current = AppraisalRound.objects.get(year=this_year)
    assert current.state == "open"
    assert current.reports.filter(state=AppraisalReport.State.SUBMITTED).exists()
    assert current.reviewers.count() == 2
