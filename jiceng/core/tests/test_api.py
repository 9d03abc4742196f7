from django.urls import reverse
from rest_framework.test import APIClient

from jiceng.testing import PASSWORD


def token_client(username):
    c = APIClient()
    response = c.post(reverse("api-token"), {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    c.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    return c


def test_token_and_scoped_lists(county):
    c = token_client("admin-a")
    data = c.get(reverse("organization-list")).json()
    assert data["count"] == 4
    assert {"id", "code", "name", "type", "parent"} <= set(data["results"][0])
    members = c.get(reverse("member-list")).json()
    assert members["count"] == 3
    first = members["results"][0]
    assert {"id", "name", "organization", "status", "id_number"} <= set(first)
    assert "**********" in first["id_number"]
    assert c.get(reverse("member-detail", args=[county.member_b.pk])).status_code == 404
    assert c.get(reverse("organization-detail", args=[county.branch_b.pk])).status_code == 404


def test_filters_and_pagination(county):
    c = token_client("county")
    assert c.get(reverse("organization-list"), {"type": "branch"}).json()["count"] == 2
    assert c.get(reverse("member-list"), {"status": "probationary"}).json()["count"] == 1
    assert c.get(reverse("member-list"), {"q": "zs"}).json()["results"][0]["name"] == "张三"
    assert c.get(reverse("member-list"), {"org": "TB"}).json()["count"] == 1
    page = c.get(reverse("member-list"), {"page": 1}).json()
    assert page["count"] == 4 and page["next"] is None


def test_bad_token_and_anonymous_refused(county):
    c = APIClient()
    assert c.post(reverse("api-token"), {"username": "admin-a", "password": "wrong"}).status_code == 400
    assert c.get(reverse("member-list")).status_code == 401
    c.credentials(HTTP_AUTHORIZATION="Token nope")
    assert c.get(reverse("member-list")).status_code == 401


def test_schema(county):
    c = token_client("county")
    response = c.get(reverse("api-schema"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/members/" in body and "/api/v1/orgs/" in body
