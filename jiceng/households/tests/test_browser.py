"""Visits with a photo from a phone-width page (issue 14 items 4 and 8): a village's manager logs a
cadre's visit, and a cadre with a member account logs their own from 我的帮扶户 (ADR 0027)."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from jiceng.households import services
from jiceng.households.models import Visit
from jiceng.households.testing import add_cadre, add_household
from jiceng.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"households-{name}.png"), full_page=True)


def test_a_visit_with_a_photo_from_a_phone(transactional_db, county, live_server, browser, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "走访.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    household = add_household(county.village_a, head_name="陈大福", people=2)
    cadre = add_cadre(county.town_a, "周帮扶")
    services.pair(None, household, cadre=cadre, starts_on=date(2025, 1, 1))
    make_user("village-secretary", county.village_a, "branch_secretary")

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "village-secretary")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert "陈大福户" in page.inner_text("h2")
    page.click("text=登记走访")
    page.wait_for_selector("#id_content")
    assert page.input_value("#id_visited_at")  # now, filled in
    assert page.locator("#id_cadre option:checked").inner_text().startswith("周帮扶")
    page.fill("#id_content", "了解务工收入，宣讲防返贫监测政策")
    page.fill("#id_problems", "反映自来水水压不足")
    page.set_input_files("#id_photos", str(photo))
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "visit-form")
    page.click("form.card button:has-text('保存')")
    page.wait_for_selector("img[alt=走访照片]")
    shot(page, "visit")
    assert "已登记走访" in page.content() and "周帮扶" in page.inner_text("body")
    visit = Visit.objects.get()
    assert visit.pair.cadre == cadre and not visit.late and visit.photos.count() == 1
    assert fits, "the visit form is wider than a phone"
    page.close()


def test_a_cadre_logs_their_own_visit_from_a_phone(transactional_db, county, live_server, browser, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "走访.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 1600), (200, 120, 30)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    household = add_household(county.village_a, head_name="林小满")
    cadre = add_cadre(county.town_a, "张三", member=county.member_a)  # county.member_user's member record
    services.pair(None, household, cadre=cadre, starts_on=date(2025, 1, 1))
    add_household(county.village_a, head_name="不相干户")

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", county.member_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}/households/mine/")
    body = page.inner_text("body")
    assert "林小满户" in body and "不相干户" not in body and "本期未走访" in body
    page.click("text=登记走访")
    page.wait_for_selector("#id_content")
    assert page.locator("#id_cadre").count() == 0  # the cadre is the user
    page.fill("#id_content", "了解种植情况")
    page.set_input_files("#id_photos", str(photo))
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "my-visit-form")
    page.click("form.card button:has-text('保存')")
    page.wait_for_selector("text=本期已走访 1 次")
    shot(page, "mine")
    visit = Visit.objects.get()
    assert (visit.cadre, visit.recorded_by, visit.photos.count()) == (cadre, county.member_user, 1)
    assert fits, "the visit form is wider than a phone"
    page.close()
