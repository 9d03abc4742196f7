"""A branch secretary walks one person from the application to full membership in Chromium,
with the clock moved between the steps (time_machine moves the live server's clock too: it
runs in this process)."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jiceng.development.models import DevelopmentFile
from jiceng.testing import PASSWORD, make_id

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")
TZ = ZoneInfo("Asia/Shanghai")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def at(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=TZ)


@pytest.fixture
def long_cookies(settings):
    # The clock jumps years ahead of the browser's own clock and back: keep the session and the
    # CSRF cookie valid whatever the server's date is when it sets them.
    settings.SESSION_COOKIE_AGE = 60 * 60 * 24 * 365 * 30
    settings.CSRF_COOKIE_AGE = None


def test_secretary_walks_an_applicant_to_full_membership(transactional_db, county, live_server, browser, long_cookies):
    from jiceng.members.models import Member

    li = Member.objects.get(name="李四")
    wang = Member.objects.get(name="王五")
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def record(number, fill=None, *, expect_error=None):
        page.goto(f"{base}/development/{file_pk}/step/{number}/")
        if fill:
            fill()
        page.click(f"button:has-text('记录第{number}步')")
        if expect_error:
            page.wait_for_selector(f"text={expect_error}")
            return
        page.wait_for_url(f"**/development/{file_pk}/")
        assert f"已记录第{number}步" in page.inner_text(".alert-success")

    with time_machine.travel(at(2030, 1, 7), tick=True) as clock:
        page.goto(base + "/login/")
        page.fill("#id_username", "secretary-a")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("text=党建指挥部")

        # Step 1: the application; an 17-year-old is refused with the date of the 18th birthday.
        page.goto(base + "/development/new/")
        page.fill("#id_name", "孙向阳")
        page.fill("#id_id_number", make_id(datetime(2012, 3, 1).date()))
        page.select_option("#id_organization", str(county.branch_a.pk))
        page.fill("#id_phone", "13612345678")
        page.click("button:has-text('建立档案')")
        page.wait_for_selector("text=最早可于2030-03-01递交入党申请书")
        shot(page, "development-refused-under-18")
        page.fill("#id_id_number", make_id(datetime(2006, 4, 9).date()))
        page.click("button:has-text('建立档案')")
        page.wait_for_selector("text=已为孙向阳建立发展党员档案")
        file_pk = DevelopmentFile.objects.get(name="孙向阳").pk
        assert "一个月内（2030-02-07前）谈话" in page.inner_text("#next-steps")

        clock.move_to(at(2030, 1, 20))
        record(2, lambda: page.select_option("#id_talker_members", [str(county.member_a.pk)]))
        clock.move_to(at(2030, 3, 2))
        record(3, lambda: page.select_option("#id_recommendation", "党员推荐"))
        record(4)
        record(5, lambda: page.select_option("#id_contacts", [str(county.member_a.pk), str(li.pk)]))
        clock.move_to(at(2030, 9, 1))
        record(6)
        # Six months on, the review is due again; a year after 2030-03-02 the candidate may be named.
        clock.move_to(at(2031, 3, 1))
        page.goto(f"{base}/development/{file_pk}/")
        assert "最早可于 2031-03-02" in page.inner_text("#next-steps")
        assert "积极分子每半年考察" in page.content()
        record(7, expect_error="最早可于2031-03-02确定为发展对象")
        shot(page, "development-refused-one-year")
        clock.move_to(at(2031, 3, 2))
        record(7)
        record(8)

        def sponsors(second):
            def fill():
                page.select_option("#id_sponsor_1", str(county.member_a.pk))
                page.select_option("#id_sponsor_2", str(second.pk))

            return fill

        record(9, sponsors(wang), expect_error="不是正式党员")
        record(9, sponsors(li))
        clock.move_to(at(2031, 3, 20))
        record(10)
        record(11, lambda: page.fill("#id_training_hours", "24"))
        clock.move_to(at(2031, 4, 10))
        for n in (12, 13, 14):
            record(n)

        def vote(yes):
            def fill():
                assert page.input_value("#id_vote_entitled") == "2"
                page.fill("#id_vote_attended", "2")
                page.fill("#id_vote_yes", str(yes))
                page.fill("#id_vote_no", str(2 - yes))

            return fill

        clock.move_to(at(2031, 5, 6))
        record(15, vote(1), expect_error="至少须 2 票赞成，实得 1 票")
        shot(page, "development-refused-vote")
        record(15, vote(2))  # 入党日期 2031-05-06
        record(16, lambda: page.fill("#id_talker_others", "钱组织员（乡镇党委组织员）"))
        clock.move_to(at(2031, 8, 7))  # three months end on 2031-08-06
        record(17, expect_error="须注明理由")
        record(17, lambda: page.fill("#id_late_reason", "遇乡镇党委换届"))
        member = DevelopmentFile.objects.get(pk=file_pk).member
        assert member.status == "probationary" and str(member.join_date) == "2031-05-06"
        for n in (18, 19, 20):
            record(n)
        clock.move_to(at(2031, 12, 1))
        record(21)
        clock.move_to(at(2032, 4, 20))
        record(22)
        page.goto(f"{base}/development/{file_pk}/")
        assert "预备期于2032-05-06期满" in page.inner_text("#next-steps")

        def full_membership():
            vote(2)()
            page.select_option("#id_outcome", "full")

        clock.move_to(at(2032, 5, 5))
        record(23, full_membership, expect_error="最早可于2032-05-06讨论转正")
        clock.move_to(at(2032, 5, 6))
        record(23, full_membership)
        clock.move_to(at(2032, 6, 1))
        record(24)
        record(25)
        page.goto(f"{base}/development/{file_pk}/")
        assert "已于 2032-05-06 转为正式党员" in page.content()
        shot(page, "development-file-completed")
        page.goto(f"{base}/members/{member.pk}/")
        assert "正式党员" in page.inner_text("h2") and "2032-05-06" in page.content()
        assert "入党材料（发展党员档案）" in page.content()

        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.context.add_cookies(page.context.cookies())
        for path, name in (
            (f"/development/{file_pk}/", "file"),
            ("/development/", "list"),
            ("/development/due/", "due"),
        ):
            phone.goto(base + path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways at phone width ({width}px)"
            shot(phone, f"development-{name}-phone")
        phone.close()
    member.refresh_from_db()
    assert member.status == "full" and str(member.full_date) == "2032-05-06"
    assert DevelopmentFile.objects.get(pk=file_pk).status == "completed"
    page.close()
