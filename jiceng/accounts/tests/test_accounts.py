"""Accounts: the client's address behind the proxy, login lockout and slow-down, API tokens that
expire and can be revoked, changing one's own password, administrators resetting passwords in
scope, and the Content-Security-Policy header."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jiceng.accounts.models import User
from jiceng.core.client import client_address
from jiceng.core.models import AuditEntry
from jiceng.testing import PASSWORD

PROXY = {"JICENG_TRUSTED_PROXIES": ["127.0.0.1", "::1"]}


def _request(remote="127.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


# ---- the client's address ------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.JICENG_TRUSTED_PROXIES = []
    assert client_address(_request("127.0.0.1", "203.0.113.7")) == "127.0.0.1"
    assert client_address(_request("198.51.100.2", "203.0.113.7")) == "198.51.100.2"


def test_behind_the_trusted_proxy_the_client_is_the_rightmost_untrusted_hop(settings):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(_request("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    # A client that writes its own header: nginx appends the real address at the right.
    assert client_address(_request("127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    # Two of our own proxies in a row (a load balancer in 10/8, then nginx).
    assert client_address(_request("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    assert client_address(_request("127.0.0.1", "[2001:db8::5]:4711")) == "2001:db8::5"
    assert client_address(_request("127.0.0.1", "203.0.113.7:5123")) == "203.0.113.7"


def test_a_request_not_from_a_trusted_proxy_cannot_claim_an_address(settings):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(_request("198.51.100.2", "203.0.113.7")) == "198.51.100.2"
    # Garbage or nothing but our own proxies: the proxy's own address, never the garbage.
    assert client_address(_request("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "203.0.113.7, junk")) == "127.0.0.1"


# ---- login: lockout per (username, client), slow-down per username ----------------------------------


def _login(username, password, address, **extra):
    return Client().post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=address,
        **extra,
    )


def _refused(response) -> bool:
    """The login page again, saying the password is wrong (not locked, not slowed down)."""
    return response.status_code == 200 and "账号或密码不正确" in response.content.decode()


def test_wrong_passwords_lock_only_the_address_they_come_from(county, settings):
    settings.JICENG_TRUSTED_PROXIES = PROXY["JICENG_TRUSTED_PROXIES"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("admin-a", "wrong-one", "203.0.113.66")
    assert _login("admin-a", PASSWORD, "203.0.113.66").status_code == 429  # locked here
    # The owner, at the office, behind the same nginx: not locked.
    assert _login("admin-a", PASSWORD, "198.51.100.10").status_code == 302


def test_behind_the_proxy_without_trusting_it_everyone_shares_one_address(county, settings):
    settings.JICENG_TRUSTED_PROXIES = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("admin-a", "wrong-one", "203.0.113.66")
    # This is the failure the setting exists for: all of the county looks like 127.0.0.1.
    assert _login("admin-a", PASSWORD, "198.51.100.10").status_code == 429


def test_spraying_from_many_addresses_slows_the_account_but_never_locks_it(county, settings):
    settings.JICENG_TRUSTED_PROXIES = PROXY["JICENG_TRUSTED_PROXIES"]
    settings.JICENG_LOGIN_SLOW_AFTER = 6
    settings.JICENG_LOGIN_SLOW_SECONDS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(6):
            assert _refused(_login("admin-a", "guess", f"203.0.113.{n}"))
        assert _refused(_login("admin-a", "guess", "203.0.113.50"))  # the one try of this slot
        from jiceng.accounts import throttle

        counted = throttle.failures("admin-a")
        slowed = _login("admin-a", PASSWORD, "198.51.100.10")
        assert slowed.status_code == 429 and "秒后再试" in slowed.content.decode()
        assert throttle.failures("admin-a") == counted  # not even checked while slowed
        assert int(slowed["Retry-After"]) <= 30
        # Another account is not affected.
        assert _login("admin-b", PASSWORD, "198.51.100.10").status_code == 302
        clock.shift(31)
        assert _login("admin-a", PASSWORD, "198.51.100.10").status_code == 302  # the owner gets in
        # A success clears the count: the next wrong password is an ordinary failure again.
        assert _refused(_login("admin-a", "typo", "198.51.100.10"))


# ---- API tokens --------------------------------------------------------------------------------------


def _token(username, password=PASSWORD, address="198.51.100.10"):
    return APIClient().post(
        reverse("api-token"),
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=address,
    )


def test_token_endpoint_answers_429_in_chinese_when_locked(county, settings):
    settings.JICENG_TRUSTED_PROXIES = PROXY["JICENG_TRUSTED_PROXIES"]
    codes = [_token("admin-a", "wrong", "203.0.113.66").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # the try that locks says so
    locked = _token("admin-a", PASSWORD, "203.0.113.66")
    assert locked.status_code == 429 and "锁定" in locked.json()["detail"]
    elsewhere = _token("admin-a", PASSWORD, "198.51.100.10")
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]


def test_token_endpoint_answers_429_when_the_account_is_slowed(county, settings):
    settings.JICENG_LOGIN_SLOW_AFTER = 3
    for n in range(4):
        _token("admin-a", "wrong", f"203.0.113.{n}")
    slowed = _token("admin-a", PASSWORD)
    assert slowed.status_code == 429 and "秒后再试" in slowed.json()["detail"]


def test_tokens_expire_and_a_new_one_is_issued(county, settings):
    settings.JICENG_API_TOKEN_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        key = _token("admin-a").json()["token"]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION="Token " + key)
        town_a = ["TA", "TA01", "TA0101", "TA010101"]  # admin-a's township and what lies below it
        listed = api.get(reverse("organization-list"))
        assert listed.status_code == 200 and [o["code"] for o in listed.json()["results"]] == town_a
        clock.shift(datetime.timedelta(days=30, seconds=1))
        refused = api.get(reverse("organization-list"))
        assert refused.status_code == 401 and "过期" in refused.json()["detail"]
        fresh = _token("admin-a").json()["token"]
        assert fresh != key
        api.credentials(HTTP_AUTHORIZATION="Token " + fresh)
        listed = api.get(reverse("organization-list"))
        assert listed.status_code == 200 and [o["code"] for o in listed.json()["results"]] == town_a


def test_the_holder_revokes_their_token(county):
    key = _token("admin-a").json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert api.delete(reverse("api-token")).status_code == 204
    assert api.get(reverse("organization-list")).status_code == 401
    assert APIClient().delete(reverse("api-token")).status_code == 401
    assert AuditEntry.objects.filter(object_id=str(county.admin_a.pk), note__contains="撤销 API 令牌").exists()


def test_revoking_from_my_account_page(county, client_as):
    Token.objects.create(user=county.admin_a)
    c = client_as(county.admin_a)
    page = c.get(reverse("accounts:account")).content.decode()
    assert "撤销令牌" in page and "有效至" in page
    assert c.post(reverse("accounts:token_revoke")).status_code == 302
    assert not Token.objects.filter(user=county.admin_a).exists()


# ---- one's own password -----------------------------------------------------------------------------


def test_change_own_password_with_the_validators(county, client_as):
    Token.objects.create(user=county.secretary_a)
    c = client_as(county.secretary_a)
    url = reverse("accounts:password_change")
    weak = c.post(url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    assert "太常见" in weak.content.decode() and "只包含数字" in weak.content.decode()
    wrong_old = c.post(url, {"old_password": "nope", "new_password1": "Qiu-he-2027", "new_password2": "Qiu-he-2027"})
    assert "旧密码不正确" in wrong_old.content.decode()
    done = c.post(url, {"old_password": PASSWORD, "new_password1": "Qiu-he-2027", "new_password2": "Qiu-he-2027"})
    assert done.status_code == 302
    account = c.get(reverse("accounts:account"))  # still signed in here
    assert account.status_code == 200 and account.context["user"] == county.secretary_a
    assert "没有 API 令牌" in account.content.decode()  # the old token went with the old password
    county.secretary_a.refresh_from_db()
    assert county.secretary_a.check_password("Qiu-he-2027")
    assert not Token.objects.filter(user=county.secretary_a).exists()
    entry = AuditEntry.objects.get(object_id=str(county.secretary_a.pk), note__contains="本人修改密码")
    assert "Qiu-he" not in str(entry.changes) + entry.note


# ---- administrators reset passwords in scope -----------------------------------------------------------


def _reset(c, user, password="Xin-mima-88"):
    return c.post(
        reverse("accounts:user_password", args=[user.pk]), {"new_password1": password, "new_password2": password}
    )


def test_township_admin_resets_a_secretary_in_their_township(county, client_as):
    Token.objects.create(user=county.secretary_a)
    victim_session = Client()
    victim_session.force_login(county.secretary_a)
    c = client_as(county.admin_a)
    listing = c.get(reverse("accounts:users")).content.decode()
    assert "secretary-a" in listing and "admin-b" not in listing and "重置密码" in listing
    assert _reset(c, county.secretary_a).status_code == 302
    county.secretary_a.refresh_from_db()
    assert county.secretary_a.check_password("Xin-mima-88")
    assert not Token.objects.filter(user=county.secretary_a).exists()
    # The secretary's own sessions end with the old password.
    assert victim_session.get(reverse("accounts:account")).status_code == 302
    assert AuditEntry.objects.filter(actor=county.admin_a, note__contains="管理员重置密码").exists()


def test_reset_refuses_weak_passwords_in_chinese(county, client_as):
    response = _reset(client_as(county.admin_a), county.secretary_a, "abc")
    assert response.status_code == 200 and "密码长度太短" in response.content.decode()


def test_no_reset_outside_scope_or_at_the_same_rank(county, client_as):
    outsider = client_as(county.admin_a)
    assert _reset(outsider, county.admin_b).status_code == 404  # another township: not even seen
    colleague = User.objects.create_user(
        "admin-a2", password=PASSWORD, organization=county.town_a, role="township_admin"
    )
    assert _reset(outsider, colleague).status_code == 403  # same rank
    assert _reset(client_as(county.secretary_a), county.admin_a).status_code == 404  # above: not in scope
    assert _reset(client_as(county.member_user), county.secretary_a).status_code == 404
    assert client_as(county.member_user).get(reverse("accounts:users")).status_code == 403
    assert _reset(outsider, county.admin_a).status_code == 403  # oneself: use 修改密码
    colleague.refresh_from_db()
    assert colleague.check_password(PASSWORD)


def test_county_admin_resets_a_township_admin_and_revokes_a_token(county, client_as):
    Token.objects.create(user=county.admin_b)
    c = client_as(county.county_admin)
    assert _reset(c, county.admin_b).status_code == 302
    Token.objects.create(user=county.admin_b)
    assert c.post(reverse("accounts:user_token_revoke", args=[county.admin_b.pk])).status_code == 302
    assert not Token.objects.filter(user=county.admin_b).exists()


# ---- Content-Security-Policy and sessions -------------------------------------------------------------


def test_pages_send_a_content_security_policy(county, client_as):
    response = client_as(county.admin_a).get(reverse("accounts:account"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    public = Client().get(reverse("accounts:login"))
    assert "default-src 'self'" in public["Content-Security-Policy"]


def test_an_inline_script_carries_the_nonce_of_its_response(county, client_as):
    response = client_as(county.admin_a).get(reverse("transfers:issue") + f"?member={county.member_a.pk}")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_no_template_has_inline_event_handlers_or_unnonced_inline_scripts():
    """The policy forbids them; data-confirm / data-autosubmit (core/static/jiceng.js) instead."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(root)))
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if "nonce=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(root)}: {tag}")
    assert offenders == []


def test_session_length_is_the_setting(county, settings):
    settings.SESSION_COOKIE_AGE = 3600
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False  # the moved-clock run makes them session cookies
    c = Client()
    c.post(reverse("accounts:login"), {"username": "admin-a", "password": PASSWORD})
    assert c.cookies["sessionid"]["max-age"] == 3600


@pytest.mark.parametrize("name", ["accounts:account", "accounts:password_change"])
def test_own_account_pages_for_every_role(county, client_as, name):
    for user in (county.county_admin, county.admin_a, county.secretary_a, county.member_user):
        response = client_as(user).get(reverse(name))
        assert response.status_code == 200 and response.context["user"] == user
        html = response.content.decode()
        if name == "accounts:account":
            assert f'<dd class="col-8">{user.username}</dd>' in html
            assert f'<dd class="col-8">{user.get_role_display()}</dd>' in html
        else:
            assert 'name="old_password"' in html and 'name="new_password2"' in html


def test_account_list_filters_in_chinese(county, client_as):
    county.secretary_a.is_active = False
    county.secretary_a.save()
    c = client_as(county.admin_a)
    html = c.get(reverse("accounts:users"), {"is_active": "0"}).content.decode()
    assert "secretary-a" in html and "member-a" not in html and "未知" not in html
    assert "secretary-a" not in c.get(reverse("accounts:users"), {"is_active": "1", "q": "secretary"}).content.decode()
