"""The transfer write API: issue, confirm, return and cancel through the services, with the
two-sided scope of the pages; a refusal is 400 naming the rule."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from jiceng.testing import add_member, client_for
from jiceng.transfers.models import Transfer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def post(user, name, data, pk=None):
    url = reverse(name, args=[pk] if pk else [])
    return client_for(user).post(url, data, content_type="application/json")


def issue(user, member, **extra):
    data = {"member": member.pk, "kind": "within", "to_org_code": "TB01", "issued_on": str(TODAY), **extra}
    return post(user, "transfer-list", data)


def test_issue_and_confirm(county, extra):
    response = issue(county.secretary_a, county.member_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["to_org"], body["valid_until"]) == ("in_transit", county.branch_b.pk, "2026-04-01")
    county.member_a.refresh_from_db()
    assert county.member_a.status == "in_transit"
    pk = body["id"]
    assert post(county.secretary_a, "transfer-confirm", {"on": str(TODAY)}, pk).status_code == 403  # the other side
    assert post(extra.admin_c, "transfer-confirm", {"on": str(TODAY)}, pk).status_code == 404  # neither side
    response = post(extra.secretary_b, "transfer-confirm", {"on": str(TODAY)}, pk)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "completed"
    county.member_a.refresh_from_db()
    assert (county.member_a.status, county.member_a.organization) == ("full", county.branch_b)


def test_refusals_name_the_rule(county, extra, clock):
    response = issue(county.secretary_a, county.member_a, valid_until="2026-06-03")  # more than 3 months
    assert response.status_code == 400
    (refusal,) = response.json()["refusals"]
    assert refusal["field"] == "valid_until" and "最晚到2026-06-02" in refusal["message"]
    assert refusal["rule"] == "《中国共产党党员组织关系介绍信》（组通字〔2006〕45号）"
    assert not Transfer.objects.exists()
    # Reporting after the letter expired (valid until Sunday 2026-03-29, so until Monday 03-30).
    pk = issue(county.secretary_a, county.member_a, valid_until="2026-03-29").json()["id"]
    clock.move_to(date(2026, 4, 2))
    response = post(extra.secretary_b, "transfer-confirm", {"on": "2026-03-31"}, pk)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["on"] and "顺延至2026-03-30" in body["detail"]
    assert body["refusals"][0]["rules"] == [
        "《中华人民共和国民法典》第二百零三条",
        "《中国共产党党员组织关系介绍信》（组通字〔2006〕45号）",
    ]
    confirmed = post(extra.secretary_b, "transfer-confirm", {"on": "2026-03-30"}, pk)
    assert confirmed.status_code == 200
    assert (confirmed.json()["state"], confirmed.json()["completed_on"]) == ("completed", "2026-03-30")


def test_return_and_cancel(county, extra):
    pk = issue(county.secretary_a, county.member_a).json()["id"]
    assert post(county.secretary_a, "transfer-return", {"reason": "x"}, pk).status_code == 403  # the receiver returns
    response = post(extra.secretary_b, "transfer-return", {"reason": "不在本支部"}, pk)
    assert response.status_code == 200 and response.json()["state"] == "returned"
    assert post(extra.secretary_b, "transfer-return", {"reason": "again"}, pk).status_code == 400  # already closed
    other = add_member(county.branch_a, "撤销者")
    pk = issue(county.secretary_a, other).json()["id"]
    assert post(extra.secretary_b, "transfer-cancel", {"reason": "x"}, pk).status_code == 403  # the sender cancels
    response = post(county.secretary_a, "transfer-cancel", {"reason": ""}, pk)
    assert response.status_code == 400 and "reason" in response.json()
    response = post(county.secretary_a, "transfer-cancel", {"reason": "本人不走了"}, pk)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    other.refresh_from_db()
    assert (other.status, other.organization) == ("full", county.branch_a)


def test_writes_are_scoped_like_the_pages(county, extra):
    assert issue(county.admin_b, county.member_a).status_code == 404  # not their member
    assert issue(county.member_user, county.member_a).status_code == 403  # a plain member, their own record
    assert APIClient().post(reverse("transfer-list"), {"member": county.member_a.pk}).status_code in (401, 403)
    pk = issue(county.secretary_a, county.member_a).json()["id"]
    assert post(county.member_user, "transfer-cancel", {"reason": "x"}, pk).status_code == 403
    assert post(extra.admin_c, "transfer-cancel", {"reason": "x"}, pk).status_code == 404
    assert Transfer.objects.get(pk=pk).state == "in_transit"
