"""Member points in Debian's Chromium: member 张三 reads his year total on 我的积分 (on a phone),
claims 「履行岗位职责」 through the form, the branch secretary approves it from the pending
list, and the member's ledger shows the claim and a total raised by the item's points.
The clock is pinned (time_machine moves the live server's clock too: it runs in this process).
Screenshots go to $JICENG_SCREENSHOTS; the phone ledger also to /tmp/ratings_ledger_phone.png."""

from __future__ import annotations

import io
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from PIL import Image

from jiceng.ratings import services
from jiceng.ratings.models import PointsClaim
from jiceng.ratings.testing import item, meeting
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PHONE_SHOT = "/tmp/ratings_ledger_phone.png"
NOV = date(2026, 11, 1)
CLAIMED_ON = date(2026, 11, 18)  # this month, before today (20 November)
NOTE = "为村里孤寡老人代购药品，帮助清扫院落"


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"ratings-{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def watch_for_server_errors(page) -> list[str]:
    """Every answer of 500 or above the page gets (pages, htmx cards, photos), as 'status url'."""
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return errors


def no_server_error(page, errors):
    assert not errors, errors
    assert "系统出错了" not in page.content(), page.url  # the 500 page (jiceng.core.errors)


def fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways at phone width ({width}px)"


def year_total(page) -> Decimal:
    return Decimal(page.inner_text("[data-year-total]").strip())


def photo(tmp_path) -> str:
    path = tmp_path / "岗位.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


@pytest.fixture
def november(transactional_db):
    # The clock runs on from 20 November 2026: the claim's month is the same whenever this runs.
    with time_machine.travel("2026-11-20 10:00 +0800", tick=True):
        yield


def test_a_claim_approved_by_the_secretary_raises_the_members_year_total(
    november, county, live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url
    # Points before the claim: 张三 attended a branch meeting this month (not zero, under the cap).
    meeting(county.secretary_a, county.branch_a, date(2026, 11, 5), topic="学习党章")
    services.recompute_month(NOV)
    post = item("post", NOV)

    # 1. 张三 signs in on a phone and reads his year total on 我的积分.
    member = browser.new_context(**PHONE)
    mine = member.new_page()
    mine_errors = watch_for_server_errors(mine)
    login(mine, base, "member-a")
    mine.goto(base + "/ratings/points/mine/")
    mine.wait_for_selector("[data-year-total]")
    assert "我的积分 · 2026年" in mine.content()
    before = year_total(mine)
    assert before == item("life", NOV).points  # the meeting, counted before the browser came in
    shot(mine, "1-mine-before-phone")

    # 2. He claims 「履行岗位职责（设岗定责）」 for a day this month, with a note and a photo.
    mine.goto(base + "/ratings/claims/new/")
    mine.select_option("#id_item", label=post.name)
    mine.fill("#id_on", CLAIMED_ON.isoformat())
    mine.fill("#id_note", NOTE)
    mine.set_input_files("#id_photos", photo(tmp_path))
    shot(mine, "2-claim-form-phone")
    mine.click("button:has-text('提交申报')")
    mine.wait_for_selector("[data-state]")
    assert "已提交积分申报，等待支部审核" in mine.content()
    assert mine.inner_text("[data-state]").strip() == "待审核"
    assert mine.get_attribute("[data-state]", "data-state") == "submitted"
    claim = PointsClaim.objects.get(note=NOTE)
    assert (claim.member_id, claim.item_id, claim.on, claim.photos.count()) == (
        county.member_a.pk,
        post.pk,
        CLAIMED_ON,
        1,
    )
    assert mine.url.endswith(f"/ratings/claims/{claim.pk}/")
    assert mine.locator("button:has-text('通过')").count() == 0  # nobody decides their own claim
    no_server_error(mine, mine_errors)
    shot(mine, "3-claim-submitted-phone")

    # 3. The branch secretary, in a browser of her own, approves it from the pending list.
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    desk_errors = watch_for_server_errors(desk)
    login(desk, base, "secretary-a")
    desk.goto(base + "/ratings/claims/")
    row = desk.locator(f"tr[data-claim='{claim.pk}']")
    assert "待审核" in row.inner_text() and post.name in row.inner_text()
    shot(desk, "4-pending-claims")
    row.locator("a:has-text('张三')").click()
    desk.wait_for_url(f"**/ratings/claims/{claim.pk}/")
    assert desk.inner_text("[data-state]").strip() == "待审核" and NOTE in desk.content()
    desk.click("button[name=decision][value=approve]")  # 通过: no confirmation dialog
    desk.wait_for_selector("[data-state='approved']")
    assert "已通过，积分已计入" in desk.content()
    assert desk.inner_text("[data-state]").strip().startswith("已通过")
    assert desk.locator("button[name=decision]").count() == 0  # decided once
    claim.refresh_from_db()
    assert claim.state == PointsClaim.State.APPROVED and claim.decided_by_id == county.secretary_a.pk
    no_server_error(desk, desk_errors)
    shot(desk, "5-claim-approved")

    # 4. From the claim she opens 张三's points: the total is up by the item's points, and the
    #    ledger of November names the claim.
    desk.click("text=查看 张三 的积分明细")
    desk.wait_for_url(f"**/ratings/points/member/{county.member_a.pk}/**")
    after = year_total(desk)
    assert after == before + post.points, (before, post.points, after)
    november_card = desk.locator("[data-month='2026-11']")
    assert NOTE in november_card.inner_text() and post.name in november_card.inner_text()
    assert Decimal(november_card.locator("[data-month-total]").inner_text().replace("分", "").strip()) == after
    no_server_error(desk, desk_errors)
    shot(desk, "6-member-ledger")

    # The member sees the same on his phone: the new total, the line, the approved claim.
    mine.goto(base + "/ratings/points/mine/")
    mine.wait_for_selector("[data-year-total]")
    assert year_total(mine) == after
    assert NOTE in mine.inner_text("[data-month='2026-11']")
    assert mine.get_attribute(f"a[href='/ratings/claims/{claim.pk}/'] [data-claim-state]", "data-claim-state") == (
        "approved"
    )
    no_server_error(mine, mine_errors)
    fits_phone(mine)
    mine.screenshot(path=PHONE_SHOT, full_page=True)
    shot(mine, "7-mine-after-phone")
    for context in (member, staff):
        context.close()
