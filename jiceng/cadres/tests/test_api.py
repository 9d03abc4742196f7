"""The read-only API: the register's scope and filters, masked numbers, plain members refused,
assessments with their points, and a fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiceng.cadres import services
from jiceng.cadres.testing import add_cadre, manual_scores
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
NOW = "2027-01-10 10:00 +0800"


@time_machine.travel(NOW)
def test_the_cadre_api_is_scoped_and_masked(county):
    mine = add_cadre(county.village_a, "李书记", phone="13712345678")
    add_cadre(county.branch_b, "秘密书记")
    data = client_for(county.admin_a).get("/api/v1/cadres/").json()
    assert [row["name"] for row in data["results"]] == ["李书记"]
    row = data["results"][0]
    assert row["phone"] == "137****5678" and row["id_number"] == mine.id_number_masked
    assert client_for(county.admin_a).get(f"/api/v1/cadres/?org={county.town_b.pk}").json()["results"] == []
    assert client_for(county.member_user).get("/api/v1/cadres/").status_code == 403
    assert len(client_for(county.county_admin).get("/api/v1/cadres/?post=secretary").json()["results"]) == 2


@time_machine.travel(NOW)
def test_the_assessment_api_gives_the_points_by_dimension(county):
    cadre = add_cadre(county.village_a, "李书记", starts_on=date(2020, 1, 1))
    round = services.open_round(None, county.town_a, year=2026, quarter=4)
    services.score(None, round, cadre, manual=manual_scores(round.scheme, 80), computed={})
    [row] = client_for(county.admin_a).get("/api/v1/cadres/assessments/").json()["results"]
    assert (row["cadre"], row["year"], row["quarter"], row["total"], row["grade"]) == (
        cadre.pk,
        2026,
        4,
        "80.00",
        "competent",
    )
    assert [s["code"] for s in row["scores"]][:2] == ["party_building", "village_economy"]
    assert client_for(county.admin_b).get("/api/v1/cadres/assessments/").json()["results"] == []


@pytest.mark.parametrize("n", [3, 30])
def test_the_api_list_has_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    with time_machine.travel(NOW):
        for i in range(n):
            add_cadre(county.village_a, f"干部{i}", "committee_member")
        client = client_for(county.admin_a)
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/cadres/")
    assert response.json()["count"] == n
