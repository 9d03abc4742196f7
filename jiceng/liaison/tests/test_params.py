"""Whatever arrives in a query string — "²", 23 digits, the year 9999, a NUL byte — the liaison
pages answer with a Chinese message and the API with 400, never a 500 (PostgreSQL too)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.liaison.services import record_visit
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db

YEAR = "年份应在 2000 年至 2100 年之间"


@pytest.fixture
def visit(county, register):
    return record_visit(
        None,
        organization=county.village_a,
        date=date(2026, 3, 1),
        representatives=[register.r1],
        households_reached=3,
        note="走访三组",
        problems=[{"description": "路灯坏了", "category": register.road, "outcome": "pending", "solution": ""}],
    )


@pytest.mark.parametrize(
    "url,query,shows",
    [
        ("liaison:report", {"org": "²"}, "the county"),
        ("liaison:report", {"org": "99999999999999999999999"}, "the county"),
        ("liaison:problems", {"category": "²"}, 1),
        ("liaison:problems", {"category": "99999999999999999999999"}, 1),
        ("liaison:problems", {"org": "٣"}, 1),
        ("liaison:representatives", {"visited_in": "²"}, 5),
        ("liaison:representatives", {"team": "²", "org": "²"}, 5),
        ("liaison:visits", {"representative": "²"}, 1),
        ("liaison:households", {"org": "²"}, "the county"),
        ("liaison:visit_create", {"org": "²"}, "an empty form"),
    ],
)
def test_ids_that_are_not_ascii_digits_are_ignored(county, visit, url, query, shows):
    """The page is what it is without the parameter: the county admin's whole scope, all of the
    rows (one visit with one problem; five representatives), a form without an organization."""
    page = client_for(county.county_admin).get(reverse(url), query)
    assert page.status_code == 200
    if shows == "the county":
        assert page.context["root"] == county.root
    elif shows == "an empty form":
        assert page.context["org"] is None and "登记党代表走访" in page.content.decode()
    else:
        assert page.context["page_obj"].paginator.count == shows


@pytest.mark.parametrize(
    "url",
    ["liaison:report", "liaison:visits", "liaison:problems", "liaison:households", "liaison:representatives"],
)
@pytest.mark.parametrize("query", [{"start": "9999-12-31"}, {"end": "0001-01-01"}, {"start": "2026-02-30"}])
def test_pages_say_what_is_wrong_with_the_period(county, visit, url, query):
    if url == "liaison:representatives":
        query = {**query, "visited_in": county.town_a.pk}
    page = client_for(county.county_admin).get(reverse(url), query)
    assert page.status_code == 400
    html = page.content.decode()
    assert "已按默认期间显示" in html and ("开始日期" in html or "结束日期" in html)


@pytest.mark.parametrize(
    "url",
    ["liaison-figures", "liaison-visit-list", "liaison-problem-list", "liaison-representative-list"],
)
def test_api_answers_400_for_a_period_out_of_range(county, visit, url):
    response = client_for(county.county_admin).get(
        reverse(url), {"start": "9999-12-31", "visited_in": county.town_a.pk}
    )
    assert response.status_code == 400
    assert YEAR in response.json()["start"][0]
    fine = client_for(county.county_admin).get(reverse(url), {"start": "2026-01-01", "visited_in": county.town_a.pk})
    assert fine.status_code == 200
    found = fine.json()
    if url == "liaison-figures":
        assert found["start"] == "2026-01-01" and (found["figures"]["visits"], found["figures"]["problems"]) == (1, 1)
    else:  # the visit of 1 March, its problem, its representative
        key, value = {
            "liaison-visit-list": ("note", "走访三组"),
            "liaison-problem-list": ("description", "路灯坏了"),
            "liaison-representative-list": ("name", "张三"),
        }[url]
        assert [r[key] for r in found["results"]] == [value]


@pytest.mark.parametrize("url", ["liaison:visits", "liaison:problems", "liaison:representatives"])
def test_a_search_with_a_nul_byte_finds_nothing(county, visit, url):
    page = client_for(county.county_admin).get(reverse(url), {"q": "路灯\x00"})
    assert page.status_code == 200 and page.context["page_obj"].paginator.count == 0


# ---- anything at all in the query string -----------------------------------------------------------

VALUES = st.sampled_from(
    [
        "²",
        "٣",
        "99999999999999999999999",
        "-1",
        "1.5",
        "NaN",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "\x00",
        "路灯\x00",
        "x" * 3000,
        "",
        "1",
    ]
) | st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)

FILTERS = ["org", "start", "end", "kind", "representative", "q", "outcome", "to_department", "category"]
REGISTER = ["org", "visited_in", "start", "end", "active", "level", "team", "q"]
PAGES = {
    "/liaison/": ["org", "start", "end"],
    "/liaison/report/export/": ["org", "start", "end"],
    "/liaison/households/": ["org", "start", "end", "page"],
    "/liaison/visits/": FILTERS + ["page"],
    "/liaison/problems/": FILTERS + ["page"],
    "/liaison/representatives/": REGISTER + ["page"],
    "/liaison/visits/new/": ["org"],
    "/api/v1/liaison/figures/": ["org", "start", "end"],
    "/api/v1/liaison/visits/": FILTERS,
    "/api/v1/liaison/problems/": FILTERS,
    "/api/v1/liaison/representatives/": REGISTER,
}


@st.composite
def queries(draw):
    url = draw(st.sampled_from(sorted(PAGES)))
    names = draw(st.lists(st.sampled_from(PAGES[url]), min_size=1, max_size=3, unique=True))
    return url, {name: draw(VALUES) for name in names}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries())
def test_liaison_pages_never_fail_on_any_query(county, visit, query):
    url, data = query
    assert client_for(county.county_admin).get(url, data).status_code < 500
