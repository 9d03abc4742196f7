from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from jiceng.core.models import Notification
from jiceng.core.notifications import notify, notify_organization, unread_count
from jiceng.testing import client_for


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


@pytest.mark.django_db
@override_settings(JICENG_EMAIL_ENABLED=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_notices_about_lower_organizations_roll_up_into_one_digest_a_day(county):
    """Issue 11 item 14: a county admin got one notice per village per overdue wish (422 unread)."""
    import time_machine

    from jiceng.core.notifications import Digest

    county.county_admin.email = "county@example.org"
    county.county_admin.save()
    digest = Digest("wishes:overdue:fulfil", "下级组织：认领的微心愿超期未完成", "/wishes/?figure=overdue")
    with time_machine.travel("2026-12-07 09:00 +0800", tick=False):
        for n in range(5):
            org = county.branch_a if n % 2 else county.branch_b
            notify(county.county_admin, kind="wishes", title=f"心愿{n}", key=f"w{n}", org_path=org.path, digest=digest)
        notify(
            county.county_admin, kind="wishes", title="心愿0", key="w0", org_path=county.branch_b.path, digest=digest
        )
        # About the county itself: an ordinary notice.
        notify(
            county.county_admin, kind="wishes", title="本级事项", key="own", org_path=county.root.path, digest=digest
        )
        assert unread_count(county.county_admin) == 2
        html = client_for(county.county_admin).get(reverse("core:notifications")).content.decode()
        assert "认领的微心愿超期未完成（今日 5 条）" in html and "/wishes/?figure=overdue" in html
        assert "心愿3" not in html
        assert len(mail.outbox) == 2  # the digest once, the own notice once
        client_for(county.county_admin).post(reverse("core:notifications_read"))
        notify(
            county.county_admin, kind="wishes", title="心愿9", key="w9", org_path=county.branch_a.path, digest=digest
        )
        assert unread_count(county.county_admin) == 1  # a new item reopens the day's digest
        assert Notification.objects.get(key="digest:wishes:overdue:fulfil:20261207").item_count == 6
    with time_machine.travel("2026-12-08 09:00 +0800", tick=False):
        notify(
            county.county_admin, kind="wishes", title="心愿10", key="w10", org_path=county.branch_a.path, digest=digest
        )
        assert Notification.objects.filter(recipient=county.county_admin, key__startswith="digest:").count() == 2
    # The secretary of the branch itself still gets each notice on its own.
    notify(
        county.secretary_a, kind="wishes", title="本支部心愿", key="s1", org_path=county.branch_a.path, digest=digest
    )
    assert Notification.objects.get(recipient=county.secretary_a, key="s1").digest is None
