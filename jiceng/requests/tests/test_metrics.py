"""Metrics and the monthly ranking, with a worked example whose every figure is counted by
hand (see the comments), the weights, and the links from each figure to its requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from jiceng.core.scoping import path_q
from jiceng.requests import queries, rules, services
from jiceng.requests.models import RequestSettings
from jiceng.requests.testing import file_request
from jiceng.testing import at, client_for

NOW = at(2026, 11, 25, 12)


def travel(*args):
    return time_machine.travel(at(*args), tick=False)


@pytest.fixture
def october(desk):
    """Town A (甲镇, village 东村) and town B (乙乡) in October 2026.

    A1 Mon 12 Oct 09:00: signed and contacted at 10:00, resolved 14 Oct 10:00 (due 21 Oct 24:00),
       satisfied, solved.                                  response ok, on time, village, 49 h
    A2 Mon 12 Oct 09:00: signed 15 Oct (late), contacted 19 Oct (due 15 Oct 24:00: late),
       resolved 20 Oct 09:00 (due 21 Oct 24:00), basically satisfied, solved.
                                                          response late, on time, village, 192 h
    A3 Tue 13 Oct 09:00: signed and contacted at 10:00, escalated 14 Oct 10:00 (new done deadline
       23 Oct 24:00), resolved 26 Oct 09:00 by the township: late; unsatisfied, not solved.
                                                          response ok, late, township, 312 h
    A4 Tue 20 Oct 09:00: never signed.                    response missed, late, overdue now
    A5 Wed 21 Oct 09:00: dismissed as a duplicate.        left out of everything
    A6 Thu 22 Oct 09:00: a walk-in at the township, whistled to 住建局 at 10:00, signed and
       contacted 11:00, resolved 23 Oct 09:00, satisfied by phone, solved.
                                                          response ok, on time, department, 24 h
    B1 Thu 15 Oct 09:00 in 乙乡: signed, contacted and resolved the same morning, satisfied, solved.
    A7 Mon 2 Nov: outside the month.
    """
    c = desk.county
    clerk = desk.village_clerk
    with travel(2026, 10, 12, 9):
        a1 = file_request(desk)
        a2 = file_request(desk)
    with travel(2026, 10, 12, 10):
        a1 = services.accept_request(clerk, a1, contacted=True)
    with travel(2026, 10, 14, 10):
        a1 = services.rate_request(services.resolve_request(clerk, a1, result="修好"), rating="satisfied", solved=True)
    with travel(2026, 10, 15, 9):
        a2 = services.accept_request(clerk, a2)
    with travel(2026, 10, 19, 9):
        a2 = services.contact_resident(clerk, a2, note="电话联系")
    with travel(2026, 10, 20, 9):
        a2 = services.rate_request(services.resolve_request(clerk, a2, result="修好"), rating="basic", solved=True)
    with travel(2026, 10, 13, 9):
        a3 = file_request(desk)
    with travel(2026, 10, 13, 10):
        a3 = services.accept_request(clerk, a3, contacted=True)
    with travel(2026, 10, 14, 10):
        a3 = services.escalate_request(clerk, a3, note="上报")
    with travel(2026, 10, 14, 11):
        a3 = services.accept_request(c.admin_a, a3)
    with travel(2026, 10, 26, 9):
        a3 = services.resolve_request(c.admin_a, a3, result="协调好了")
        a3 = services.rate_request(a3, rating="unsatisfied", solved=False)
    with travel(2026, 10, 20, 9):
        a4 = file_request(desk)
    with travel(2026, 10, 21, 9):
        services.dismiss_request(c.admin_a, file_request(desk), note="重复")
    with travel(2026, 10, 22, 9):
        a6 = services.create_request(
            c.admin_a, organization=c.village_a, category=desk.road, kind="help", description="来访", channel="walk_in"
        )
    with travel(2026, 10, 22, 10):
        a6 = services.escalate_request(c.admin_a, a6, note="部门职责", department=desk.housing)
    with travel(2026, 10, 22, 11):
        a6 = services.accept_request(desk.handler, a6, contacted=True)
    with travel(2026, 10, 23, 9):
        a6 = services.resolve_request(desk.handler, a6, result="住建局已修复")
        a6 = services.record_callback(desk.handler, a6, rating="satisfied", solved=True)
    with travel(2026, 10, 15, 9):
        b1 = file_request(desk, org=c.branch_b)
        b1 = services.accept_request(c.admin_b, b1, contacted=True)
    with travel(2026, 10, 15, 11):
        b1 = services.rate_request(
            services.resolve_request(c.admin_b, b1, result="好了"), rating="satisfied", solved=True
        )
    with travel(2026, 11, 2, 9):
        file_request(desk)
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a6": a6, "b1": b1}


def ranking(user, **params):
    with time_machine.travel(NOW, tick=False):
        page = client_for(user).get(reverse("requests:ranking"), {"month": "2026-10", **params})
    assert page.status_code == 200
    return {row["label"]: row for row in page.context["rows"]}


def test_worked_example_township_ranking(october, desk):
    assert october["a2"].assign_late and october["a2"].response_late and not october["a2"].done_late
    assert october["a3"].done_late and not october["a3"].response_late
    rows = ranking(desk.county.county_admin)
    a, b = rows["甲镇"], rows["乙乡"]
    f = a["figures"]
    assert (f.received, f.response_settled, f.response_ok) == (5, 5, 3)
    assert (f.resolved, f.done_settled, f.done_ok, f.village_resolved) == (4, 5, 3, 2)
    assert (f.rated, f.satisfied, f.solved, f.overdue_open) == (4, 3, 3, 1)
    assert a["rates"] == {
        "response": Decimal("0.6000"),
        "resolution": Decimal("0.7500"),
        "satisfaction": Decimal("0.7500"),
        "ontime": Decimal("0.6000"),
        "village": Decimal("0.5000"),
    }
    assert a["median_hours"] == Decimal("120.5")  # 24, 49, 192, 312 hours
    assert a["score"] == Decimal("70.50")  # 0.6×30 + 0.75×35 + 0.75×35
    assert b["score"] == Decimal("100.00") and b["figures"].received == 1
    assert (b["rank"], a["rank"]) == (1, 2)


def test_weights_are_configurable(october, desk):
    services.update_settings(None, weight_response=100, weight_resolution=0, weight_satisfaction=0)
    rows = ranking(desk.county.county_admin)
    assert rows["甲镇"]["score"] == Decimal("60.00") and rows["乙乡"]["score"] == Decimal("100.00")
    services.update_settings(None, weight_response=0, weight_resolution=50, weight_satisfaction=50)
    assert ranking(desk.county.county_admin)["甲镇"]["score"] == Decimal("75.00")
    with pytest.raises(Exception, match="100%"):
        services.update_settings(None, weight_response=50, weight_resolution=50, weight_satisfaction=50)
    assert RequestSettings.current().weights == {"response": 0, "resolution": 50, "satisfaction": 50}


def test_departments_and_handlers(october, desk):
    rows = ranking(desk.county.county_admin, by="department")
    housing = rows["县住房和城乡建设局"]
    assert housing["figures"].received == 1 and housing["score"] == Decimal("100.00") and housing["rank"] == 1
    assert rows["县水利局"]["score"] is None and rows["县水利局"]["rank"] is None
    rows = ranking(desk.county.county_admin, by="handler")
    clerk = rows["东村书记 · 甲镇东村党总支"]
    # A1 and A2: response 1 of 2, both solved and (basically) satisfied: 0.5×30 + 35 + 35.
    assert clerk["figures"].received == 2 and clerk["score"] == Decimal("85.00")


def test_every_figure_links_to_exactly_its_requests(october, desk):
    c = desk.county
    client = client_for(c.county_admin)
    with time_machine.travel(NOW, tick=False):
        start, end = queries.month_bounds(at(2026, 10, 1).date())
        figures = queries.figures_by(
            queries.metric_base(queries.Request.objects.all(), start, end), queries.child_key(c.root), NOW
        )[c.town_a.path]
        for name in queries.FIGURE_COUNTS:
            params = {"organization": c.town_a.pk, "month": "2026-10", "figure": name}
            listed = client.get(reverse("requests:inbox"), params).context["page_obj"].paginator.count
            assert listed == getattr(figures, name), name


def test_village_target_and_the_command_card(october, desk):
    from jiceng.requests import panels

    with time_machine.travel(NOW, tick=False):
        card = panels.command_card(desk.county.town_a, NOW.date())
    figures = {label: value for label, value, _ in card["figures"]}
    assert figures["受理"] == 6  # five in October and one in November
    assert figures["响应率"] == Decimal("0.5000")  # the November one was never answered either: 3 of 6
    assert figures["村级化解率"] == Decimal("0.5000") and card["village_below_target"]
    assert sum(card["data"]["trend"]["received"]) == 6
    assert [r["name"] for r in card["data"]["ranking"]] == ["甲镇东村党总支"]


def test_ranking_export_and_api_agree_with_the_page(october, desk):
    client = client_for(desk.county.county_admin)
    with time_machine.travel(NOW, tick=False):
        api = client.get(reverse("request-ranking"), {"month": "2026-10"}).json()
        sheet = client.get(reverse("requests:ranking_export"), {"month": "2026-10"})
    row = next(r for r in api["rows"] if r["unit"] == "甲镇")
    assert row["score"] == 70.5 and row["rates"]["response"] == 0.6 and row["overdue_open"] == 1
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(sheet.content), read_only=True).worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    town_a = next(r for r in values if r[1] == "甲镇")
    assert town_a[2] == 70.5 and town_a[3] == 5 and town_a[6] == "60.0%" and town_a[18] == 120.5
    assert (
        client_for(desk.county.admin_b).get(reverse("request-ranking"), {"org": desk.county.town_a.pk}).status_code
        == 404
    )


def test_a_unit_with_no_callbacks_is_scored_on_response_only():
    f = rules.Figures(received=2, response_settled=2, response_ok=1)
    assert rules.composite(rules.rates(f), rules.DEFAULT_WEIGHTS) == Decimal("50.00")


def test_any_period_not_only_months(october, desk):
    rows = ranking(desk.county.county_admin, **{"from": "2026-10-12", "to": "2026-10-13", "month": ""})
    assert rows["甲镇"]["figures"].received == 3  # A1, A2 (12 Oct) and A3 (13 Oct)
    assert rows["乙乡"]["figures"].received == 0 and rows["乙乡"]["rank"] is None
    client = client_for(desk.county.county_admin)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("requests:ranking"), {"from": "2026-10-12", "to": "2026-10-13"})
        assert "received_from=2026-10-12&amp;received_to=2026-10-13" in page.content.decode()
        listed = client.get(
            reverse("requests:inbox"),
            {"organization": desk.county.town_a.pk, "received_from": "2026-10-12", "received_to": "2026-10-13"},
        )
        assert listed.context["page_obj"].paginator.count == 3
        # A reversed or over-long span falls back to the month.
        assert (
            client.get(reverse("requests:ranking"), {"from": "2026-10-13", "to": "2026-10-12"}).context["period"].month
        )


def test_the_page_total_is_the_sum_of_the_children(october, desk):
    """The ranking page takes its territory's total from the children's rows (one scan of the
    period, not two): equal to counting the territory, a request filed at the root included."""
    c = desk.county
    with travel(2026, 10, 28, 9):
        file_request(desk, org=c.town_a)  # at the township itself: in none of its villages' rows
    with time_machine.travel(NOW, tick=False):
        start, end = queries.month_bounds(at(2026, 10, 1).date())
        for root in (c.root, c.town_a):
            rows = queries.ranking_children(root, start, end, NOW, rules.DEFAULT_WEIGHTS)
            territory = queries.Request.objects.filter(path_q("organization__path", root.path))
            counted = queries.figures_total(queries.metric_base(territory, start, end), NOW, durations=False)
            assert queries.children_total(root, rows, start, end, NOW) == counted, root.name
        page = client_for(c.county_admin).get(reverse("requests:ranking"), {"month": "2026-10"})
    assert page.context["total"].received == 7  # A1–A4, A6, B1 and the township's own


def test_the_counts_are_one_query_and_the_medians_another(october, desk):
    """An ordered-set aggregate (percentile_cont) cannot be hashed or run by parallel workers:
    in the counts' statement it made PostgreSQL sort every request of the period with all
    their columns in one process (docs/performance.md, "Ranking over a year")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start, end = queries.month_bounds(at(2026, 10, 1).date())
    qs = queries.metric_base(queries.Request.objects.all(), start, end)
    with CaptureQueriesContext(connection) as ctx:
        figures = queries.figures_by(qs, queries.child_key(desk.county.root), NOW)
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1 + queries.median_in_database()
    assert "WITHIN GROUP" not in grouped[0] and "COUNT(" in grouped[0]
    town_a = figures[desk.county.town_a.path]
    assert rules.median_hours(town_a.durations, town_a.median_hours) == Decimal("120.5")
    assert figures[desk.county.town_b.path].resolved == 1
