"""Real pages in Debian's Chromium: a secretary records a payment and sees the completion rate
change; the member's own dues and the calculator at phone width; the six-month watch."""

import os
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from jiceng.dues import services
from jiceng.dues.testing import SH
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"dues-{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def march(transactional_db):
    # The clock runs on from 20 March 2026, so the ledger's month is the same whenever this runs.
    with time_machine.travel(datetime(2026, 3, 20, 10, tzinfo=SH)):
        yield


def test_secretary_records_a_payment_and_the_rate_changes(march, dues, live_server, browser):
    services.record_payment(None, dues.li, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 3))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server.url, "secretary-a")
    page.goto(live_server.url + "/dues/")
    assert page.inner_text("[data-figure=due]") == "3"
    assert page.inner_text("[data-figure=rate]").strip() == "0.0%"
    page.click(f"tr[data-member='{dues.zhang.pk}'] >> text=登记")
    page.wait_for_selector("text=登记党费交纳")
    assert page.input_value("#id_first_month") == "2026-03"
    page.select_option("#id_method", "online")
    page.click("button:has-text('登记')")
    page.wait_for_load_state()
    page.wait_for_selector("text=已登记张三 2026年3月党费，合计 50.00 元")
    assert "/dues/" in page.url
    assert page.inner_text("[data-figure=paid]") == "1"
    assert page.inner_text("[data-figure=rate]").strip() == "33.3%"
    shot(page, "ledger")
    # The command screen's card loads its figures after the page.
    page.goto(live_server.url + "/")
    page.wait_for_selector("[data-figure=dues_month_rate]")
    assert page.inner_text("[data-figure=dues_month_rate]") == "33.3%"
    shot(page, "command")
    page.goto(live_server.url + "/members/watch/")
    page.wait_for_selector("text=平台不会自动变更任何党员的状态")
    shot(page, "watch")
    page.close()


def test_member_and_calculator_at_phone_width(march, dues, live_server, browser):
    services.record_payment(None, dues.zhang, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 3))
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "member-a")
    page.goto(live_server.url + "/dues/mine/")
    page.wait_for_selector("[data-figure=monthly_amount]")
    assert "50.00" in page.inner_text("[data-figure=monthly_amount]")
    assert page.get_attribute("[data-month='2026-03']", "data-state") == "unpaid"
    assert page.get_attribute("[data-month='2026-02']", "data-state") == "paid"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "member-phone")
    page.goto(live_server.url + "/dues/calculator/")
    page.select_option("#id_category", "employed")
    page.fill("#id_income", "3000.01")
    # expect() polls without evaluating strings in the page, which the page's CSP forbids.
    expect(page.locator("[data-figure=monthly_amount]")).to_contain_text("30.00")
    assert "1%" in page.inner_text("[data-figure=rate]")
    page.fill("#id_income", "3000")
    expect(page.locator("[data-figure=monthly_amount]")).to_contain_text("15.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"calculator scrolls sideways at phone width ({width}px)"
    shot(page, "calculator-phone")
    page.close()


def test_ledger_names_stay_on_one_line_on_a_phone(march, dues, live_server, browser):
    """Issue 11 item 13: at phone width the month-by-month ledger wrapped names one character a line."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "secretary-a")
    page.goto(live_server.url + "/dues/")
    lines = page.eval_on_selector_all("[data-name] a", "links => links.map(a => a.getClientRects().length)")
    assert lines and set(lines) == {1}, lines
    shot(page, "ledger-phone")
    page.close()
