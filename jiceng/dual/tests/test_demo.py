"""The dual-registration part of the demo county (tiny scale)."""

import pytest
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.dual.models import DualRegistrationRecord
from jiceng.members.models import Member

pytestmark = pytest.mark.django_db


def test_demo_has_registrations_and_service_projects_that_fit_them():
    result = tiny_demo(3, password="demo-test-2468")
    today = timezone.localdate()
    figures = dict(dict(result["apps"])["dual"])
    registered = Member.objects.filter(registered_community__isnull=False, status__in=["full", "probationary"])
    assert figures["到社区报到的在职党员"] == registered.count() > 0
    assert not registered.filter(registered_on__isnull=True).exists()
    # Dual registration: dates and records fit the registration.
    records = DualRegistrationRecord.objects.select_related("member")
    assert records.exists() and figures["双报到服务项目记录"] == records.count()
    for r in records:
        assert r.year == r.on.year and r.on >= r.member.registered_on and r.on <= today
