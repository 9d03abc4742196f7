"""Walk every registered URL and API route as an outsider (admin of a sibling township)
and as an anonymous visitor: neither may get any of the other township's data."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiceng.conftest import client_for
from jiceng.imports.models import ImportBatch
from jiceng.members.models import LeadHousehold, Member
from jiceng.orgs.models import Enterprise, Organization

# Text that only the victim township's records contain.
VICTIM_MARKERS = ["秘密", "乙乡", "13900009999"]


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from all_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else None, list(p.pattern.regex.groupindex), prefix + str(p.pattern)


def samples(county) -> dict[str, dict]:
    """For each URL name, the arguments that point at the victim township's objects."""
    org = {"pk": county.branch_b.pk}
    member = {"pk": county.member_b.pk}
    return {
        "dashboard:command": {},
        "dashboard:command_at": {},
        "accounts:login": {},
        "accounts:logout": {},
        "orgs:tree": {},
        "orgs:list": {},
        "orgs:export": {},
        "orgs:create": {},
        "orgs:warnings": {},
        "orgs:warnings_export": {},
        "orgs:coverage": {},
        "orgs:coverage_export": {},
        "orgs:detail": org,
        "orgs:children": {"pk": county.town_b.pk},
        "orgs:edit": org,
        "orgs:delete": org,
        "orgs:enterprise_create": {"pk": county.town_b.pk},
        "members:list": {},
        "members:export": {},
        "members:create": {},
        "members:detail": member,
        "members:edit": member,
        "members:status": member,
        "members:reveal_id": member,
        "members:lead_household": member,
        "imports:index": {},
        "imports:template": {"kind": "members"},
        "imports:preview": {},
        "imports:confirm": {},
        "imports:undo": {},
        "core:audit": {},
        "core:audit_export": {},
        "core:configuration": {},
        "api-token": {},
        "api-schema": {},
        "api-root": {},
        "organization-list": {},
        "organization-detail": org,
        "member-list": {},
        "member-detail": member,
    }


# Query strings that point list pages at the victim's subtree.
QUERIES = {
    "dashboard:command": "?org={town_b}",
    "dashboard:command_at": "?org={town_b}",
    "orgs:create": "?parent={town_b}",
    "orgs:list": "?within={town_b}",
    "orgs:export": "?within={town_b}",
    "orgs:warnings": "?org={town_b}",
    "orgs:warnings_export": "?org={town_b}",
    "members:list": "?organization={town_b}",
    "members:export": "?q=赵秘密",
    "members:create": "?organization={branch_b}",
    "organization-list": "?within={town_b}",
    "member-list": "?organization={town_b}",
}

# POST bodies that try to change the victim's records.
POSTS = {
    "orgs:create": {"code": "TB99", "name": "外来新组织", "type": "branch", "domain": "rural"},
    "orgs:edit": {"code": "TB01", "name": "改名", "type": "branch", "domain": "rural"},
    "members:create": {"name": "外来新人", "id_number": "110101199003077777", "organization": "{branch_b}"},
    "members:status": {"to_status": "deceased", "on": "2026-01-01"},
    "members:lead_household": {"households": "5"},
    "imports:confirm": {"token": "x"},
    "core:configuration": {"term_warning_months": "9", "committee_term_years": "5", "branch_term_years": "3"},
}

ANONYMOUS_OPEN = {"accounts:login", "api-token"}


def build_urls(county):
    table = samples(county)
    ids = {"town_b": county.town_b.pk, "branch_b": county.branch_b.pk}
    urls = []
    missing = []
    for name, groups, raw in all_patterns():
        if name is None or name not in table:
            missing.append(name or raw)
            continue
        kwargs = {g: table[name][g] if g != "format" else "json" for g in groups}
        url = reverse(name, kwargs=kwargs)
        url += QUERIES.get(name, "").format(**ids)
        post = {k: v.format(**ids) for k, v in POSTS.get(name, {}).items()}
        urls.append((name, url, post))
    return urls, missing


def no_victim_data(response) -> bool:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(body), read_only=True)
        text = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    else:
        text = body.decode("utf-8", errors="replace")
    return not any(marker in text for marker in VICTIM_MARKERS)


def test_every_url_is_in_the_walk(county):
    _, missing = build_urls(county)
    assert missing == [], f"add these URL names to samples() so the scope walk covers them: {missing}"


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_no_data_anywhere(county, method):
    victim_batch = ImportBatch.objects.create(kind="members", row_count=0, org_path=county.town_b.path)
    before = {
        "member": Member.objects.filter(pk=county.member_b.pk).values().get(),
        "orgs": Organization.objects.filter(county.town_b.subtree_filter()).count(),
        "members": Member.objects.count(),
        "enterprises": Enterprise.objects.count(),
    }
    client = client_for(county.admin_a)
    urls, _ = build_urls(county)
    assert len(urls) >= 35
    for name, url, post in urls:
        if name == "accounts:logout":
            continue
        response = client.post(url, post) if method == "post" else client.get(url)
        assert response.status_code in (200, 302, 400, 403, 404, 405), (name, url, response.status_code)
        if response.status_code in (200, 400):
            assert no_victim_data(response), f"{name} {url} leaked the sibling township's data"
    assert Member.objects.filter(pk=county.member_b.pk).values().get() == before["member"]
    assert Organization.objects.filter(county.town_b.subtree_filter()).count() == before["orgs"]
    assert Member.objects.count() == before["members"]
    assert Enterprise.objects.count() == before["enterprises"]
    assert not LeadHousehold.objects.filter(member=county.member_b).exists()
    victim_batch.refresh_from_db()
    assert victim_batch.status == "done"


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_gets_login_or_401(county, client, method):
    urls, _ = build_urls(county)
    for name, url, post in urls:
        response = client.post(url, post) if method == "post" else client.get(url)
        if name in ANONYMOUS_OPEN or name == "accounts:logout":
            assert no_victim_data(response)
            continue
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), (name, url, response["Location"])
        else:
            assert response.status_code in (401, 403, 405), (name, url, response.status_code)


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
