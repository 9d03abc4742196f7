"""Political birthdays (政治生日)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.core.jobs import run_job
from jiceng.core.models import Notification
from jiceng.members import services
from jiceng.members.models import Member
from jiceng.testing import add_member, client_for

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("members:birthdays"), params)
    return [r["member"].name for r in response.context["rows"]]


# ---- political birthdays --------------------------------------------------------------


@time_machine.travel(date(2026, 7, 15), tick=False)
def test_this_months_birthdays_per_branch_with_party_age(county):
    c = client_for(county.admin_a)
    assert listed(c) == ["李四", "张三"]  # by organization, day, pinyin; 王五 joined in January; 赵秘密 is in town B
    assert listed(c, month="2026-01") == []  # 王五 joined in 2026: no anniversary yet
    assert listed(c, month="2027-01") == ["王五"]
    html = c.get(reverse("members:birthdays")).content.decode()
    assert "15 周年" not in html and "16 周年" in html  # joined 2010-07-01
    assert "15 年" in html  # party age from full membership on 2011-07-01
    assert listed(client_for(county.admin_b)) == ["赵秘密"]
    # An organization outside the scope shows nothing (and says why), never another township.
    assert listed(c, organization=county.branch_b.pk) == []
    assert listed(client_for(county.county_admin), organization=county.branch_b.pk) == ["赵秘密"]


def test_month_ends_and_leap_day(county):
    add_member(county.branch_a, "一月末", join_date=date(2019, 1, 31), full_date=date(2020, 1, 31))
    add_member(county.branch_a, "闰日", join_date=date(2016, 2, 29), full_date=date(2017, 3, 1))
    with time_machine.travel(date(2026, 12, 31), tick=False):
        c = client_for(county.admin_a)
        assert "一月末" not in listed(c)
        assert "一月末" in listed(c, month="2027-01")
        rows = c.get(reverse("members:birthdays"), {"month": "2026-02"}).context["rows"]
        assert [(r["member"].name, r["day"]) for r in rows] == [("闰日", date(2026, 2, 28))]
    with time_machine.travel(date(2027, 1, 1), tick=False):
        c = client_for(county.admin_a)
        assert listed(c) == ["一月末", "王五"]  # 王五's first anniversary (joined 2026-01-10)
    with time_machine.travel(date(2028, 2, 1), tick=False):
        rows = client_for(county.admin_a).get(reverse("members:birthdays")).context["rows"]
        assert [(r["member"].name, r["day"], r["years"]) for r in rows] == [("闰日", date(2028, 2, 29), 12)]


@time_machine.travel(date(2026, 7, 15), tick=False)
def test_greeting_is_sent_once_a_year_to_the_members_account(county):
    c = client_for(county.secretary_a)
    c.post(reverse("members:birthday_greet", args=[county.member_a.pk]))
    c.post(reverse("members:birthday_greet", args=[county.member_a.pk]))
    notices = Notification.objects.filter(kind="political_birthday")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.recipient == county.member_user and "入党16周年" in notice.title and "7月1日" in notice.body
    html = c.get(reverse("members:birthdays")).content.decode()
    assert 'data-greeted="1"' in html and 'data-no-account="1"' in html  # 李四 has no account
    # The member sees it in their notices.
    assert "政治生日快乐" in client_for(county.member_user).get(reverse("core:notifications")).content.decode()
    li_si = Member.objects.get(name="李四")
    with pytest.raises(ValidationError, match="没有系统账号"):
        services.send_birthday_greeting(county.secretary_a, li_si)
    with pytest.raises(PermissionDenied):
        services.send_birthday_greeting(county.admin_b, county.member_a)
    assert (
        client_for(county.admin_b).post(reverse("members:birthday_greet", args=[county.member_a.pk])).status_code == 404
    )


def test_greeting_waits_for_the_month_and_send_all(county):
    with time_machine.travel(date(2026, 6, 30), tick=False):
        with pytest.raises(ValidationError, match="7月1日，到当月才能发送"):
            services.send_birthday_greeting(county.secretary_a, county.member_a)
        c = client_for(county.secretary_a)
        response = c.post(reverse("members:birthday_greet_all"), {"month": "2026-07"}, follow=True)
        assert "只能为今年本月及以前月份" in response.content.decode()
    with time_machine.travel(date(2026, 7, 1), tick=False):
        c = client_for(county.secretary_a)
        response = c.post(reverse("members:birthday_greet_all"), {"month": "2026-07"}, follow=True)
        assert "已发送 1 条政治生日祝福；此前已发送 0 人；没有系统账号 1 人" in response.content.decode()
        response = c.post(reverse("members:birthday_greet_all"), {"month": "2026-07"}, follow=True)
        assert "已发送 0 条政治生日祝福；此前已发送 1 人" in response.content.decode()
    with time_machine.travel(date(2027, 7, 1), tick=False):  # a new year, a new greeting
        services.send_birthday_greeting(county.secretary_a, county.member_a)
    assert Notification.objects.filter(kind="political_birthday").count() == 2


@time_machine.travel(date(2026, 7, 2), tick=False)
@override_settings(JICENG_EMAIL_ENABLED=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_greeting_by_email_where_configured(county):
    county.member_user.email = "zhangsan@example.org"
    county.member_user.save()
    services.send_birthday_greeting(county.secretary_a, county.member_a)
    services.send_birthday_greeting(county.secretary_a, county.member_a)
    assert len(mail.outbox) == 1 and "政治生日快乐" in mail.outbox[0].subject


@time_machine.travel(date(2026, 7, 2), tick=False)
def test_birthday_export_and_api(county):
    c = client_for(county.admin_a)
    response = c.get(reverse("members:birthday_export"), {"month": "2026-07"})
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["李四", "张三"] and rows[2][4] == 16 and rows[2][6] == "有"
    data = c.get(reverse("api-birthdays")).json()
    assert data["month"] == "2026-07" and [r["name"] for r in data["results"]] == ["李四", "张三"]
    assert data["results"][1]["political_birthday"] == "2026-07-01" and data["results"][1]["party_age"] == 15
    assert c.get(reverse("api-birthdays"), {"organization": county.town_b.pk}).json()["count"] == 0
    assert c.get(reverse("api-birthdays"), {"month": "2026-13"}).status_code == 400
    assert client_for(county.member_user).get(reverse("members:birthdays")).status_code == 302


def test_monthly_reminder_to_the_branch_is_idempotent(county):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    county.member_user.delete()
    now = datetime(2027, 1, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    run_job("members.political_birthdays", now)
    run_job("members.political_birthdays", now)
    notices = Notification.objects.filter(kind="political_birthday_reminder")
    # 王五 (in the party group) joined in January 2026: his branch's secretary is told once.
    assert [(n.recipient, n.title) for n in notices] == [(county.secretary_a, "本月有1名党员过政治生日")]


# Dual registration (在职党员到社区报到) is tested in jiceng/members/tests/test_dual_registration.py.


def test_date_inputs_show_stored_dates(county):
    """<input type=date> needs ISO values; the zh-hans locale format (2010/07/01) showed empty."""
    c = client_for(county.secretary_a)
    html = c.get(reverse("members:edit", args=[county.member_a.pk])).content.decode()
    assert 'value="2010-07-01"' in html and 'value="2011-07-01"' in html
    html = c.get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html  # the status form's default date
