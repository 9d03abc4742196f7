"""Whatever arrives in a query string or a form — "²", 23 digits, the year 9999, a NUL byte —
the wish pages answer with a Chinese message and the API with 400, never a 500 (PostgreSQL
too)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jiceng.testing import client_for
from jiceng.wishes import services
from jiceng.wishes.models import Wish

YEAR = "年份应在 2000 年至 2100 年之间"


@pytest.fixture
def wish(county):
    wish = services.post_wish(
        None, organization=county.village_a, phone="13812345678", description="想要一个书包", category="study"
    )
    return services.accept_wish(county.admin_a, wish, project="basic")


@pytest.mark.parametrize(
    "url,query",
    [
        ("wishes:report", {"start": "9999-12-31"}),
        ("wishes:report", {"end": "9999-12-31"}),
        ("wishes:report", {"start": "0001-01-01"}),
        ("wishes:report", {"end": "0001-01-01"}),
        ("wishes:list", {"start": "9999-12-31"}),
        ("wishes:list", {"end": "0001-01-01"}),
    ],
)
def test_far_dates_show_the_default_period_with_a_message(county, wish, url, query):
    page = client_for(county.county_admin).get(reverse(url), query)
    assert page.status_code == 400
    html = page.content.decode()
    assert YEAR in html and "已按默认期间显示" in html
    export_url = {"wishes:report": "wishes:report_export", "wishes:list": "wishes:export"}[url]
    export = client_for(county.county_admin).get(reverse(export_url), query)
    assert export.status_code == 200
    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(io.BytesIO(export.content))}
    if url == "wishes:report":  # the sheet's notes name the period it used: this year to today
        today = timezone.localdate()
        assert sheets["说明"][0][0].startswith(f"测试县委 {today.year}-01-01 至 {today:%Y-%m-%d}")
    else:  # the default period holds the wish posted today
        assert [row[7] for row in sheets["微心愿台账"][1:] if row[0]] == ["想要一个书包"]


@pytest.mark.parametrize("url", ["wishes-figures", "wish-list"])
def test_api_answers_400_for_a_period_out_of_range(county, wish, url):
    response = client_for(county.county_admin).get(reverse(url), {"start": "9999-12-31"})
    assert response.status_code == 400 and YEAR in response.json()["start"][0]
    fine = client_for(county.county_admin).get(reverse(url), {"start": "2026-01-01"})
    assert fine.status_code == 200
    if url == "wishes-figures":
        assert fine.json()["start"] == "2026-01-01" and fine.json()["figures"]["collected"] == 1
    else:
        assert [w["description"] for w in fine.json()["results"]] == ["想要一个书包"]


@pytest.mark.parametrize(
    "url,query,shows",
    [
        ("wishes:list", {"org": "²"}, "the wish"),
        ("wishes:list", {"org": "99999999999999999999999"}, "the wish"),
        ("wishes:report", {"org": "²"}, "微心愿报表 · 测试县委"),
        ("wishes:create", {"org": "²"}, "代群众登记心愿"),
        ("wishes:list", {"q": "书包\x00"}, "nothing"),
    ],
)
def test_staff_pages_ignore_ids_they_cannot_read(county, wish, url, query, shows):
    page = client_for(county.county_admin).get(reverse(url), query)
    assert page.status_code == 200
    if shows == "the wish":  # the whole county's ledger, as without the parameter
        assert page.context["page_obj"].paginator.count == 1 and wish.ticket in page.content.decode()
    elif shows == "nothing":
        assert page.context["page_obj"].paginator.count == 0
    else:
        assert shows in page.content.decode()


def test_a_search_with_a_nul_byte_finds_nothing(county, wish):
    page = client_for(county.county_admin).get(reverse("wishes:list"), {"q": "书包\x00"})
    assert page.context["page_obj"].paginator.count == 0


@pytest.mark.parametrize("area", ["²", "٣", "99999999999999999999999", "\x00", "-1"])
def test_public_pool_takes_any_area(county, wish, area):
    pool = Client().get(reverse("wishes:pool"), {"area": area})
    assert pool.status_code == 200 and pool.context["page_obj"].paginator.count == 1  # the area is ignored
    assert "想要一个书包" in pool.content.decode()
    api = Client().get(reverse("wishes-pool"), {"area": area})
    assert api.status_code == 200 and [w["text"] for w in api.json()["results"]] == ["想要一个书包"]
    follow = Client().get(reverse("wishes:follow"), {"w": area})
    assert follow.status_code == 200 and follow.context["wish"] is None  # the lookup form, no wish
    assert "查询我的心愿" in follow.content.decode()


@pytest.mark.parametrize("version", ["abc", "1.5", "²", "99999999999999999999999"])
def test_a_mangled_version_is_refused_like_a_stale_page(county, wish, version):
    client = client_for(county.admin_a)
    data = {"version": version, "note": "重复提交"}
    response = client.post(reverse("wishes:act", args=[wish.pk, "reject"]), data, follow=True)
    assert response.status_code == 200 and "请刷新" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).state == "pooled"
    response = client.post(reverse("wishes:act", args=[wish.pk, "publish"]), {"version": "", "photo": ["²", "x"]})
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["description", "requester_name", "phone", "address"])
def test_posting_form_with_a_nul_byte_is_refused(county, name):
    data = {"description": "书包", "category": "study", "phone": "13812345678", "agree": "on"}
    data[name] = data.get(name, "王") + "\x00"
    response = Client().post(reverse("wishes:post", args=[county.village_a.pk]), data)
    assert response.status_code == 200 and "空字符" in response.content.decode()
    assert not Wish.objects.exists()
    lookup = Client().post(reverse("wishes:follow"), {"step": "lookup", "ticket": "W\x00", "phone": "13812345678"})
    assert lookup.status_code == 200 and lookup.context["wish"] is None
    assert lookup.context["form"].errors["ticket"] and "空字符" in lookup.content.decode()


# ---- anything at all in the query string -----------------------------------------------------------

VALUES = st.sampled_from(
    [
        "²",
        "٣",
        "99999999999999999999999",
        "-1",
        "1.5",
        "NaN",
        "9999",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "\x00",
        "书包\x00",
        "x" * 3000,
        "",
        "wall",
    ]
) | st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)

LEDGER = ["org", "start", "end", "state", "project", "category", "claimant_type", "figure", "q", "page"]
STAFF = {
    "/wishes/": LEDGER,
    "/wishes/export/": LEDGER,
    "/wishes/report/": ["org", "start", "end", "year"],
    "/wishes/report/export/": ["org", "start", "end"],
    "/wishes/panel/": ["org"],
    "/wishes/new/": ["org"],
    "/api/v1/wishes/ledger/": LEDGER,
    "/api/v1/wishes/figures/": ["org", "start", "end"],
}
PUBLIC = {
    "/wishes/pool/": ["area", "tab", "page"],
    "/api/v1/wishes/pool/": ["area", "page"],
    "/wishes/follow/": ["w"],
}


@st.composite
def queries(draw, pages):
    url = draw(st.sampled_from(sorted(pages)))
    names = draw(st.lists(st.sampled_from(pages[url]), min_size=1, max_size=3, unique=True))
    return url, {name: draw(VALUES) for name in names}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(STAFF))
def test_staff_pages_never_fail_on_any_query(county, wish, query):
    url, data = query
    assert client_for(county.county_admin).get(url, data).status_code < 500


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(PUBLIC))
def test_public_pool_never_fails_on_any_query(county, wish, query):
    url, data = query
    assert Client().get(url, data).status_code < 500
