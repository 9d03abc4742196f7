"""Political birthdays (政治生日) and dual registration (在职党员到社区报到)."""

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

from jiceng.conftest import add_member, client_for
from jiceng.core import idnumbers
from jiceng.core.jobs import run_job
from jiceng.core.models import Notification
from jiceng.members import services
from jiceng.members.models import DualRegistrationRecord, Member

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("members:birthdays"), params)
    return [r["m"].name for r in response.context["rows"]]


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
        assert [(r["m"].name, r["day"]) for r in rows] == [("闰日", date(2026, 2, 28))]
    with time_machine.travel(date(2027, 1, 1), tick=False):
        c = client_for(county.admin_a)
        assert listed(c) == ["一月末", "王五"]  # 王五's first anniversary (joined 2026-01-10)
    with time_machine.travel(date(2028, 2, 1), tick=False):
        rows = client_for(county.admin_a).get(reverse("members:birthdays")).context["rows"]
        assert [(r["m"].name, r["day"], r["years"]) for r in rows] == [("闰日", date(2028, 2, 29), 12)]


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


# ---- dual registration -------------------------------------------------------------------


def register_b(county, extra, on=date(2026, 3, 1)):
    return services.register_with_community(
        extra.community_admin,
        community=extra.community_a,
        name="赵秘密",
        id_number=idnumbers.decrypt(county.member_b.id_number_encrypted),
        on=on,
    )


@time_machine.travel(date(2026, 5, 1), tick=False)
def test_a_community_registers_a_member_of_another_township(county, extra):
    number = idnumbers.decrypt(county.member_b.id_number_encrypted)
    c = client_for(extra.community_admin)
    html = c.post(
        reverse("members:dual_register"),
        {"community": extra.community_a.pk, "name": "赵某", "id_number": number, "on": "2026-03-01"},
    ).content.decode()
    assert "未找到姓名与公民身份号码都相符" in html
    with pytest.raises(ValidationError, match="社区党组织"):
        services.register_with_community(
            county.secretary_a, community=county.branch_a, name="赵秘密", id_number=number, on=date(2026, 3, 1)
        )
    response = c.post(
        reverse("members:dual_register"),
        {"community": extra.community_a.pk, "name": "赵秘密", "id_number": number, "on": "2026-03-01"},
    )
    assert response.status_code == 302
    county.member_b.refresh_from_db()
    assert (county.member_b.registered_community, county.member_b.registered_on) == (
        extra.community_a,
        date(2026, 3, 1),
    )
    # The community sees what the registration needs, and nothing else of the member.
    html = c.get(reverse("members:dual")).content.decode()
    assert "赵秘密" in html and "乙乡秘密村党支部" in html
    page = c.get(reverse("members:dual_member", args=[county.member_b.pk])).content.decode()
    assert "139****9999" in page and "13900009999" not in page
    assert county.member_b.id_number_masked not in page and "1980" not in page
    assert c.get(reverse("members:detail", args=[county.member_b.pk])).status_code == 404
    # Nobody else outside both sides sees the registration.
    outsider = client_for(extra.admin_c)
    assert "赵秘密" not in outsider.get(reverse("members:dual")).content.decode()
    assert outsider.get(reverse("members:dual_member", args=[county.member_b.pk])).status_code == 404
    assert outsider.post(reverse("members:dual_record", args=[county.member_b.pk]), {}).status_code == 404
    assert client_for(county.member_user).get(reverse("members:dual")).status_code == 403


@time_machine.travel(date(2026, 11, 20), tick=False)
def test_yearly_items_completion_and_export(county, extra):
    register_b(county, extra)
    other = add_member(county.branch_b, "孙报到")
    services.register_with_community(
        extra.community_admin,
        community=extra.community_a,
        name="孙报到",
        id_number=idnumbers.decrypt(other.id_number_encrypted),
        on=date(2026, 3, 1),
    )
    c = client_for(extra.community_admin)
    for kind, title in (
        ("party_day", "参加4月主题党日"),
        ("service_project", "认领“周末助老”服务项目"),
        ("wish", "认领微心愿"),
    ):
        c.post(
            reverse("members:dual_record", args=[county.member_b.pk]),
            {"kind": kind, "on": "2026-04-15", "title": title},
        )
    c.post(reverse("members:dual_record", args=[other.pk]), {"kind": "wish", "on": "2026-05-01", "title": "心愿"})
    with pytest.raises(ValidationError, match="报到前的活动不计入"):
        services.record_dual_activity(extra.community_admin, other, kind="wish", on=date(2026, 2, 1), title="早")
    with pytest.raises(PermissionDenied):
        services.record_dual_activity(county.admin_b, other, kind="wish", on=date(2026, 5, 1), title="x")
    response = c.get(reverse("members:dual"))
    summary = response.context["summary"]
    assert (summary["registered"], summary["complete"], summary["rate"]) == (2, 1, 50.0)
    assert [r["m"].name for r in c.get(reverse("members:dual"), {"completion": "complete"}).context["rows"]] == [
        "赵秘密"
    ]
    assert [r["m"].name for r in c.get(reverse("members:dual"), {"completion": "incomplete"}).context["rows"]] == [
        "孙报到"
    ]
    assert c.get(reverse("members:dual"), {"year": "2025"}).context["summary"]["complete"] == 0
    assert summary["communities"] == [(extra.community_a, 2, 1, 50.0)]
    rows = list(
        load_workbook(io.BytesIO(c.get(reverse("members:dual_export")).content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert ("赵秘密", 1, 1, 1, "是") in [(r[0], r[6], r[7], r[8], r[9]) for r in rows[1:]]
    # The member's own organization sees the records on the member page.
    html = client_for(county.admin_b).get(reverse("members:detail", args=[county.member_b.pk])).content.decode()
    assert "认领“周末助老”服务项目" in html and "三项完成" in html
    # Ending the registration keeps the records.
    c.post(reverse("members:dual_end", args=[county.member_b.pk]), {"reason": "已搬离本社区"})
    county.member_b.refresh_from_db()
    assert county.member_b.registered_community is None
    assert DualRegistrationRecord.objects.filter(member=county.member_b).count() == 3
    assert [r["m"].name for r in c.get(reverse("members:dual")).context["rows"]] == ["孙报到"]


@time_machine.travel(date(2026, 11, 20), tick=False)
def test_record_can_be_deleted_by_the_community_only(county, extra):
    register_b(county, extra)
    record = services.record_dual_activity(
        extra.community_admin, county.member_b, kind="wish", on=date(2026, 5, 1), title="心愿"
    )
    assert client_for(county.admin_b).post(reverse("members:dual_record_delete", args=[record.pk])).status_code == 404
    client_for(extra.community_admin).post(reverse("members:dual_record_delete", args=[record.pk]))
    assert not DualRegistrationRecord.objects.exists()


@pytest.mark.parametrize("rows", [10, 200])
def test_dual_list_query_count(county, extra, rows, django_assert_max_num_queries):
    from jiceng.members.tests.test_members import bulk_members

    bulk_members(county.branch_b, rows)
    Member.objects.filter(name__startswith="批量").update(registered_community=extra.community_a)
    DualRegistrationRecord.objects.bulk_create(
        [
            DualRegistrationRecord(
                member=m, community=extra.community_a, kind="wish", on=date(2026, 5, 1), year=2026, title="x"
            )
            for m in Member.objects.filter(name__startswith="批量")
        ]
    )
    c = client_for(extra.community_admin)
    with django_assert_max_num_queries(11):
        response = c.get(reverse("members:dual"), {"year": "2026"})
    assert response.context["summary"]["registered"] == rows
    with django_assert_max_num_queries(10):
        assert c.get(reverse("members:birthdays")).status_code == 200


def test_date_inputs_show_stored_dates(county):
    """<input type=date> needs ISO values; the zh-hans locale format (2010/07/01) showed empty."""
    c = client_for(county.secretary_a)
    html = c.get(reverse("members:edit", args=[county.member_a.pk])).content.decode()
    assert 'value="2010-07-01"' in html and 'value="2011-07-01"' in html
    html = c.get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html  # the status form's default date
