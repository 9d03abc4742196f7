"""The fortress index (堡垒指数): each component of a branch equals the records it links to, the
index is the weighted average of the components that can judge, the county's weights change it,
the stored index is what a new computation gives, and the page shows it ranked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse

from jiceng.core.indices import FORTRESS, registered
from jiceng.life.models import Record
from jiceng.ratings import queries, services
from jiceng.ratings.models import IndexScore, IndexWeight
from jiceng.ratings.testing import meeting
from jiceng.testing import add_member, client_for

TODAY = "2026-11-20 10:00 +0800"


@pytest.fixture
def year(county):
    with time_machine.travel(TODAY):
        absent = add_member(county.branch_a, "钱六")
        for month in (3, 6, 9):
            meeting(county.secretary_a, county.branch_a, date(2026, month, 5), absent=[absent], topic=f"{month}月")
        meeting(county.admin_b, county.branch_b, date(2026, 4, 5), topic="乙乡")
        for month in range(1, 11):
            services.recompute_month(date(2026, month, 1))
        services.compute_fortress(2026)
        yield


def stored(org):
    score = IndexScore.objects.get(index=FORTRESS, organization=org, year=2026)
    return score, {p["code"]: p for p in score.parts}


def test_every_component_equals_its_records(county, year):
    score, parts = stored(county.branch_a)
    records = Record.objects.filter(county.branch_a.subtree_filter("organization__"), held_on__year=2026)
    totals = records.aggregate(p=Sum("present_count"), e=Sum("expected_count"))
    assert (D(parts["life.attendance"]["numerator"]), D(parts["life.attendance"]["denominator"])) == (
        totals["p"],
        totals["e"],
    )
    members = 4  # 张三, 李四, 王五 (group), 钱六
    points = sum(m.total for m in queries.ranking(county.branch_a, 2026, through=10))
    assert D(parts["ratings.points"]["numerator"]) == points
    assert D(parts["ratings.points"]["denominator"]) == members * queries.pace_line(2026, 10)
    assert parts["life.attendance"]["url"].startswith(reverse("life:attendance_report"))
    # The index is the weighted average of the components that can judge.
    weights = queries.weights(FORTRESS)
    judged = [
        (weights[c], min(D(1), D(p["numerator"]) / D(p["denominator"])) * 100)
        for c, p in parts.items()
        if p["denominator"]
    ]
    expected = sum(w * s.quantize(D("0.1")) for w, s in judged) / sum(w for w, _ in judged)
    assert score.value == expected.quantize(D("0.1"))


def test_stored_index_equals_a_new_computation_and_weights_change_it(county, year):
    with time_machine.travel(TODAY):
        before, _ = stored(county.branch_a)
        services.compute_fortress(2026)
        again, _ = stored(county.branch_a)
        assert again.value == before.value
        for code in registered(FORTRESS):
            IndexWeight.objects.create(index=FORTRESS, component=code, weight=1 if code == "life.attendance" else 0)
        services.compute_fortress(2026)
        only, parts = stored(county.branch_a)
        a = parts["life.attendance"]
        assert only.value == (min(D(1), D(a["numerator"]) / D(a["denominator"])) * 100).quantize(D("0.1"))


def test_page_ranks_the_branches_in_scope_and_a_manager_recomputes(county, year):
    with time_machine.travel(TODAY):
        page = client_for(county.admin_a).get(reverse("ratings:fortress"), {"year": 2026}).content.decode()
        assert "堡垒指数" in page and "东村第一党支部" in page and "乙乡秘密村党支部" not in page
        assert "组织生活出勤" in page and "计算于" in page
        response = client_for(county.secretary_a).post(
            reverse("ratings:fortress_compute"), {"org": county.branch_a.pk, "year": 2026}
        )
        assert response.status_code == 302
        assert client_for(county.member_user).get(reverse("ratings:fortress")).status_code == 403


def test_rank_ties_share_a_rank():
    class Org:
        def __init__(self, path):
            self.path = path

    rows = [queries.IndexRow(Org(p), [], v) for p, v in (("3", D(80)), ("1", D(90)), ("2", D(80)), ("4", None))]
    queries.rank_rows(rows)
    assert [(r.organization.path, r.rank) for r in rows] == [("1", 1), ("2", 2), ("3", 2), ("4", None)]


def test_weights_page_for_the_county_admin(county):
    assert (
        client_for(county.admin_a).post(reverse("ratings:fortress_weights"), {"w-life.attendance": "5"}).status_code
        == 403
    )
    c = client_for(county.county_admin)
    assert "调整各组成项权重" in c.get(reverse("ratings:fortress")).content.decode()
    c.post(reverse("ratings:fortress_weights"), {"w-life.attendance": "45"})
    assert queries.weights(FORTRESS)["life.attendance"] == 45
    follow = c.post(
        reverse("ratings:fortress_weights"),
        {code: "0" for code in [f"w-{k}" for k in registered(FORTRESS)]},
        follow=True,
    )
    assert "至少要有一项权重大于 0" in follow.content.decode()
