"""The organization picker (issue 11 item 10): list filters choose an organization by name or
code within the user's scope, instead of typing its numeric id."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiceng.testing import PASSWORD, client_for


def test_picker_finds_by_name_or_code_within_scope(county):
    c = client_for(county.admin_a)
    html = c.get(reverse("orgs:picker"), {"q": "东村"}).content.decode()
    assert "甲镇东村党总支" in html and "东村第一党支部" in html and f'data-org-pick="{county.village_a.pk}"' in html
    assert "TA0101" in c.get(reverse("orgs:picker"), {"q": "ta0101"}).content.decode()
    outside = c.get(reverse("orgs:picker"), {"q": "乙乡"}).content.decode()
    assert "乙乡秘密村党支部" not in outside and "没有匹配的组织" in outside
    assert c.get(reverse("orgs:picker"), {"q": "TB"}).content.decode().count("data-org-pick") == 0


def test_no_list_filter_asks_for_a_numeric_id(county):
    pages = [
        reverse("members:list"),
        reverse("orgs:list"),
        reverse("development:list"),
        reverse("training:courses"),
        reverse("training:cards"),
        reverse("training:demerits"),
    ]
    c = client_for(county.county_admin)
    for url in pages:
        html = c.get(url).content.decode()
        assert "组织ID" not in html and "组织编码（含下级）" not in html, url
        assert "data-org-picker" in html, url
    # A link that names the organization by id still filters, and the box shows its name.
    html = c.get(reverse("members:list"), {"organization": county.branch_a.pk}).content.decode()
    assert 'value="东村第一党支部"' in html and "李四" in html and "赵秘密" not in html


@pytest.mark.browser
def test_pick_an_organization_by_typing_its_name(transactional_db, county, live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", county.admin_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + "/members/")
    page.fill("[data-org-picker] [data-org-search]", "第一")
    page.click(f"[data-org-pick='{county.branch_a.pk}']")
    assert page.input_value("[data-org-picker] [data-org-value]") == str(county.branch_a.pk)
    page.click("form button[type=submit]:has-text('筛选')")
    page.wait_for_url(lambda url: f"organization={county.branch_a.pk}" in url)
    assert "%E7%AC%AC%E4%B8%80" not in page.url  # the search words are not a filter of their own
    text = page.inner_text("body")
    assert "张三" in text and "王五" in text and "赵秘密" not in text  # the branch and its group
    page.close()
