"""The training component of the organization star rating (training.no_demerits): the year's
trainees without a demerit over the trainees, equal to what its link (the organization's training
summary) lists; left out where nobody trained. One grouped read for a whole subtree."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core.indices import ORGRATING, registered
from jiceng.testing import at, client_for
from jiceng.training import services
from jiceng.training.models import OrganizationDemerit

TODAY = date(2026, 11, 20)


def _mark(county, session, marks):
    services.record_attendance(county.admin_a, session, {e.pk: (s, "") for e, s in marks.items()}, now=at(2026, 11, 1))


def _compute(root, year=2026):
    return registered(ORGRATING)["training.no_demerits"].compute(root, year, TODAY)


def test_nobody_trained_leaves_the_organization_to_the_reviewer(county, training):
    assert _compute(county.root) == {}  # enrolled, no record of the year yet


def test_trainees_without_a_demerit_equal_the_summary_it_links_to(county, training):
    for i, session in enumerate(training.sessions):
        _mark(county, session, {training.zhang: "unexcused" if i < 3 else "present", training.li: "present"})
    demerit = OrganizationDemerit.objects.get()
    assert (demerit.member, demerit.active) == (county.member_a, True)
    with CaptureQueriesContext(connection) as queries:
        figures = _compute(county.root)
    assert len(queries) <= 3  # the whole county: not one query per organization
    figure = figures[county.branch_a.pk]
    assert (figure.numerator, figure.denominator) == (1, 2) and figure.value == 0.5
    assert figure.text == "2026年参训 2 人，无故缺课超限扣分 1 人"
    assert figures[county.town_a.pk] == figure.__class__(
        1, 2, figure.url.replace(str(county.branch_a.pk), str(county.town_a.pk)), figure.text
    )
    assert county.branch_b.pk not in figures and county.town_b.pk not in figures
    # The link lists as many trainees and demerits as the figure counts.
    page = client_for(county.county_admin).get(figure.url)
    assert page.status_code == 200
    summary = page.context["summary"]
    assert len(summary.people) == figure.denominator
    assert sum(1 for d in summary.demerits if d.active) == figure.denominator - figure.numerator
    # A withdrawn demerit no longer counts; another year has nothing.
    OrganizationDemerit.objects.update(withdrawn_at=at(2026, 11, 2), withdrawn_reason="更正")
    assert _compute(county.root)[county.branch_a.pk].numerator == 2
    assert _compute(county.root, 2025) == {}
