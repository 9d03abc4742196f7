"""Open311 GeoReport v2: services, a round trip (POST, then GET by id and in the list),
filters, the open/closed status, errors as the spec's list, public data only."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jiceng.requests import rules, services
from jiceng.requests.models import Request, RequestSettings
from jiceng.requests.testing import file_request
from jiceng.testing import at

SERVICES = reverse("resident:open311_services")
REQUESTS = reverse("resident:open311_requests")


def one(ticket: str) -> str:
    return reverse("resident:open311_request", args=[ticket])


def post(data, client=None, **kwargs):
    return (client or Client()).post(REQUESTS, data, **kwargs)


def test_services_list_the_categories(desk):
    data = Client().get(SERVICES).json()
    road = next(s for s in data if s["service_code"] == "road")
    assert road == {
        "service_code": "road",
        "service_name": "道路交通",
        "description": "道路破损、路灯、交通安全设施",
        "metadata": False,
        "type": "realtime",
        "keywords": "道路,路灯,桥梁,交通",
        "group": "城乡建设",
    }


def test_round_trip(desk):
    response = post(
        {
            "jurisdiction_id": "TA01",
            "service_code": "road",
            "description": "路灯不亮，联系人周秘书 13912345678",
            "phone": "13912345678",
            "first_name": "秘书",
            "last_name": "周",
            "lat": "28.123456",
            "long": "112.654321",
            "address_string": "东村三组",
        }
    )
    assert response.status_code == 201
    [created] = response.json()
    ticket = created["service_request_id"]
    assert "已受理" in created["service_notice"] and created["account_id"] is None
    req = Request.objects.get(ticket=ticket)
    assert (req.channel, req.name, req.place, str(req.latitude)) == ("open311", "周秘书", "东村三组", "28.123456")
    assert req.source_label == "Open311" and req.holder_org == desk.county.village_a

    [by_id] = Client().get(one(ticket)).json()
    assert by_id["service_request_id"] == ticket and by_id["status"] == "open"
    assert by_id["service_code"] == "road" and by_id["agency_responsible"] == "甲镇东村党总支"
    assert by_id["requested_datetime"].endswith("+08:00") and by_id["expected_datetime"]
    # Public data only: no phone, no name, no text or place until staff publish it.
    text = json.dumps(by_id, ensure_ascii=False)
    assert "13912345678" not in text and "周秘书" not in text and by_id["description"] == "" and by_id["lat"] is None
    # The public list shows published requests only: the ticket, village and times of this one stay
    # with the resident until staff publish it.
    assert Client().get(REQUESTS).json() == []

    req = services.accept_request(desk.village_clerk, req)
    req = services.resolve_request(desk.village_clerk, req, result="已修复")
    services.publish_request(desk.village_clerk, req, public_description=req.description, public_result="已修复")
    [by_id] = Client().get(one(ticket.lower())).json()
    assert by_id["status"] == "closed" and by_id["expected_datetime"] is None
    assert by_id["description"] == "路灯不亮，联系人周** 139****5678"
    assert by_id["lat"] == 28.123456 and "东村三组" in by_id["address"]
    assert [r["service_request_id"] for r in Client().get(REQUESTS).json()] == [ticket]


def test_a_published_address_is_masked_like_the_texts(desk):
    req = file_request(
        desk, name="王小明", phone="13812345678", place="王小明家门口（电话 139-1234-5678，0731 12345678）"
    )
    req = services.resolve_request(desk.village_clerk, services.accept_request(desk.village_clerk, req), result="好")
    services.publish_request(desk.village_clerk, req, public_description="路灯坏了", public_result="已修复")
    for data in (Client().get(one(req.ticket)).json(), Client().get(REQUESTS).json()):
        assert data[0]["address"] == "甲镇东村党总支 王**家门口（电话 139****5678，073****5678）"


def test_json_body_is_accepted(desk):
    body = {"jurisdiction_id": "TA01", "service_code": "dispute", "description": "邻里纠纷", "phone": "0731-1234567"}
    response = post(json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert Request.objects.get().category.code == "dispute"


@pytest.mark.parametrize(
    "data,status,words",
    [
        ({"service_code": "road", "description": "x", "phone": "13912345678"}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "TA01", "description": "x", "phone": "13912345678"}, 400, "service_code"),
        ({"jurisdiction_id": "TA01", "service_code": "road", "phone": "13912345678"}, 400, "description"),
        ({"jurisdiction_id": "TA01", "service_code": "road", "description": "x"}, 400, "phone"),
        (
            {"jurisdiction_id": "TA01", "service_code": "road", "description": "x", "phone": "123"},
            400,
            "电话号码格式不对",
        ),
        (
            {"jurisdiction_id": "NOPE", "service_code": "road", "description": "x", "phone": "13912345678"},
            404,
            "不是受理点",
        ),
        (
            {"jurisdiction_id": "T", "service_code": "road", "description": "x", "phone": "13912345678"},
            404,
            "不是受理点",
        ),
        (
            {"jurisdiction_id": "TA01", "service_code": "nope", "description": "x", "phone": "13912345678"},
            404,
            "不存在",
        ),
        (
            {"jurisdiction_id": "TA01", "service_code": "road", "description": "长" * 2001, "phone": "13912345678"},
            400,
            "最多 2000 个字",
        ),
        (
            {
                "jurisdiction_id": "TA01",
                "service_code": "road",
                "description": "x",
                "phone": "13912345678",
                "lat": "东经",
            },
            400,
            "纬度不是数字",
        ),
    ],
)
def test_bad_posts_get_the_spec_error_list(desk, data, status, words):
    response = post(data)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and words in error["description"]
    assert not Request.objects.exists()


@pytest.mark.parametrize("value", ["NaN", "nan", "-nan", "sNaN", "Infinity", "-inf", "1e999999", " "])
@pytest.mark.parametrize("name,label", [("lat", "纬度"), ("long", "经度")])
def test_coordinates_that_are_not_finite_numbers_are_refused(desk, name, value, label):
    data = {"jurisdiction_id": "TA01", "service_code": "road", "description": "x", "phone": "13912345678"}
    response = post({**data, name: value})
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].startswith(label)
    assert not Request.objects.exists()
    # The same in a JSON body, where NaN and Infinity are numbers to Python's json module.
    response = post(
        f'{{"jurisdiction_id": "TA01", "service_code": "road", "description": "x", '
        f'"phone": "13912345678", "{name}": NaN}}',
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()[0]["description"].startswith(label)


def test_malformed_and_oversized_bodies(desk):
    response = post("{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()[0]["description"] == "请求不是合法的 JSON"
    response = post(json.dumps(["a"]), content_type="application/json")
    assert response.status_code == 400
    big = json.dumps({"description": "x" * 70_000})
    assert post(big, content_type="application/json").status_code == 400


def test_api_key_when_the_county_configured_keys(desk):
    RequestSettings.objects.create(open311_keys="k-12345 12345热线\n")
    data = {"jurisdiction_id": "TA01", "service_code": "road", "description": "热线转来", "phone": "13912345678"}
    assert post(data).status_code == 403
    assert post({**data, "api_key": "wrong"}).status_code == 403
    assert post({**data, "api_key": "k-12345"}).status_code == 201
    assert Request.objects.get().source_label == "12345热线"


def test_list_filters(desk):
    def published(req, user):
        if req.state in rules.OPEN_STATES:
            req = services.resolve_request(user, services.accept_request(user, req), result="好")
        return services.publish_request(user, req, public_description="路灯坏了", public_result="已修复")

    with time_machine.travel(at(2026, 10, 5, 9), tick=False):
        old = file_request(desk, category=desk.dispute)
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        new = file_request(desk)
        b = file_request(desk, org=desk.county.branch_b)
        secret = file_request(desk, kind="report", description="举报内容")
        closed = services.resolve_request(
            desk.village_clerk, services.accept_request(desk.village_clerk, file_request(desk)), result="好"
        )
        hidden = file_request(desk)  # open, never published
    with time_machine.travel(at(2026, 11, 22, 9), tick=False):
        old, new, closed = (published(r, desk.village_clerk) for r in (old, new, closed))
        b = published(b, desk.county.county_admin)
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        client = Client()

        def ids(**params):
            return {r["service_request_id"] for r in client.get(REQUESTS, params).json()}

        # Published only; 举报 are never listed, and an open request is not published.
        assert ids() == {old.ticket, new.ticket, b.ticket, closed.ticket}
        assert ids(service_code="dispute") == {old.ticket}
        assert ids(status="closed") == {old.ticket, new.ticket, b.ticket, closed.ticket}
        assert ids(status="open") == set()
        assert ids(jurisdiction_id="TB") == {b.ticket}
        assert ids(start_date="2026-11-01T00:00:00+08:00") == {new.ticket, b.ticket, closed.ticket}
        assert ids(start_date="2026-10-01T00:00:00+08:00", end_date="2026-10-31T00:00:00+08:00") == {old.ticket}
        # By ticket (what the resident holds), unpublished ones too, 举报 included.
        assert ids(service_request_id=f"{secret.ticket},{hidden.ticket}") == {secret.ticket, hidden.ticket}
        for params, words in (
            ({"status": "pending"}, "status"),
            ({"start_date": "yesterday"}, "ISO 8601"),
            ({"start_date": "2026-11-02T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"}, "晚于"),
        ):
            response = client.get(REQUESTS, params)
            assert response.status_code == 400 and words in response.json()[0]["description"]
        assert client.get(REQUESTS, {"jurisdiction_id": "NOPE"}).status_code == 404
        assert client.get(one("261101ZZZZZZ")).status_code == 404


def test_open311_post_is_rate_limited(desk):
    client = Client()
    data = {"jurisdiction_id": "TA01", "service_code": "road", "description": "x", "phone": "13912345678"}
    for _ in range(20):
        assert post(data, client).status_code == 201
    response = post(data, client)
    assert response.status_code == 429 and response.json()[0]["code"] == 429
