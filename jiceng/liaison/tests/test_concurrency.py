"""A pending problem passed on by two people at once becomes one request, not two (the
problem row is locked and its outcome changed with a conditional UPDATE)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jiceng.liaison import services
from jiceng.liaison.models import Problem
from jiceng.requests.models import Request
from jiceng.wishes.tests.test_concurrency import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def test_two_people_pass_the_same_problem_on_at_once(transactional_db, county, register):
    visit = services.record_visit(
        county.admin_a,
        organization=county.village_a,
        date=timezone.localdate() - timedelta(days=30),
        representatives=[register.r1],
        households_reached=2,
        problems=[{"description": "村道塌陷", "category": register.road, "outcome": "pending"}],
    )
    problem = visit.problems.get()
    won, refused = race(
        lambda: services.pass_on_problem(county.admin_a, Problem.objects.get(pk=problem.pk)),
        lambda: services.pass_on_problem(county.county_admin, Problem.objects.get(pk=problem.pk)),
    )
    assert len(won) == 1 and refused == ["该问题已是「转交办理」"]
    assert Request.objects.filter(channel="liaison").count() == 1
    problem.refresh_from_db()
    assert problem.outcome == "passed" and problem.request_id == won[0].request_id
