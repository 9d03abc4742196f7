from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from jiceng.conftest import client_for
from jiceng.core.models import Notification
from jiceng.core.notifications import notify, notify_organization, unread_count


@pytest.mark.django_db
def test_notify_is_idempotent_by_key(county):
    n1, new1 = notify(county.secretary_a, kind="t", title="主题党日提醒", key="k1")
    n2, new2 = notify(county.secretary_a, kind="t", title="主题党日提醒", key="k1")
    assert new1 and not new2 and n1.pk == n2.pk
    assert Notification.objects.filter(recipient=county.secretary_a).count() == 1


@pytest.mark.django_db
@override_settings(JICENG_EMAIL_ENABLED=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_email_where_configured_and_only_once(county):
    county.secretary_a.email = "sec@example.org"
    county.secretary_a.save()
    notify_organization(county.branch_a, kind="t", title="委员会会议未开", key="k2", body="本月尚未召开")
    notify_organization(county.branch_a, kind="t", title="委员会会议未开", key="k2", body="本月尚未召开")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sec@example.org"]
    assert "委员会会议未开" in mail.outbox[0].subject
    assert Notification.objects.get(key="k2").emailed_at is not None


@pytest.mark.django_db
def test_no_email_without_mail_server(county):
    county.secretary_a.email = "sec@example.org"
    county.secretary_a.save()
    notify(county.secretary_a, kind="t", title="x", key="k3")
    assert mail.outbox == []


@pytest.mark.django_db
def test_notification_page_shows_only_own_and_marks_read(county):
    notify(county.secretary_a, kind="t", title="甲镇的提醒", key="a")
    notify(county.admin_b, kind="t", title="乙乡秘密提醒", key="b")
    c = client_for(county.secretary_a)
    html = c.get(reverse("core:notifications")).content.decode()
    assert "甲镇的提醒" in html and "乙乡秘密提醒" not in html
    assert 'data-unread="1"' in html
    other = Notification.objects.get(key="b")
    c.post(reverse("core:notifications_read"), {"id": other.pk})  # someone else's: untouched
    assert Notification.objects.get(key="b").read_at is None
    c.post(reverse("core:notifications_read"))
    assert unread_count(county.secretary_a) == 0
