"""Error pages in Chinese in the site's layout (issue 11 item 12), and the favicon (item 13)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from jiceng.core import errors
from jiceng.testing import PASSWORD, client_for


def test_missing_page_for_staff_is_chinese_in_the_staff_layout(county):
    response = client_for(county.admin_a).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "Not Found" not in html
    assert 'href="/orgs/' in html  # the staff navigation is there
    assert 'rel="icon"' in html


def test_missing_page_for_residents_uses_the_public_layout(db, client):
    response = client.get("/r/NO-SUCH-VILLAGE/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "群众诉求" in html and "查询诉求办理进度" in html
    assert "Not Found" not in html and 'href="/orgs/' not in html


def test_forbidden_page_is_chinese(county):
    response = client_for(county.member_user).get("/members/watch/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "没有权限" in html and "Forbidden" not in html


def test_api_errors_stay_json(county):
    response = client_for(county.admin_a).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and "页面不存在" in response.json()["detail"]


def test_server_error_and_bad_request_render_without_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/members/")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and "系统出错了" in response.content.decode()
    with django_assert_num_queries(0):
        response = errors.bad_request(RequestFactory().get("/board/"))
    assert response.status_code == 400 and "请求有误" in response.content.decode()
    assert "群众诉求" in response.content.decode()  # a resident's address keeps the public layout


def test_favicon(db, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.ico")


@pytest.mark.browser
def test_error_pages_in_a_browser_at_phone_width(transactional_db, county, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    response = page.goto(live_server.url + "/r/NO-SUCH-VILLAGE/")
    assert response.status == 404
    assert page.inner_text("h2") == "页面不存在"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "admin-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    response = page.goto(live_server.url + "/members/999999/")
    assert response.status == 404
    assert "页面不存在" in page.content() and "返回首页" in page.content()
    icon = page.evaluate("fetch('/favicon.ico').then(r => [r.status, r.headers.get('content-type')])")
    assert icon[0] == 200 and "icon" in icon[1]
    page.close()
