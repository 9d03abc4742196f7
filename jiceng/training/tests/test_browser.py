"""Real pages in Debian's Chromium: recording a session's attendance on a phone, and a
member's own credit card on a phone."""

import os
from pathlib import Path

import pytest

from jiceng.core.models import Notification
from jiceng.testing import PASSWORD, at
from jiceng.training import services
from jiceng.training.models import Attendance, OrganizationDemerit

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


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways at phone width ({width}px)"


def test_recording_attendance_on_a_phone(transactional_db, county, training, live_server, browser):
    # Two absences already on record: the third, recorded on the phone, triggers the notice.
    for s in training.sessions[:2]:
        services.record_attendance(county.admin_a, s, {training.zhang.pk: ("unexcused", "")})
    session = training.sessions[2]
    page = browser.new_page(**PHONE)
    login(page, live_server.url, "admin-a")
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/attendance/")
    page.wait_for_selector(f"[data-trainee='{training.zhang.pk}']")
    no_sideways_scroll(page)
    page.click(f"label[for='s{training.zhang.pk}-unexcused']")
    page.click("#all-present")  # fills only the trainees not yet chosen: 李四
    assert page.is_checked(f"#s{training.li.pk}-present")
    assert page.is_checked(f"#s{training.zhang.pk}-unexcused")
    page.click(f"label[for='s{training.li.pk}-late']")
    page.fill(f"input[name='n{training.li.pk}']", "路上堵车")
    shot(page, "training-attendance-phone")
    page.click("#attendance-form button[type=submit]")
    page.wait_for_url(f"**/training/sessions/{session.pk}/")
    assert "已保存出勤：2 人" in page.content()
    no_sideways_scroll(page)
    shot(page, "training-session-phone")
    assert dict(Attendance.objects.filter(session=session).values_list("enrollment__member__name", "status")) == {
        "张三": "unexcused",
        "李四": "late",
    }
    assert OrganizationDemerit.objects.get().organization == county.branch_a
    assert Notification.objects.filter(kind="training_absence", recipient=county.secretary_a).exists()

    # The course page's attendance matrix, on a wide screen.
    wide = browser.new_page(viewport={"width": 1280, "height": 900})
    login(wide, live_server.url, "admin-a")
    wide.goto(f"{live_server.url}/training/courses/{training.course.pk}/")
    wide.wait_for_selector("#matrix")
    assert wide.inner_text("[data-figure=trainees]").startswith("2")
    shot(wide, "training-course")
    wide.close()
    page.close()


def test_member_reads_their_card_on_a_phone(transactional_db, county, training, live_server, browser):
    # Recorded in November 2026, after the sessions; the card asks for 2026 by name, any day.
    recorded = at(2026, 11, 1, 9)
    services.record_attendance(county.admin_a, training.sessions[0], {training.zhang.pk: ("present", "")}, now=recorded)
    services.record_attendance(county.admin_a, training.sessions[1], {training.zhang.pk: ("late", "")}, now=recorded)
    page = browser.new_page(**PHONE)
    login(page, live_server.url, "member-a")
    page.goto(f"{live_server.url}/training/cards/mine/?year=2026")
    page.wait_for_selector("#card-lines")
    assert page.inner_text("[data-figure=total_credits]") == "6.00"
    assert "第1讲" in page.content() and "李四" not in page.content()
    no_sideways_scroll(page)
    shot(page, "training-card-phone")
    page.close()
