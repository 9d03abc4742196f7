"""Whatever arrives in a query string or a form — "²", 23 digits, the year 9999, NaN, a NUL
byte — the pages answer with a Chinese message, the API and Open311 with 400, never a 500
(on PostgreSQL as on SQLite)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.core import params
from jiceng.requests.models import Request
from jiceng.requests.testing import file_request
from jiceng.testing import client_for, export_rows_without_formulas

YEAR = "年份应在 2000 年至 2100 年之间"


# ---- the helper --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,number",
    [
        ("0", 0),
        ("42", 42),
        (7, 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("99999999999999999999999", None),
        ("²", None),
        ("٣", None),
        ("３", None),
        ("1.5", None),
        ("-1", None),
        (" 1", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        (-1, None),
    ],
)
def test_int_or_none_takes_ascii_digits_that_fit_the_database(value, number):
    assert params.int_or_none(value) == number


@given(st.text())
def test_int_or_none_never_raises(value):
    number = params.int_or_none(value)
    assert number is None or (0 <= number <= params.INT64_MAX and str(number) == value.lstrip("0").rjust(1, "0"))


# ---- the reviewer's cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,query",
    [
        ("requests:ranking", {"month": "9999-12"}),
        ("requests:ranking", {"month": "0001-01"}),
        ("requests:ranking", {"from": "9999-12-31", "to": "9999-12-31"}),
        ("requests:ranking", {"from": "0001-01-01", "to": "0001-01-01"}),
        ("requests:ranking", {"from": "2026-01-01", "to": "2101-01-01"}),
    ],
)
def test_ranking_refuses_years_out_of_range_with_a_message(desk, url, query):
    client = client_for(desk.county.county_admin)
    page = client.get(reverse(url), query)
    assert page.status_code == 400
    assert YEAR in page.content.decode() and page.context["period"].month  # last month instead
    export = client.get(reverse("requests:ranking_export"), query)
    assert export.status_code == 302 and export["Location"].startswith(reverse("requests:ranking"))
    assert YEAR in client.get(export["Location"]).content.decode()
    api = client.get(reverse("request-ranking"), query)
    assert api.status_code == 400 and YEAR in str(api.json())


def test_ranking_takes_any_org_value(desk):
    client = client_for(desk.county.county_admin)
    for org in ("²", "99999999999999999999999", "-1", "abc", "\x00"):
        page = client.get(reverse("requests:ranking"), {"org": org, "month": "2026-10"})
        assert page.status_code == 200 and page.context["root"] == desk.county.root
    api = client.get(reverse("request-ranking"), {"org": "²"})
    assert api.status_code == 200 and api.json()["organization"] == "测试县委"


@pytest.mark.parametrize(
    "query,field",
    [
        ({"received_from": "9999-12-31"}, "受理日期从"),
        ({"received_from": "0001-01-01"}, "受理日期从"),
        ({"received_to": "9999-12-31"}, "受理日期至"),
        ({"handler": "99999999999999999999999"}, "经办人"),
        ({"organization": "²"}, "受理地"),
        ({"department": "1.5"}, "承办部门"),
    ],
)
def test_ledger_names_a_filter_it_cannot_use(desk, query, field):
    file_request(desk)
    client = client_for(desk.county.county_admin)
    page = client.get(reverse("requests:inbox"), query)
    assert page.status_code == 400
    html = page.content.decode()
    assert "以下筛选条件有误，未使用" in html and field in html
    assert page.context["page_obj"].paginator.count == 1  # the other filters still apply
    assert client.get(reverse("request-list"), query).status_code == 400
    export = client.get(reverse("requests:export"), query)
    assert export.status_code == 200
    rows = export_rows_without_formulas(export.content)
    assert [r["诉求内容"].value for r in rows] == ["东村三组路灯坏了"]  # the other filters still apply


def test_board_takes_any_category(desk):
    from jiceng.requests import services

    req = services.accept_request(desk.village_clerk, file_request(desk), contacted=True)
    req = services.resolve_request(desk.village_clerk, req, result="已修好")
    services.publish_request(desk.village_clerk, req, public_description="东村路灯不亮", public_result="已修好")
    for category in ("²", "99999999999999999999999", "\x00", "-1"):
        page = Client().get(reverse("resident:board"), {"category": category})
        assert page.status_code == 200 and page.context["page_obj"].paginator.count == 1  # the filter is ignored
        assert "东村路灯不亮" in page.content.decode()


# ---- Open311 and the intake page -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jurisdiction_id", "service_request_id", "service_code", "status", "start_date"])
@pytest.mark.parametrize("value", ["\x00", "TA01\x00", "a\x1fb", "\x7f"])
def test_open311_refuses_control_characters(desk, name, value):
    response = Client().get(reverse("resident:open311_requests"), {name: value})
    assert response.status_code == 400
    [error] = response.json()
    assert error == {"code": 400, "description": f"参数 {name} 含有控制字符"}
    assert Client().get(reverse("resident:open311_services"), {name: value}).status_code == 400


def test_open311_refuses_a_control_character_in_an_id_or_a_posted_field(desk):
    req = file_request(desk)
    assert Client().get(f"/open311/v2/requests/{req.ticket}%00.json").status_code == 400
    assert Client().get(reverse("resident:open311_request", args=[req.ticket]), {"x": "\x00"}).status_code == 400
    data = {"jurisdiction_id": "TA01", "service_code": "road", "description": "路灯坏了", "phone": "13912345678"}
    for name in ("jurisdiction_id", "service_code", "description", "address_string", "first_name", "kind"):
        response = Client().post(reverse("resident:open311_requests"), {**data, name: data.get(name, "") + "\x00"})
        assert response.status_code == 400 and response.json()[0]["description"] == f"参数 {name} 含有控制字符"
    # Line breaks and tabs in a description are ordinary text.
    ok = Client().post(reverse("resident:open311_requests"), {**data, "description": "路灯坏了\r\n\t三组"})
    assert ok.status_code == 201
    assert Request.objects.count() == 2


@pytest.mark.parametrize("value", ["9999-12-31T00:00:00+08:00", "0001-01-01", "2026-02-30T00:00:00"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_open311_dates_out_of_range(desk, name, value):
    response = Client().get(reverse("resident:open311_requests"), {name: value})
    assert response.status_code == 400 and response.json()[0]["description"].startswith(name)


def test_the_service_refuses_control_characters_from_any_caller(desk):
    with pytest.raises(ValidationError) as caught:
        file_request(desk, description="路灯\x00坏了")
    assert caught.value.message_dict == {"description": ["诉求内容含有无法保存的控制字符"]}
    assert not Request.objects.exists()


@pytest.mark.parametrize("name", ["description", "place", "name", "phone"])
def test_intake_form_with_a_nul_byte_is_refused(desk, name):
    data = {
        "kind": "help",
        "category": desk.road.pk,
        "description": "三组路口的路灯坏了",
        "place": "三组路口",
        "name": "李大妈",
        "phone": "13712345678",
    }
    data[name] += "\x00"
    response = Client().post(reverse("resident:intake", args=[desk.county.village_a.code]), data)
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert not Request.objects.exists()
    assert Client().get("/r/TA01%00/").status_code == 404
    track = Client().post(reverse("resident:track"), {"ticket": "ABC\x00", "phone": "13712345678"})
    assert track.status_code == 400


# ---- anything at all in the query string -----------------------------------------------------------

NASTY = st.sampled_from(
    [
        "²",
        "٣",
        "99999999999999999999999",
        "-1",
        "1.5",
        "NaN",
        "1e400",
        "9999",
        "9999-12",
        "9999-12-31",
        "0001-01-01",
        "2026-13",
        "2026-02-30",
        "\x00",
        "a\x00b",
        "\x1f",
        "x" * 3000,
        "",
        " ",
        "open,closed",
        "2026-10-01T00:00:00+08:00",
    ]
)
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
VALUES = NASTY | TEXT

LEDGER = [
    "q",
    "box",
    "state",
    "stage",
    "overdue",
    "category",
    "kind",
    "tier",
    "priority",
    "channel",
    "level",
    "received_from",
    "received_to",
    "month",
    "organization",
    "department",
    "handler",
    "figure",
    "ordering",
    "page",
]
RANKING = ["org", "month", "from", "to", "by"]
OPEN311 = ["service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id", "api_key"]
STAFF_PAGES = {
    "/requests/": LEDGER,
    "/api/v1/requests/": LEDGER,
    "/requests/ranking/": RANKING,
    "/requests/ranking/export/": RANKING,
    "/api/v1/requests/ranking/": RANKING,
}
PUBLIC_PAGES = {
    "/board/": ["category", "page"],
    "/open311/v2/services.json": OPEN311,
    "/open311/v2/requests.json": OPEN311,
}


@st.composite
def queries(draw, pages):
    url = draw(st.sampled_from(sorted(pages)))
    names = draw(st.lists(st.sampled_from(pages[url]), min_size=1, max_size=3, unique=True))
    return url, {name: draw(VALUES) for name in names}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(STAFF_PAGES))
def test_staff_pages_never_fail_on_any_query(desk, query):
    url, data = query
    response = client_for(desk.county.county_admin).get(url, data)
    assert response.status_code < 500


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(PUBLIC_PAGES), ticket=VALUES)
def test_public_pages_and_open311_never_fail_on_any_query(desk, query, ticket):
    url, data = query
    assert Client().get(url, data).status_code < 500
    assert Client().get(reverse("resident:track"), {"ticket": ticket}).status_code < 500
    if ticket and "/" not in ticket:
        assert Client().get(reverse("resident:open311_request", args=[ticket])).status_code < 500
