"""Issue 11 item 16: a client with no Chinese font still reads the pages. The site serves Noto
Sans SC (regular and bold) in unicode-range pieces, last in the font stack, and the
Content-Security-Policy lets the pages load it."""

from __future__ import annotations

import pytest

from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_the_command_screen_can_draw_chinese_with_the_sites_own_font(transactional_db, county, live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", county.county_admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-figure=member_total]")
    stack = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Jiceng Sans SC" in stack
    faces = page.evaluate(
        "async () => (await document.fonts.load('700 32px \"Jiceng Sans SC\"', '党建指挥部')).map(f => f.status)"
    )
    assert faces and set(faces) == {"loaded"}, faces
    regular = page.evaluate("async () => (await document.fonts.load('32px \"Jiceng Sans SC\"', '基层党建')).length")
    assert regular >= 1 and page.evaluate("document.fonts.check('32px \"Jiceng Sans SC\"', '基层党建')")
    assert not [u for u in failed if "/fonts/" in u], failed
    page.close()
