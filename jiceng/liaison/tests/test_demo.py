"""The demo county's liaison and wish data agree with their own figures and with the request
system (tiny scale)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.liaison import queries as liaison_queries
from jiceng.liaison.models import Problem, Representative, ServiceTeam
from jiceng.orgs.models import Organization
from jiceng.requests.models import Request
from jiceng.wishes import queries as wish_queries
from jiceng.wishes.models import Wish

pytestmark = pytest.mark.django_db


def test_demo_figures_are_consistent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    result = tiny_demo(3, password="demo-test-2468")
    figures = dict(next(f for label, f in result["apps"] if label == "liaison"))
    root = Organization.objects.get(parent__isnull=True)
    admin = get_user_model().objects.get(username="demo-county")
    today = timezone.localdate()
    f = liaison_queries.figures(admin, root, today - timedelta(days=3 * 366), today)  # the whole window
    assert f.representatives == figures["党代表"] == Representative.objects.filter(is_active=True).count()
    assert (
        ServiceTeam.objects.count()
        == Organization.objects.filter(parent=root, domain__in=["rural", "community"]).count()
    )
    assert f.solved + f.passed + f.pending == f.problems == figures["收集问题"]
    # Every problem passed on is a request of the liaison channel, and the other way round.
    assert f.passed == figures["转为群众诉求"] == Request.objects.filter(channel="liaison").count() > 0
    assert not Problem.objects.filter(outcome="passed", request__isnull=True).exists()
    # The demo member is a representative with visits, and has claimed wishes.
    member = get_user_model().objects.get(username="demo-member").member
    assert member.representative_records.get().visits.exists()
    assert Wish.objects.filter(claimed_member=member).exists()
    w = wish_queries.figures(admin, root, None, None)
    assert w.collected == Wish.objects.count()
    assert w.pending + w.pooled + w.claimed + w.rejected + w.withdrawn == w.collected
    assert w.by_member + w.by_party_org + w.by_social_org == w.claimed
    assert {s for s in Wish.objects.values_list("state", flat=True)} == {
        "posted",
        "pooled",
        "claimed",
        "fulfilled",
        "confirmed",
        "rejected",
        "withdrawn",
    }
