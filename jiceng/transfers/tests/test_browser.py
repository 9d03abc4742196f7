"""Real pages in Chromium: a within-county transfer issued by the sending branch and confirmed
by the receiving side (two users), then the member-care pages, also at phone width."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from jiceng.dual import services as dual_services
from jiceng.members.models import Member
from jiceng.testing import PASSWORD
from jiceng.transfers.models import Transfer

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"transfers-{name}.png"), full_page=True)


def login(browser, base, username, **viewport):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_within_county_transfer_confirmed_by_the_receiving_side(transactional_db, county, extra, live_server, browser):
    sender = login(browser, live_server.url, "secretary-a")
    sender.goto(live_server.url + f"/members/{county.member_a.pk}/")
    sender.click("text=发起组织关系转接")
    sender.wait_for_selector("text=开具转出介绍信：张三")
    # The receiving organization is found by name; the suggestions come from the county's list.
    sender.fill("#id_to_org_code", "乙乡")
    sender.wait_for_selector("#org-options option[value=TB01]", state="attached")
    sender.fill("#id_to_org_code", "TB01")
    sender.select_option("#id_reason", "work")
    shot(sender, "issue")
    sender.once("dialog", lambda d: d.accept())
    sender.click("button:has-text('开具介绍信')")
    sender.wait_for_selector("[data-state=in_transit]")
    assert "转接途中" in sender.content()
    shot(sender, "detail-sending")
    t = Transfer.objects.get()
    assert Member.objects.get(pk=county.member_a.pk).status == "in_transit"
    # The sending side has no confirm button.
    assert sender.locator("[data-step=confirm]").count() == 0
    sender.goto(live_server.url + "/transfers/")
    assert sender.inner_text("[data-figure=in_transit]") == "1"
    shot(sender, "list")

    receiver = login(browser, live_server.url, "admin-b")
    receiver.goto(live_server.url + "/transfers/?direction=in")
    receiver.click(f"[data-transfer='{t.pk}'] a")
    receiver.wait_for_selector("[data-step=confirm]")
    assert "张三" in receiver.content() and county.member_a.id_number_masked in receiver.content()
    shot(receiver, "detail-receiving")
    receiver.once("dialog", lambda d: d.accept())
    receiver.click("[data-step=confirm] button[type=submit]")
    receiver.wait_for_selector("[data-state=completed]")
    assert "已确认接收" in receiver.content()
    shot(receiver, "detail-confirmed")
    member = Member.objects.get(pk=county.member_a.pk)
    assert (member.status, member.organization_id) == ("full", county.branch_b.pk)

    # The command screen shows the panel; the organization page loads its card.
    receiver.goto(live_server.url + "/")
    receiver.wait_for_selector("[data-panel=transit]")
    shot(receiver, "command")
    receiver.goto(live_server.url + f"/orgs/{county.town_b.pk}/")
    receiver.wait_for_selector("[data-panel=transit] [data-figure=counted]")
    assert receiver.inner_text("[data-panel=transit] [data-figure=counted]") == "2"
    shot(receiver, "org")
    sender.context.close()
    receiver.context.close()


def test_member_care_pages(transactional_db, county, extra, live_server, browser):
    today = timezone.localdate()
    # A political birthday this month for the member with an account, and a registration.
    Member.objects.filter(pk=county.member_a.pk).update(join_date=date(2010, today.month, 1), occupation="worker")
    from jiceng.core import idnumbers

    dual_services.register_with_community(
        extra.community_admin,
        community=extra.community_a,
        name="张三",
        id_number=idnumbers.decrypt(county.member_a.id_number_encrypted),
        on=date(today.year, 1, 2),
    )
    dual_services.record_dual_activity(
        extra.community_admin, county.member_a, on=date(today.year, 1, 3), title="认领“周末助老”服务项目"
    )
    secretary = login(browser, live_server.url, "secretary-a")
    secretary.goto(live_server.url + "/members/birthdays/")
    secretary.wait_for_selector("h2:has-text('政治生日')")
    secretary.click(f"[data-member='{county.member_a.pk}'] button")
    secretary.wait_for_selector("[data-greeted='1']")
    shot(secretary, "birthdays")
    secretary.context.close()

    community = login(browser, live_server.url, "community-a")
    community.goto(live_server.url + "/members/dual/")
    community.wait_for_selector("h2:has-text('在职党员到社区报到')")
    assert "张三" in community.content()
    shot(community, "dual")
    community.context.close()

    phone = login(browser, live_server.url, "member-a", width=390, height=844)
    phone.goto(live_server.url + f"/members/{county.member_a.pk}/")
    phone.wait_for_selector("[data-panel=member-dual]")
    assert "政治生日" in phone.content() and "周末助老" in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"
    shot(phone, "member-page-phone")
    phone.goto(live_server.url + "/notifications/")
    assert "政治生日快乐" in phone.content()
    shot(phone, "notices-phone")
    phone.context.close()
