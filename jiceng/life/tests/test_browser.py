"""A branch secretary records a themed party day from a phone: photos, attendance, and the
to-do list and the county compliance table change."""

import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from jiceng.life.models import Record
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("JICENG_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"life-{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_secretary_records_a_themed_party_day_from_a_phone(
    transactional_db, county, types, live_server, browser, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "现场.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 20, 20)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    today = timezone.localdate()

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "secretary-a")
    page.goto(live_server.url + "/life/todo/")
    item = page.locator("[data-todo=themed_day]").first
    assert item.get_attribute("data-status") == "pending"
    shot(page, "todo-before")
    item.locator("text=记录").click()
    page.wait_for_selector("#id_topic")
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_starts_at", f"{today.isoformat()}T09:00")
    page.fill("#id_ends_at", f"{today.isoformat()}T11:00")
    page.fill("#id_place", "村部会议室")
    page.fill("#id_topic", "重温入党誓词")
    page.fill("#id_minutes", "全体党员重温入党誓词。")
    page.set_input_files("#id_photos", str(photo))
    shot(page, "form")
    page.click("form.card button:has-text('保存')")
    page.wait_for_selector("[data-photo]")
    record = Record.objects.get(topic="重温入党誓词")
    assert record.photo_count == 1 and record.expected_count == 3
    # Attendance: 张三 present, 李四 on leave, 王五 present but late.
    rows = {a.member.name: a.member_id for a in record.attendance.select_related("member")}
    page.select_option(f"select[name=s-{rows['张三']}]", "present")
    page.select_option(f"select[name=s-{rows['李四']}]", "leave")
    page.select_option(f"select[name=s-{rows['王五']}]", "present")
    page.check(f"input[name=late-{rows['王五']}]")
    page.click("#attendance button[type=submit]")
    page.wait_for_selector("text=已登记出勤")
    assert "实到 2" in page.inner_text("[data-figure=present]")
    shot(page, "detail")
    page.goto(live_server.url + "/life/todo/")
    assert page.locator("[data-todo=themed_day]").first.get_attribute("data-status") == "met"
    shot(page, "todo-after")
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server.url, "county")
    page.goto(live_server.url + f"/life/compliance/?org={county.root.pk}&period={today:%Y-%m}")
    town_a = page.locator(f"tr[data-org='{county.town_a.pk}']")
    assert "1/1/0/0" in town_a.inner_text()  # the themed party day: required 1, held 1, late 0, missing 0
    shot(page, "compliance")
    page.goto(live_server.url + "/")
    page.wait_for_selector("[data-panel=life-command]")
    shot(page, "command")
    page.close()


def test_all_present_in_one_tap_on_a_phone(transactional_db, county, types, live_server, browser):
    """Issue 11 item 11: the recorder marks the whole roster present with one tap."""
    from jiceng.life import services

    r = services.create_record(
        county.secretary_a,
        organization=county.branch_a,
        activity_type=types["themed_day"],
        held_on=timezone.localdate(),
        topic="学习党章",
        place="村部会议室",
    )
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "secretary-a")
    page.goto(f"{live_server.url}/life/{r.pk}/#attendance")
    assert page.locator("select[name^='s-'] >> nth=0").input_value() == "absent"
    page.click("[data-all-present]")
    page.wait_for_selector("text=已登记出勤")
    values = page.eval_on_selector_all("select[name^='s-']", "els => els.map(e => e.value)")
    assert values and set(values) == {"present"}
    assert "出席率 100.0%" in page.inner_text("[data-figure=present]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_a_secretary_of_one_organization_finds_it_chosen(transactional_db, county, types, live_server, browser):
    """Issue 11 item 13: the secretary of a branch with no groups had to pick it from 「---------」."""
    from jiceng.accounts.models import User

    User.objects.create_user("secretary-b", password=PASSWORD, organization=county.branch_b, role="branch_secretary")
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(page, live_server.url, "secretary-b")
    page.goto(live_server.url + "/life/new/")
    assert page.input_value("#id_organization") == str(county.branch_b.pk)
    options = page.eval_on_selector_all("#id_organization option", "os => os.map(o => o.textContent.trim())")
    assert options == [county.branch_b.name], options
    page.close()
