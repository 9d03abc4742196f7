"""Walk every registered URL and API route as an outsider and as an anonymous visitor: none may
get or change any of the other township's data. Outsiders are three personas of township 甲:
its admin, one of its plain members, and a county department's handler whose own party
organization is in 甲 (a department sees only what is routed to it).

The rows come from each app's ``tests/scope.py`` (see jiceng/core/tests/scope.py for the
format); a URL that no module lists fails `test_every_url_is_in_the_walk`.
"""

from __future__ import annotations

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiceng.core.registry import app_modules
from jiceng.testing import client_for

# Text that only the victim township's records contain.
VICTIM_MARKERS = ["秘密", "乙乡", "13900009999"]
# Private details, which not even a public page may show.
PRIVATE_MARKERS = ["13900009999", "赵秘密", "秘密诉求", "秘密心愿"]


def modules():
    return app_modules("tests.scope")


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from all_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else None, list(p.pattern.regex.groupindex), prefix + str(p.pattern)


def merged(name: str, default):
    out = type(default)()
    for m in modules():
        value = getattr(m, name, None)
        if value:
            out.update(value)
    return out


def victim_setup(county) -> dict:
    victim = {"town_b": county.town_b.pk, "branch_b": county.branch_b.pk}
    for m in modules():
        if hasattr(m, "setup"):
            victim.update(m.setup(county) or {})
    return victim


def invariants(county) -> list:
    return [(m.__name__, m.invariants(county)) for m in modules() if hasattr(m, "invariants")]


def build_urls(county, victim):
    table = {}
    for m in modules():
        table.update(m.samples(county, victim))
    queries, posts = merged("QUERIES", {}), merged("POSTS", {})
    urls, missing = [], []
    for name, groups, raw in all_patterns():
        if name is None or name not in table:
            missing.append(name or raw)
            continue
        kwargs = {g: table[name][g] if g != "format" else "json" for g in groups}
        url = reverse(name, kwargs=kwargs) + queries.get(name, "").format(**victim)
        post = {k: str(v).format(**victim) for k, v in posts.get(name, {}).items()}
        urls.append((name, url, post))
    return urls, missing


def page_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/vnd.openxmlformats-officedocument.spreadsheetml"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(body), read_only=True)
        return " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    if content_type.startswith("application/vnd.openxmlformats-officedocument.wordprocessingml"):
        from zipfile import ZipFile

        return ZipFile(io.BytesIO(body)).read("word/document.xml").decode("utf-8", errors="replace")
    return body.decode("utf-8", errors="replace")


def leaks(response, markers) -> list[str]:
    text = page_text(response)
    return [m for m in markers if m in text]


def test_every_url_is_in_the_walk(county):
    victim = victim_setup(county)
    _, missing = build_urls(county, victim)
    assert missing == [], f"add these URL names to your app's tests/scope.py so the walk covers them: {missing}"


def outsider(county, persona: str):
    if persona == "admin":
        return county.admin_a
    if persona == "member":
        return county.member_user
    from jiceng.accounts.models import User

    if persona == "resident":
        # A resident's account (群众, ADR 0033) of the sibling township. That the scope gives a
        # resident nothing even of their own township: households/tests/test_cadre_account.py.
        return User.objects.create_user(
            username="walk-resident", password="walk-pass-2468", role="resident", organization=county.town_a
        )
    from jiceng.requests.models import Department, DepartmentStaff

    handler = User.objects.create_user(
        username="walk-department", password="walk-pass-2468", role="department_handler", organization=county.town_a
    )
    water = Department.objects.create(code="SL-WALK", name="县水利局", county=county.root)
    DepartmentStaff.objects.create(user=handler, department=water)
    return handler


@pytest.mark.parametrize("persona", ["admin", "member", "department", "resident"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_no_data_anywhere(county, method, persona):
    victim = victim_setup(county)
    client = client_for(outsider(county, persona))
    before = invariants(county)
    public = merged("PUBLIC", set())
    county_wide = merged("COUNTY_WIDE_FOR_MEMBERS", set()) if persona == "member" else set()
    urls, _ = build_urls(county, victim)
    assert len(urls) >= 40
    for name, url, post in urls:
        if name == "accounts:logout" or (method == "post" and name in county_wide):
            continue
        response = client.post(url, post) if method == "post" else client.get(url)
        assert response.status_code in (200, 201, 302, 400, 403, 404, 405), (name, url, response.status_code)
        if response.status_code in (200, 201, 400):
            markers = PRIVATE_MARKERS if name in public else VICTIM_MARKERS
            assert not leaks(response, markers), f"{name} {url} leaked the sibling township's data to {persona}"
    assert invariants(county) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_gets_login_or_401(county, client, method):
    victim = victim_setup(county)
    before = invariants(county)
    open_names = merged("ANONYMOUS_OPEN", set()) | {"accounts:logout"}
    urls, _ = build_urls(county, victim)
    for name, url, post in urls:
        response = client.post(url, post) if method == "post" else client.get(url)
        if name in open_names:
            assert not leaks(response, PRIVATE_MARKERS), f"{name} {url} leaked private data"
            continue
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), (name, url, response["Location"])
        else:
            assert response.status_code in (401, 403, 405), (name, url, response.status_code)
    assert invariants(county) == before


def test_insider_sees_own_township(county):
    """The walk is meaningful: the same URLs do show the data to its own township admin."""
    client = client_for(county.admin_b)
    assert "赵秘密" in client.get(reverse("members:detail", args=[county.member_b.pk])).content.decode()
    assert "乙乡秘密村党支部" in client.get(reverse("orgs:detail", args=[county.branch_b.pk])).content.decode()
    data = client.get(reverse("member-list")).json()
    assert [m["name"] for m in data["results"]] == ["赵秘密"]


def test_user_without_organization_sees_nothing(county):
    from jiceng.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x-pass-123", role="township_admin")
    c = client_for(nobody)
    assert c.get(reverse("orgs:tree")).status_code == 404
    html = c.get(reverse("dashboard:command")).content.decode()
    assert "甲镇" not in html and "乙乡" not in html
    assert c.get(reverse("member-list")).json()["count"] == 0
