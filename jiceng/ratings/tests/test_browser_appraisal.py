"""The secretaries' appraisal in Debian's Chromium: 东村's secretary writes and submits her report
on a phone; the township's staff return it with a reason; she sees the reason, corrects it and
submits again; a reviewer votes on the phone page (with its confirmation) and the vote is final.
The clock is pinned (time_machine moves the live server's clock too: it runs in this process)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiceng.orgs.models import Organization
from jiceng.ratings.models import AppraisalReport, AppraisalVote
from jiceng.ratings.services import appraisal
from jiceng.testing import make_user

from .test_browser import PHONE, fits_phone, login, no_server_error, shot, watch_for_server_errors

pytestmark = pytest.mark.browser
REASON = "问题查摆不具体，请结合本村实际补充"


@pytest.fixture
def november(transactional_db):
    with time_machine.travel("2026-11-20 10:00 +0800", tick=True):
        yield


def _fill_report(page, causes: str):
    page.fill("#id_work_done", "全年召开支委会12次，带头讲党课2次，推动党建引领产业发展。")
    page.fill("#id_problems", "组织生活质量不高。")
    page.fill("#id_causes", causes)
    page.fill("#id_plans", "明年规范主题党日，抓好阵地建设。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=action][value=submit]")
    page.wait_for_selector("[data-state='submitted']")


def test_a_report_is_submitted_returned_resubmitted_and_voted_on_a_phone(november, county, live_server, browser):
    base = live_server.url
    Organization.objects.filter(pk=county.village_a.pk).update(secretary_name="东村书记")
    make_user("sec-v", county.village_a, "branch_secretary", display_name="东村书记")
    reviewer = make_user("rev-1", county.town_a, "member")
    round_ = appraisal.create_round(
        county.admin_a, county.town_a, year=2026, vote_from=date(2026, 11, 15), vote_until=date(2026, 11, 30)
    )
    appraisal.add_reviewer(county.admin_a, round_, reviewer)
    report = round_.reports.get(organization=county.village_a)

    # 1. The secretary writes and submits on her phone.
    phone = browser.new_context(**PHONE).new_page()
    errors = watch_for_server_errors(phone)
    login(phone, base, "sec-v")
    phone.goto(f"{base}/ratings/appraisal/reports/{report.pk}/edit/")
    fits_phone(phone)
    _fill_report(phone, "重业务轻党建。")
    assert phone.locator("[data-figure='life.compliance']").count() == 1  # figures frozen and shown
    shot(phone, "appraisal-1-submitted")

    # 2. The township's staff return it with a reason (confirmation first).
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk_errors = watch_for_server_errors(desk)
    login(desk, base, "admin-a")
    desk.goto(f"{base}/ratings/appraisal/reports/{report.pk}/")
    desk.fill("#return-reason", REASON)
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.click("button:has-text('退回修改')")
    desk.wait_for_selector("[data-state='draft']")
    report.refresh_from_db()
    assert report.state == AppraisalReport.State.DRAFT and report.returned_reason == REASON

    # 3. She sees why, corrects the report and submits again.
    phone.goto(f"{base}/ratings/appraisal/reports/{report.pk}/")
    assert REASON in phone.inner_text("[data-returned]")
    shot(phone, "appraisal-2-returned")
    phone.click("a:has-text('填写述职报告')")
    _fill_report(phone, "重业务轻党建，督促指导不到位。")
    report.refresh_from_db()
    assert report.state == AppraisalReport.State.SUBMITTED and report.causes == "重业务轻党建，督促指导不到位。"

    # 4. The reviewer votes on the phone page; the vote is final.
    voter = browser.new_context(**PHONE).new_page()
    voter_errors = watch_for_server_errors(voter)
    login(voter, base, "rev-1")
    voter.goto(f"{base}/ratings/appraisal/{round_.pk}/vote/")
    fits_phone(voter)
    voter.once("dialog", lambda dialog: dialog.accept())
    voter.click("button[name=grade][value=fair]")
    voter.wait_for_selector("text=已投票")
    shot(voter, "appraisal-3-voted")
    assert list(AppraisalVote.objects.filter(report=report).values_list("reviewer_id", "grade")) == [
        (reviewer.pk, "fair")
    ]
    assert voter.locator("button[name=grade]").count() == 0  # no second vote offered

    # 5. With a vote on it, the report can no longer be returned.
    desk.goto(f"{base}/ratings/appraisal/reports/{report.pk}/")
    assert desk.locator("button:has-text('退回修改')").count() == 0
    for page, errs in ((phone, errors), (desk, desk_errors), (voter, voter_errors)):
        no_server_error(page, errs)
