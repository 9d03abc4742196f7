"""Real pages in Debian's Chromium: log in, command screen, tree, member page (also at phone width)."""

import os
from pathlib import Path

import pytest

from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(base + "/login/")
    assert "登录" in page.title()
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_county_admin_walks_the_main_pages(transactional_db, county, live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server.url, "county")
    page.wait_for_selector("[data-figure=member_total]")
    assert page.inner_text("[data-figure=member_total]") == "4"
    page.wait_for_selector("#chart-members_by_child[data-ready='1'] canvas")
    assert "组织设置预警" in page.content()
    shot(page, "command")
    # A figure leads to its records: the structure warning for too few full members.
    page.click("text=正式党员不足3人")
    page.wait_for_url("**/orgs/warnings/**")
    assert "东村第一党支部" in page.content() and "乙乡秘密村党支部" in page.content()

    page.goto(live_server.url + "/orgs/")
    page.click(f"#org-{county.town_a.pk} button")
    page.wait_for_selector(f"#sub-{county.town_a.pk} >> text=甲镇东村党总支")
    shot(page, "tree")
    page.click(f"#sub-{county.town_a.pk} >> text=甲镇东村党总支")
    page.wait_for_selector("text=东村第一党支部")

    page.goto(live_server.url + f"/members/{county.member_a.pk}/")
    assert "张三" in page.content() and "**********" in page.inner_text("#id-number")
    page.once("dialog", lambda d: d.accept())
    page.click("text=查看完整号码")
    page.wait_for_selector("[data-full-id]")
    assert "*" not in page.inner_text("[data-full-id]")
    page.close()


def test_member_page_at_phone_width(transactional_db, county, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "member-a")
    page.wait_for_selector("text=状态历史")
    assert "张三" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "member-phone")
    page.close()
