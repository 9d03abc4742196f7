"""The tiny demo county's posts and pledges (generated in March 2027, so that January and February
count post duties and pledges from their records): every branch has its posts, holders are the
branch's members within the posts' places, each fulfilment record belongs to a month the holder
was on the post, checked pledges are past their date, and every ledger line of the two sources
names a confirmed record of its member."""

from __future__ import annotations

from collections import Counter

import pytest
import time_machine

from jiceng.core.tree import path_upper_bound
from jiceng.demo.testing import tiny_demo
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES
from jiceng.ratings.models import Pledge, PointsEntry, Post, PostDuty, PostHolding
from jiceng.ratings.points_sources import PLEDGE_KEPT, POST_DUTY


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with time_machine.travel("2027-03-10 10:00 +0800"), transaction.atomic():
            yield tiny_demo(3, password="demo-test-2468")
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_branch_has_posts_and_holders_within_their_places(demo):
    branches = Organization.objects.filter(type__in=BRANCH_TYPES)
    per_branch = Counter(Post.objects.values_list("organization_id", flat=True))
    assert branches.exists() and all(per_branch[b.pk] == 3 for b in branches)
    active = Counter(PostHolding.objects.filter(state=PostHolding.State.ACTIVE).values_list("post_id", flat=True))
    for post in Post.objects.select_related("organization"):
        assert active[post.pk] <= post.capacity
    for h in PostHolding.objects.select_related("post__organization", "member__organization"):
        top = h.post.organization.path
        assert top <= h.member.organization.path < path_upper_bound(top)
    assert PostHolding.objects.filter(state=PostHolding.State.REQUESTED).exists()
    for d in PostDuty.objects.select_related("holding"):
        assert d.holding.held_in(d.month)
        assert (d.state == PostDuty.State.LOGGED) == (d.confirmed_on is None)


@pytest.mark.django_db
def test_ledger_lines_of_posts_and_pledges_name_confirmed_records(demo):
    fulfilled = dict(PostDuty.objects.filter(state=PostDuty.State.FULFILLED).values_list("pk", "holding__member_id"))
    kept = dict(
        Pledge.objects.filter(state__in=(Pledge.State.FULFILLED, Pledge.State.PARTLY)).values_list("pk", "member_id")
    )
    duty_lines = list(PointsEntry.objects.filter(source=POST_DUTY).values_list("record_id", "member_id", "month"))
    pledge_lines = list(PointsEntry.objects.filter(source=PLEDGE_KEPT).values_list("record_id", "member_id"))
    assert duty_lines and pledge_lines
    for record_id, member_id, month in duty_lines:
        assert fulfilled[record_id] == member_id and month.year == 2027
    for record_id, member_id in pledge_lines:
        assert kept[record_id] == member_id
    for p in Pledge.objects.exclude(state=Pledge.State.PLEDGED):
        assert p.due <= p.checked_on
        assert p.checked_on.year == p.year


@pytest.mark.django_db
def test_the_demo_stores_every_active_members_vanguard_index(demo):
    from jiceng.core.indices import VANGUARD
    from jiceng.members.models import Member
    from jiceng.ratings.models import MemberIndexScore

    stored = MemberIndexScore.objects.filter(index=VANGUARD, year=2027)
    assert stored.count() == Member.objects.filter(status__in=Member.ACTIVE_STATUSES).count()
    assert stored.exclude(value=None).exists()
