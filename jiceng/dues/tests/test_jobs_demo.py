"""Month-end reminders (idempotent) and the demo county's dues."""

from datetime import date, datetime

import pytest
from django.db.models import F

from jiceng.core.jobs import run_job
from jiceng.core.models import Notification
from jiceng.dues import rules, services
from jiceng.dues.models import DuesBase, DuesConsent, DuesPayment
from jiceng.dues.queries import months_without_dues
from jiceng.dues.testing import SH, at
from jiceng.members.models import Member

pytestmark = pytest.mark.django_db


def test_month_end_reminder_names_the_unpaid_once(dues):
    with at(2026, 3, 5):
        services.record_payment(None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
    assert "未到提醒日" in run_job("dues.month_end_reminders", datetime(2026, 3, 24, 12, tzinfo=SH))
    assert not Notification.objects.exists()
    run_job("dues.month_end_reminders", datetime(2026, 3, 25, 9, tzinfo=SH))
    notice = Notification.objects.get()
    assert notice.recipient == dues.county.secretary_a
    assert notice.title == "2026年3月党费：2名党员尚未交纳"
    assert "李四" in notice.body and "王五" in notice.body and "张三" not in notice.body  # 王五's group → branch
    assert notice.key == f"dues:unpaid:2026-03:org{dues.county.branch_a.pk}"
    assert "state=unpaid" in notice.url
    run_job("dues.month_end_reminders", datetime(2026, 3, 25, 15, tzinfo=SH))
    assert Notification.objects.count() == 1
    run_job("dues.month_end_reminders", datetime(2026, 4, 28, 9, tzinfo=SH))
    assert Notification.objects.count() == 2  # a new month is a new notice


def test_demo_dues_follow_the_rules():
    from jiceng.demo.testing import tiny_demo

    with at(2026, 11, 25):
        result = tiny_demo(3, password="demo-test-2468")
    figures = dict(result["apps"])["dues"]
    active = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    assert figures["党费年度基数"] == DuesBase.objects.count() > active.count()
    assert figures["党费交纳记录"] == DuesPayment.objects.count() > 8 * active.count()
    assert DuesBase.objects.filter(year=2026).count() >= 0.95 * active.count()
    # Every payment obeys the rules the services enforce.
    assert not DuesPayment.objects.filter(amount__lt=F("due_amount")).exists()
    for p in DuesPayment.objects.select_related("member", "consent"):
        if p.member.join_date:
            assert p.month >= rules.month_start(p.member.join_date)
        assert p.paid_on <= date(2026, 11, 25)
        if p.month > rules.month_start(p.paid_on):
            assert p.consent is not None and p.consent.covers(p.month, p.paid_on)
            assert p.month <= rules.quarter_end(p.paid_on)
    assert DuesConsent.objects.exists()
    assert DuesPayment.objects.filter(month=date(2026, 11, 1)).exists()  # some have paid this month
    # The watch has people at 4, 5 and 6 or more, the demo branch included.
    branch = Member.objects.get(user__username="demo-member").organization
    missed = months_without_dues(active.filter(organization=branch), date(2026, 11, 25))
    assert {4, 5} <= set(missed.values()) and max(missed.values()) >= 6
    assert figures["连续4个月未交"] > 0 and figures["连续5个月未交"] > 0 and figures["连续6个月及以上未交"] > 0
