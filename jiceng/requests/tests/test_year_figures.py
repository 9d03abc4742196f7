"""`queries.year_figures`: the requests of an organization's territory received in a year (the
secretaries' appraisal attaches them to a report), counted by hand here."""

from __future__ import annotations

import time_machine

from jiceng.requests import queries, services
from jiceng.requests.testing import file_request
from jiceng.testing import at


def test_a_years_figures_count_the_territory_and_the_year_only(desk):
    c, clerk = desk.county, desk.village_clerk
    with time_machine.travel(at(2025, 12, 31, 23), tick=False):
        file_request(desk)  # the year before: not counted
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        done = file_request(desk)
        open_one = file_request(desk)
        file_request(desk, org=c.branch_b)  # township 乙: another territory
        dismissed = file_request(desk)
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        done = services.accept_request(clerk, done, contacted=True)
        services.dismiss_request(c.admin_a, dismissed, note="重复诉求")
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        services.rate_request(services.resolve_request(clerk, done, result="修好"), rating="satisfied", solved=True)
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        f = queries.year_figures(c.village_a, 2026, at(2026, 11, 20, 10))
        town = queries.year_figures(c.town_a, 2026, at(2026, 11, 20, 10))
    # Received in 2026 in 东村, not dismissed: `done` and `open_one`.
    assert (f.received, f.resolved, f.done_ok, f.rated, f.satisfied) == (2, 1, 1, 1, 1)
    assert town.received == f.received  # the township's territory holds the village's
    assert open_one.state != "resolved" and f.overdue_open == 1  # never signed, its deadlines passed
