"""In Debian's Chromium: a township admin asks for the member register, which is above the
threshold; the browser lands on 我的导出, the list refreshes itself until the file is written by
the web process's thread (the `make run` runner), and the file downloads with the admin's rows."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from jiceng.members.models import Member
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_a_big_register_is_written_in_the_background_and_downloaded(
    transactional_db, county, live_server, browser, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": tmp_path / "exports"}},
    }
    settings.JICENG_EXPORT_RUNNER = "thread"
    settings.JICENG_EXPORT_THRESHOLD = 1
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "admin-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(live_server.url + "/members/export/")
    assert page.url.endswith("/exports/")
    page.wait_for_selector("text=已转为后台生成")
    # The table polls itself (htmx) until the thread has written the file.
    link = page.wait_for_selector("a:has-text('下载')", timeout=30_000)
    assert page.get_attribute("#export-table", "data-pending") == "0"
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.startswith("党员名册-") and saved.suffix == ".xlsx"
    names = {row[0] for row in load_workbook(saved).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == set(
        Member.objects.filter(organization__path__startswith=county.town_a.path).values_list("name", flat=True)
    )
    page.close()
