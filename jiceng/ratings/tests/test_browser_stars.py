"""A claim moves a star, in Debian's Chromium: in October the branch secretary asks for the third
quarter's star proposal and 张三 is not proposed for 服务星 (no service points in the quarter);
she approves his claim of a good deed done in September; asked again, the proposal refreshed
from the latest points grants him 服务星 and shows the points behind it, and his ledger of
September names the claim. The clock is pinned (time_machine moves the live server's clock too)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiceng.ratings import rules, services
from jiceng.ratings.models import PointsClaim, Star, StarDecision
from jiceng.ratings.testing import item, meeting

from .test_browser import login, no_server_error, shot, watch_for_server_errors

pytestmark = pytest.mark.browser
Q3 = date(2026, 7, 1)
NOTE = "九月防汛期间连续三晚参加河堤值守"


@pytest.fixture
def october(transactional_db):
    with time_machine.travel("2026-10-08 10:00 +0800", tick=True):
        yield


def _service_cell(desk, member):
    decision = StarDecision.objects.get(member=member, star__code="service", review__quarter=Q3)
    return desk.locator(f"td[data-decision='{decision.pk}']").inner_text(), decision


def test_approving_a_claim_changes_the_members_star_proposal(october, county, live_server, browser):
    base = live_server.url
    service = Star.objects.get(code="service")
    good_deed = item("good_deed", Q3)
    assert good_deed.category == service.category and good_deed.points >= service.threshold
    meeting(county.secretary_a, county.branch_a, date(2026, 9, 5), topic="九月党员大会")
    for month in rules.quarter_months(Q3):
        services.recompute_month(month)
    claim = services.submit_claim(
        county.member_user, member=county.member_a, item=good_deed, on=date(2026, 9, 21), note=NOTE
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    errors = watch_for_server_errors(desk)
    login(desk, base, "secretary-a")

    # 1. The quarter's proposal before the claim is approved: no service points, no 服务星.
    desk.goto(f"{base}/ratings/stars/?org={county.branch_a.pk}&quarter=2026-3")
    desk.click("button:has-text('生成评星建议')")
    desk.wait_for_selector("[data-review-state='proposed']")
    text, before = _service_cell(desk, county.member_a)
    assert before.proposed == "none" and "建议不授星（0分）" in text, text
    shot(desk, "stars-1-before")

    # 2. She approves the claim from the pending list.
    desk.goto(f"{base}/ratings/claims/{claim.pk}/")
    desk.click("button[name=decision][value=approve]")
    desk.wait_for_selector("[data-state='approved']")
    claim.refresh_from_db()
    assert claim.state == PointsClaim.State.APPROVED

    # 3. Asked again, the proposal reads the new points: 服务星 is proposed, with the points.
    desk.goto(f"{base}/ratings/stars/?org={county.branch_a.pk}&quarter=2026-3")
    desk.click("button:has-text('按最新积分重新生成')")
    desk.wait_for_selector("[data-review-state='proposed']")
    text, after = _service_cell(desk, county.member_a)
    assert after.proposed == "grant" and after.points == good_deed.points
    assert f"建议授星（{good_deed.points.normalize():f}分）" in text, text
    shot(desk, "stars-2-after")

    # 4. Her decision keeps the proposal: 张三 holds 服务星, and the ledger names the claim.
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.click("button:has-text('提交评定')")
    desk.wait_for_selector("[data-review-state='decided']")
    assert service.pk in services.stars_held([county.member_a.pk])[county.member_a.pk]
    desk.goto(f"{base}/ratings/points/member/{county.member_a.pk}/?year=2026")
    assert NOTE in desk.inner_text("[data-month='2026-09']")
    no_server_error(desk, errors)
    context.close()
