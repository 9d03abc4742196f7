"""In Chromium: a resident files from a phone-width page (390×844) reached by the village's QR
code, a handler signs for it and resolves it, the resident reads the result and rates it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from jiceng.requests.models import Request
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"requests-{name}.png"), full_page=True)


def test_resident_files_on_a_phone_and_a_handler_resolves_it(transactional_db, desk, live_server, browser, tmp_path):
    photo = tmp_path / "路灯.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "orange").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    resident = phone.new_page()
    resident.goto(f"{live_server.url}/r/{desk.county.village_a.code}/")
    assert "甲镇东村党总支" in resident.content()
    resident.check("input[name=kind][value=complaint]")
    resident.select_option("#id_category", label="道路交通")
    resident.fill("#id_description", "三组路口路灯坏了一个月，晚上很黑")
    resident.fill("#id_place", "三组路口")
    resident.fill("#id_phone", "13712345678")
    resident.set_input_files("#id_photos", str(photo))
    # The page fits the phone: no sideways scrolling.
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390
    shot(resident, "intake-phone")
    resident.click("button[type=submit]")
    resident.wait_for_selector("[data-ticket]")
    ticket = resident.inner_text("[data-ticket]").strip()
    assert "已受理" in resident.content()
    shot(resident, "progress-phone")
    req = Request.objects.get(ticket=ticket)
    assert req.channel == "qr" and req.photos.count() == 1

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    handler = office.new_page()
    handler.goto(live_server.url + "/login/")
    handler.fill("#id_username", desk.village_clerk.username)
    handler.fill("#id_password", PASSWORD)
    handler.click("button[type=submit]")
    handler.goto(live_server.url + "/requests/?box=todo")
    handler.click(f"text={ticket}")
    handler.wait_for_selector("[data-actions]")
    handler.check("#act-accept input[name=contacted]")
    handler.click("#act-accept button[type=submit]")
    handler.wait_for_selector("[data-state=accepted]")
    handler.click("#act-resolve summary")
    handler.fill("#act-resolve textarea[name=note]", "已更换路灯灯具，晚上已能正常照明")
    handler.click("#act-resolve button[type=submit]")
    handler.wait_for_selector("[data-state=resolved]")
    shot(handler, "detail-resolved")

    resident.reload()
    assert "已更换路灯灯具" in resident.content() and "东村书记" not in resident.content()
    resident.check("input[name=rating][value=satisfied]")
    resident.check("input[name=solved][value='1']")
    shot(resident, "rate-phone")
    resident.click("#rate button[type=submit]")
    resident.wait_for_selector("text=感谢您的评价")
    req.refresh_from_db()
    assert (req.state, req.rating, req.solved, req.rating_channel) == ("closed", "satisfied", True, "online")
    shot(resident, "rated-phone")
    phone.close()
    office.close()


def test_ranking_and_command_card_draw_their_charts(transactional_db, desk, live_server, browser):
    from jiceng.requests.testing import file_request

    file_request(desk)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", desk.county.county_admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-requests-panel] .requests-trend[data-ready='1'] canvas")
    shot(page, "command-card")
    page.goto(live_server.url + "/requests/ranking/?month=" + Request.objects.get().received_at.strftime("%Y-%m"))
    page.wait_for_selector("#ranking-chart[data-ready='1'] canvas")
    shot(page, "ranking")
    page.close()


def test_board_cards_line_up_and_dispatch_offers_handling_organizations_by_township(
    transactional_db, desk, live_server, browser
):
    """Issue 11 item 13: every board card after the first was indented 20 px (Bootstrap's
    .card-link + .card-link); 派单 listed every organization down to party groups, ungrouped."""
    from jiceng.orgs.services import create_organization
    from jiceng.requests import services
    from jiceng.requests.testing import file_request

    for n in range(3):
        req = file_request(desk, description=f"第{n}件诉求")
        req = services.resolve_request(
            desk.village_clerk, services.accept_request(desk.village_clerk, req), result="已办"
        )
        services.publish_request(
            desk.village_clerk, req, public_description=req.description, public_result="已办", photo_ids=[]
        )
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(live_server.url + "/board/")
    lefts = phone.eval_on_selector_all("[data-board-item]", "cards => cards.map(c => c.getBoundingClientRect().left)")
    assert len(lefts) == 3 and len(set(lefts)) == 1, lefts
    shot(phone, "board-phone")
    phone.close()

    create_organization(
        None, parent=desk.county.town_a, code="TA02", name="甲镇西村党支部", type="branch", domain="rural"
    )
    item = file_request(desk, org=desk.county.town_a, description="镇上的诉求")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", desk.county.admin_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/requests/{item.pk}/")
    options = page.eval_on_selector_all(
        "#act-assign select[name=org] optgroup",
        "groups => groups.map(g => [g.label, Array.from(g.querySelectorAll('option')).map(o => o.textContent)])",
    )
    assert options == [["甲镇党委", ["甲镇东村党总支", "东村第一党支部", "甲镇西村党支部"]]], options
    assert "东村一组党小组" not in page.inner_text("#act-assign")
    page.close()
