"""The requests components of the organization star rating (requests.on_time,
requests.satisfaction): the figures of the ranking and the appraisal for every organization of a
subtree at once, each equal to what its link (the ledger, filtered by the figure) lists; left out
where nothing is due or nobody rated."""

from __future__ import annotations

from datetime import date

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core.indices import ORGRATING, registered
from jiceng.requests import queries, services
from jiceng.requests.testing import file_request
from jiceng.testing import at, client_for


def _compute(code, root, year=2026):
    return registered(ORGRATING)[code].compute(root, year, date(2026, 11, 20))


def test_the_figures_equal_the_ledger_they_link_to(desk):
    c, clerk = desk.county, desk.village_clerk
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        done = file_request(desk)
        file_request(desk)  # never handled: its deadline passes
        file_request(desk, org=c.branch_b)  # township 乙, not rated
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        done = services.accept_request(clerk, done, contacted=True)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        services.rate_request(services.resolve_request(clerk, done, result="修好"), rating="satisfied", solved=True)
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        with CaptureQueriesContext(connection) as captured:
            on_time = _compute("requests.on_time", c.root)
        assert len(captured) <= 2  # the whole county: not one query per organization
        satisfaction = _compute("requests.satisfaction", c.root)
        village = on_time[c.village_a.pk]
        assert (village.numerator, village.denominator) == (1, 2)
        assert village.text == "2026年诉求应办结 2 件，按时办结 1 件"
        assert (satisfaction[c.village_a.pk].numerator, satisfaction[c.village_a.pk].denominator) == (1, 1)
        # The same figures as the appraisal's (one definition), added up the tree.
        f = queries.year_figures(c.town_a, 2026, at(2026, 11, 20, 10))
        assert (on_time[c.town_a.pk].numerator, on_time[c.town_a.pk].denominator) == (f.done_ok, f.done_settled)
        assert on_time[c.branch_b.pk].denominator == 1 and on_time[c.branch_b.pk].numerator == 0
        assert c.branch_b.pk not in satisfaction  # nobody rated: the reviewer decides
        assert _compute("requests.on_time", c.root, 2025) == {}
        # Each link lists its denominator; the numerator's figure lists the numerator.
        client = client_for(c.county_admin)
        for figure, numerator in ((village, "done_ok"), (satisfaction[c.village_a.pk], "satisfied")):
            page = client.get(figure.url)
            assert page.status_code == 200 and page.context["page_obj"].paginator.count == figure.denominator
            url = figure.url.rsplit("figure=", 1)[0] + f"figure={numerator}"
            assert client.get(url).context["page_obj"].paginator.count == figure.numerator
