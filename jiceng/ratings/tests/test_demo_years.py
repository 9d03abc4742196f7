"""The tiny demo county's two years of ratings (issue 13, item 11): points for every month of the
records' window, star reviews of its eight whole quarters, organization ratings of the last two
full years, both indices of last year and this year, and last year's weak organizations with a
year of rectification whose timeline follows the ledger's states. Dates are relative to the clock
(the demo takes "today" from it)."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.core.indices import FORTRESS
from jiceng.demo.context import RECORD_QUARTERS
from jiceng.demo.testing import tiny_demo
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES
from jiceng.ratings import rules
from jiceng.ratings.models import (
    FollowUp,
    IndexScore,
    MemberIndexScore,
    OrgRating,
    PointsClaim,
    PointsEntry,
    PointsMonth,
    RectificationEvent,
    StarDecision,
    StarReview,
    WeakOrganization,
)
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db
OUTPUT = io.StringIO()


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password="demo-test-2468", stdout=OUTPUT)


def _window():
    today = timezone.localdate()
    first = add_months(rules.quarter_start(today), -3 * RECORD_QUARTERS)
    months, month = [], first
    while month <= today:
        months.append(month)
        month = add_months(month, 1)
    return today, first, months


def _branches():
    return Organization.objects.filter(type__in=BRANCH_TYPES)


def test_each_app_says_how_long_it_took(tiny):
    text = OUTPUT.getvalue()
    for label in ("orgs, members", "life", "dues", "ratings", "ratings.points", "ratings.stars", "ANALYZE"):
        assert f"[{label}] 用时 " in text


def test_points_for_every_month_of_two_years(tiny):
    today, first, months = _window()
    assert len(months) >= 3 * RECORD_QUARTERS + 1
    active = set(Member.objects.filter(status__in=Member.ACTIVE_STATUSES).values_list("pk", flat=True))
    rows = defaultdict(set)
    for month, member_id in PointsMonth.objects.values_list("month", "member_id"):
        rows[month].add(member_id)
    assert set(rows) == set(months)
    for month in months:
        assert active <= rows[month], month
    # The records earn points in every whole month of the window (meetings and dues at least).
    earned = set(PointsEntry.objects.filter(points__gt=0).values_list("month", flat=True))
    assert set(months[:-1]) <= earned
    # Claims are spread over the window, not only the last months.
    claimed = set(PointsClaim.objects.values_list("on__year", "on__month"))
    assert {(m.year, m.month) for m in months} <= claimed


def test_star_reviews_of_eight_quarters(tiny):
    today, first, _ = _window()
    quarters = [add_months(first, 3 * n) for n in range(RECORD_QUARTERS)]
    branches = _branches().count()
    assert branches > 0
    by_quarter = defaultdict(list)
    for review in StarReview.objects.all():
        by_quarter[review.quarter].append(review)
    assert sorted(by_quarter) == quarters
    from django.contrib.auth import get_user_model

    demo_branch = get_user_model().objects.get(username="demo-branch").organization_id
    for quarter in quarters:
        reviews = by_quarter[quarter]
        assert len(reviews) == branches
        decided = [r for r in reviews if r.state == StarReview.State.DECIDED]
        if quarter == quarters[-1]:
            assert next(r for r in reviews if r.organization_id == demo_branch).state == StarReview.State.PROPOSED
        else:
            assert len(decided) == branches
        end = add_months(quarter, 3)
        for r in decided:  # dated some days after the quarter's end
            assert end <= timezone.localdate(r.decided_at) <= min(today, end + timedelta(days=20))
    # Stars held carry from quarter to quarter; a few decisions were changed with a reason and a
    # few overruled by the township, with a reason.
    assert StarDecision.objects.filter(review__quarter=quarters[-1], held_before=True).exists()
    assert not StarDecision.objects.filter(review__quarter=quarters[0], held_before=True).exists()
    changed = StarDecision.objects.exclude(decision=F("proposed"))
    assert changed.exists() and not changed.filter(reason="").exists()
    overruled = StarDecision.objects.exclude(overruled_by=None)
    assert overruled.exists() and not overruled.filter(overrule_reason="").exists()
    # The talks and warnings of the earlier quarters were held, before their deadline.
    earlier = FollowUp.objects.filter(review__quarter__lt=quarters[-1])
    assert earlier.exists() and not earlier.filter(done_on=None).exists()
    for f in earlier.select_related("review"):
        assert timezone.localdate(f.review.decided_at) <= f.done_on <= f.deadline


def test_ratings_and_indices_of_two_years(tiny):
    year = timezone.localdate().year
    branches = set(_branches().values_list("pk", flat=True))
    for rated in (year - 2, year - 1):
        ratings = OrgRating.objects.filter(year=rated)
        assert set(ratings.values_list("organization_id", flat=True)) == branches
        for rating in ratings:
            assert rating.stars == rules.count_stars(rating.items)
    assert not OrgRating.objects.filter(year=year - 2).exclude(state=OrgRating.State.CONFIRMED).exists()
    for indexed in (year - 1, year):
        assert (
            set(IndexScore.objects.filter(index=FORTRESS, year=indexed).values_list("organization_id", flat=True))
            == branches
        )
        assert MemberIndexScore.objects.filter(year=indexed).exists()


def test_last_years_weak_organizations_have_a_year_of_rectification(tiny):
    today = timezone.localdate()
    ledgers = list(WeakOrganization.objects.filter(year=today.year - 1).prefetch_related("events", "tasks"))
    assert ledgers
    labels = {label: value for value, label in WeakOrganization.State.choices}
    for weak in ledgers:
        designated = timezone.localdate(weak.created_at)
        assert designated.year == today.year - 1 and (today - designated).days >= 330
        events = sorted(weak.events.all(), key=lambda e: (e.at, e.pk))
        assert events[0].kind == RectificationEvent.Kind.STATE and events[0].text.startswith("确定为软弱涣散党组织")
        assert timezone.localdate(events[0].at) == designated
        assert (timezone.localdate(events[-1].at) - designated).days >= 270  # spread over the year
        # The state events replay the ledger's moves, ending in its state.
        state = rules.DESIGNATED
        for e in events[1:]:
            if e.kind == RectificationEvent.Kind.STATE:
                to = labels[e.text.split("：")[0]]
                assert (state, to) in rules.MOVES
                state = to
        assert state == weak.state
        assert any(e.kind == RectificationEvent.Kind.NOTE for e in events)
        tasks = list(weak.tasks.all())
        assert tasks and all(designated <= timezone.localdate(t.created_at) <= t.deadline for t in tasks)
        if weak.state in (rules.APPLIED, rules.ACCEPTED):
            assert all(t.done_on is not None and t.done_on <= today for t in tasks)
        if weak.state == rules.ACCEPTED:
            assert weak.closed_on is not None and designated < weak.closed_on <= today
