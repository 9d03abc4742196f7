"""A wish from start to end in Debian's Chromium: a resident posts it from a phone, staff
accept it into the pool, a member claims it on a phone, staff record it fulfilled, and the
resident confirms with the ticket and phone. Screenshots go to $JICENG_SCREENSHOTS."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from jiceng.testing import PASSWORD
from jiceng.wishes.models import Wish

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def photo(tmp_path, name, color) -> str:
    path = tmp_path / name
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways at phone width ({width}px)"


def test_a_wish_from_post_to_confirmation(transactional_db, county, live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url

    # 1. A resident posts a wish from the village's QR page on a phone.
    resident = browser.new_context(**PHONE)
    page = resident.new_page()
    page.goto(base + f"/wishes/post/{county.village_a.pk}/")
    fits_phone(page)
    page.fill("#id_description", "孙子上学需要一个书包和一套文具")
    page.select_option("#id_category", "study")
    page.fill("#id_requester_name", "王小花")
    page.fill("#id_phone", "13812345678")
    page.set_input_files("#id_photos", photo(tmp_path, "need.jpg", "orange"))
    shot(page, "wish-1-post-phone")
    page.click("text=提交心愿")
    assert "请勾选同意后再提交" in page.content()  # the consent box is required
    page.check("#id_agree")
    page.set_input_files("#id_photos", photo(tmp_path, "need.jpg", "orange"))
    page.click("text=提交心愿")
    page.wait_for_selector("[data-ticket]")
    ticket = page.inner_text("[data-ticket]").strip()
    fits_phone(page)
    shot(page, "wish-2-posted-phone")
    wish = Wish.objects.get(ticket=ticket)
    assert wish.state == "posted" and wish.photos.count() == 1

    # 2. The township admin accepts it into the pool.
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    login(desk, base, "admin-a")
    desk.goto(base + f"/wishes/{wish.pk}/")
    assert "13812345678" in desk.content()
    desk.select_option("#id_accept-project", "basic")
    desk.fill("#id_accept-public_description", "孙子上学需要书包和文具")
    desk.click("button:has-text('审核入池')")
    desk.wait_for_selector("text=已审核入池")
    shot(desk, "wish-3-accepted")

    # 3. Member 张三 claims it on a phone.
    member = browser.new_context(**PHONE)
    mine = member.new_page()
    login(mine, base, "member-a")
    mine.goto(base + "/wishes/claim/")
    mine.wait_for_selector(f"[data-wish='{wish.pk}']")
    assert "孙子上学需要书包和文具" in mine.content() and "13812345678" not in mine.content()
    fits_phone(mine)
    shot(mine, "wish-4-pool-phone")
    mine.once("dialog", lambda d: d.accept())
    mine.click(f"[data-wish='{wish.pk}'] >> text=我来认领")
    mine.wait_for_url("**/wishes/mine/")
    mine.wait_for_selector("[data-phone]")
    assert mine.inner_text("[data-phone]") == "13812345678"
    fits_phone(mine)
    shot(mine, "wish-5-claimed-phone")

    # 4. Staff record that it came true, with a photo.
    desk.goto(base + f"/wishes/{wish.pk}/")
    desk.fill("#id_fulfil-note", "党员张三送去了书包和文具")
    desk.set_input_files("#id_fulfil-photos", photo(tmp_path, "done.jpg", "green"))
    desk.click("button:has-text('登记完成')")
    desk.wait_for_selector("text=已完成心愿")
    shot(desk, "wish-6-fulfilled")

    # 5. The resident looks it up with ticket and phone and confirms.
    page.goto(base + "/wishes/follow/")
    page.fill("#id_ticket", ticket)
    page.fill("#id_phone", "13800000000")
    page.click("button:has-text('查询')")
    page.wait_for_selector("[data-error]")
    assert "没有找到" in page.inner_text("[data-error]")
    page.fill("#id_ticket", ticket.lower())
    page.fill("#id_phone", "138 1234 5678")
    page.click("button:has-text('查询')")
    page.wait_for_selector("text=心愿实现了吗？")
    assert "党员张三送去了书包和文具" in page.content()
    fits_phone(page)
    shot(page, "wish-7-follow-phone")
    page.select_option("#id_confirm-rating", "satisfied")
    page.fill("#id_confirm-note", "谢谢党员同志")
    page.click("button:has-text('确认已实现')")
    page.wait_for_selector("[data-state='confirmed']")
    shot(page, "wish-8-confirmed-phone")
    wish.refresh_from_db()
    assert (wish.state, wish.rating, wish.confirm_channel) == ("confirmed", "satisfied", "online")
    for context in (resident, staff, member):
        context.close()
