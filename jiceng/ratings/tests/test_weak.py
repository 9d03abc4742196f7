"""Weak organizations: the proposal is the county's share (10% of 20 is 2, rounded up) from the
organizations rated one star or none and the bottom of the stored fortress index, the county designates with a reason, the ledger moves designated →
rectifying → applied → accepted with the rules of who may do what, tasks must be done before
applying, an extension needs a later deadline, and the timeline is append-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiceng.core.indices import FORTRESS
from jiceng.orgs.services import create_organization
from jiceng.ratings import rules, services
from jiceng.ratings.models import IndexScore, OrgChecklist, OrgRating, RectificationEvent, WeakOrganization
from jiceng.testing import client_for

TODAY = "2026-11-20 10:00 +0800"


def test_proposal_size():
    assert rules.proposal_size(20, 10) == 2
    assert rules.proposal_size(10, 10) == 1
    assert rules.proposal_size(25, 10) == 3
    assert rules.proposal_size(3, 10) == 1
    assert rules.proposal_size(0, 10) == 0


# ---- the rule, pure: rating first, then the index; the size is the share of those judged ------


def _c(key, index=None, stars=None):
    return rules.WeakCandidate(key, f"{key:04d}", None if index is None else D(index), stars)


def _proposed(candidates, share=10):
    return [(c.key, why) for c, why in rules.weak_proposal(candidates, share)]


def test_rule_without_ratings_is_the_bottom_of_the_index():
    twenty = [_c(n, 50 + n) for n in range(20)]
    assert _proposed(twenty) == [(0, rules.BY_INDEX), (1, rules.BY_INDEX)]
    assert _proposed([_c(n, 50 + n) for n in range(21)]) == [(0, "index"), (1, "index"), (2, "index")]  # 2.1 → 3


def test_rule_one_star_is_weak_two_stars_is_not():
    twenty = [_c(n, 50 + n) for n in range(20)]
    twenty[19] = _c(19, 69, stars=rules.WEAK_STARS)  # the best index, but one star
    twenty[18] = _c(18, 68, stars=rules.WEAK_STARS + 1)  # two stars: judged by its index
    assert _proposed(twenty) == [(19, rules.BY_RATING), (0, rules.BY_INDEX)]


def test_rule_more_low_ratings_than_the_share_takes_the_fewest_stars_then_the_lowest_index():
    rows = [_c(n, 50 + n, stars=1) for n in range(10)] + [_c(10, 99, stars=0), _c(11, 40)]
    assert _proposed(rows, share=20) == [(10, "rating"), (0, "rating"), (1, "rating")]  # 12 × 20% → 3


def test_rule_equal_indices_fewer_stars_first_and_the_unjudged_are_not_counted():
    rows = [_c(1, 60, stars=4), _c(2, 60, stars=2), _c(3, 60), _c(4, 80, stars=5)]
    assert _proposed(rows, share=50) == [(2, "index"), (1, "index")]
    # Neither an index nor a rating: not counted in the share, never proposed.
    assert _proposed(rows + [_c(n) for n in range(5, 40)], share=50) == [(2, "index"), (1, "index")]
    # Rated two stars or more without an index: counted, but nothing says it is weak.
    rated_only = [_c(n, stars=3) for n in range(10, 20)]
    assert _proposed([_c(n, 50 + n) for n in range(10)] + rated_only) == [(0, "index"), (1, "index")]  # 20 → 2
    assert _proposed(rated_only) == []
    assert _proposed([_c(1, stars=0)]) == [(1, "rating")]


@pytest.fixture
def twenty(county):
    """Twenty branches under township 甲 with stored indices 50, 51, …, 69."""
    with time_machine.travel(TODAY):
        branches = [
            create_organization(
                None, parent=county.village_a, code=f"W{n:02d}", name=f"测试第{n}支部", type="branch", domain="rural"
            )
            for n in range(20)
        ]
        now = timezone.now()
        for n, b in enumerate(branches):
            IndexScore.objects.create(
                index=FORTRESS, organization=b, year=2026, value=D(50 + n), computed_at=now, parts=[]
            )
        yield branches


def test_the_bottom_ten_percent_is_proposed(county, twenty):
    with time_machine.travel(TODAY):
        rows = services.propose_weak(county.county_admin, county.town_a, 2026)
    assert [r.organization.pk for r in rows] == [twenty[0].pk, twenty[1].pk]
    assert "堡垒指数 50" in rows[0].reason


def test_designation_and_the_ledger_from_start_to_close_out(county, twenty):
    target = twenty[0]
    with time_machine.travel(TODAY):
        with pytest.raises(PermissionDenied):
            services.designate_weak(county.admin_a, target, year=2026, reason="x", leader="y")
        with pytest.raises(ValidationError):
            services.designate_weak(county.county_admin, target, year=2026, reason="", leader="y")
        weak = services.designate_weak(
            county.county_admin,
            target,
            year=2026,
            reason="堡垒指数排名末位",
            leader="县委常委 张书记",
            weak_economy=True,
        )
        assert weak.deadline == date(2027, 11, 20) and weak.state == "designated"
        with pytest.raises(ValidationError, match="已确定"):
            services.designate_weak(county.county_admin, target, year=2026, reason="x", leader="y")
        services.move_weak(county.admin_a, weak, rules.RECTIFYING)
        with pytest.raises(ValidationError, match="没有整顿任务"):
            services.move_weak(county.admin_a, weak, rules.APPLIED)
        task = services.add_task(
            county.admin_a, weak, measure="配强班子", owner="镇党委 李委员", deadline=date(2026, 12, 31)
        )
        with pytest.raises(ValidationError, match="未完成"):
            services.move_weak(county.admin_a, weak, rules.APPLIED)
        services.complete_task(county.admin_a, task, done_on=date(2026, 11, 19), result="已选优配强书记")
        services.move_weak(county.admin_a, weak, rules.APPLIED)
        with pytest.raises(PermissionDenied):  # acceptance is the county's
            services.move_weak(county.admin_a, weak, rules.ACCEPTED, reason="x")
        with pytest.raises(ValidationError):
            services.move_weak(county.county_admin, weak, rules.ACCEPTED)
        with pytest.raises(ValidationError, match="不能改为"):
            services.move_weak(county.county_admin, weak, rules.DESIGNATED)
        services.add_event(county.admin_a, weak, kind="interview", text="约谈原书记")
        with pytest.raises(PermissionDenied):  # the branch does not record its own interview
            services.add_event(county.secretary_a, WeakOrganization.objects.get(pk=weak.pk), kind="interview", text="x")
        weak = services.move_weak(county.county_admin, weak, rules.ACCEPTED, reason="验收合格")
        assert weak.state == "accepted" and weak.closed_on == date(2026, 11, 20)
        kinds = list(weak.events.values_list("kind", flat=True))
        assert kinds.count("state") == 4 and "interview" in kinds
        with pytest.raises(ValidationError):
            weak.events.first().delete()


def test_extension_needs_a_later_deadline(county, twenty):
    with time_machine.travel(TODAY):
        weak = services.designate_weak(county.county_admin, twenty[1], year=2026, reason="r", leader="l")
        services.move_weak(county.admin_a, weak, rules.RECTIFYING)
        with pytest.raises(ValidationError, match="延期"):
            services.move_weak(county.county_admin, weak, rules.EXTENDED, reason="r", deadline=date(2027, 1, 1))
        weak = services.move_weak(county.county_admin, weak, rules.EXTENDED, reason="基础差", deadline=date(2028, 3, 1))
        assert weak.deadline == date(2028, 3, 1)


def test_pages(county, twenty):
    with time_machine.travel(TODAY):
        c = client_for(county.county_admin)
        page = c.get(reverse("ratings:weak"), {"org": county.town_a.pk, "year": 2026}).content.decode()
        assert (
            "建议名单" in page
            and "测试第0支部" in page
            and "测试第5支部" not in page.split("建议名单")[1].split("确定名单外")[0]
        )
        response = c.post(
            reverse("ratings:weak_designate"),
            {"org": county.town_a.pk, "year": 2026, "organization": twenty[0].pk, "reason": "末位", "leader": "张书记"},
        )
        weak = WeakOrganization.objects.get(organization=twenty[0])
        assert response["Location"] == reverse("ratings:weak_detail", args=[weak.pk]) and weak.proposed
        township = client_for(county.admin_a)
        township.post(
            reverse("ratings:weak_task", args=[weak.pk]),
            {"measure": "整顿软弱班子", "owner": "王委员", "deadline": "2026-12-20"},
        )
        detail = township.get(reverse("ratings:weak_detail", args=[weak.pk])).content.decode()
        assert "整顿软弱班子" in detail and "约谈书记" in detail
        listing = township.get(reverse("ratings:weak"), {"year": 2026}).content.decode()
        assert "测试第0支部" in listing and "建议名单" not in listing  # the proposal is the county's
        assert RectificationEvent.objects.filter(weak=weak).count() == 1


def test_api_gives_the_ledgers_and_the_index(county, twenty):
    with time_machine.travel(TODAY):
        weak = services.designate_weak(county.county_admin, twenty[0], year=2026, reason="末位", leader="张书记")
        services.add_task(county.admin_a, weak, measure="配强班子", owner="李委员", deadline=date(2026, 12, 31))
        c = client_for(county.admin_a)
        data = c.get(reverse("ratings-weak"), {"year": 2026}).json()
        rows = data["results"] if isinstance(data, dict) else data
        (row,) = rows
        assert row["organization_name"] == "测试第0支部" and row["tasks"][0]["measure"] == "配强班子"
        index = c.get(reverse("ratings-fortress"), {"year": 2026}).json()
        assert index["count"] >= 20  # every branch of the subtree, 50 a page
        top = index["results"][0]
        assert top["organization_name"] == "测试第19支部" and top["rank"] == 1
        assert client_for(county.admin_b).get(reverse("ratings-weak"), {"year": 2026}).json() in (
            [],
            {"count": 0, "next": None, "previous": None, "results": []},
        )


# ---- the proposal reads the ratings too ----------------------------------------------------------


def _rate(org, year, stars, state=OrgRating.State.CONFIRMED):
    checklist = OrgChecklist.objects.filter(kind="five_strong", valid_from__lte=year).order_by("-valid_from").first()
    items = [
        {"code": f"s{i}i1", "standard": f"s{i}", "standard_name": s["name"], "passed": i <= stars}
        for i, s in enumerate(checklist.standards, start=1)
    ]
    return OrgRating.objects.create(
        organization=org,
        year=year,
        checklist=checklist,
        items=items,
        stars=stars,
        state=state,
        computed_at=timezone.now(),
    )


def test_a_one_star_rating_is_proposed_first_with_both_reasons(county, twenty):
    with time_machine.travel(TODAY):
        _rate(twenty[19], 2026, 1)  # the best index of the twenty
        _rate(twenty[0], 2026, 4)
        _rate(twenty[1], 2026, 0, state=OrgRating.State.PROPOSED)  # not confirmed: not read
        rows = services.propose_weak(county.county_admin, county.town_a, 2026)
    assert [(r.organization.pk, r.why, r.stars) for r in rows] == [
        (twenty[19].pk, "rating", 1),
        (twenty[0].pk, "index", 4),
    ]
    first, second = rows
    assert first.reason.startswith("入选依据：星级评定1星及以下。2026年堡垒指数 69.0，排名第 1/20")
    assert first.reason.endswith("2026年星级评定 1 星，未达标准：党员队伍强、制度机制强、发展能力强、服务群众强")
    assert second.reason.startswith("入选依据：堡垒指数排名靠后。2026年堡垒指数 50")
    assert "星级评定 4 星，未达标准：服务群众强" in second.reason


def test_without_confirmed_ratings_of_the_year_the_latest_earlier_year_is_read_and_named(county, twenty):
    with time_machine.travel(TODAY):
        _rate(twenty[10], 2025, 0)
        _rate(twenty[11], 2024, 1)  # an older year: not read
        rows = services.propose_weak(county.county_admin, county.town_a, 2026)
        assert [r.organization.pk for r in rows] == [twenty[10].pk, twenty[0].pk]
        assert "2025年（2026年尚未确认评定）星级评定 0 星" in rows[0].reason
        assert rows[1].stars is None and "星级评定：未评定" in rows[1].reason
        # The page shows the rating beside the index, and its queries do not grow with the rows.
        c = client_for(county.county_admin)
        with CaptureQueriesContext(connection) as few:
            page = c.get(reverse("ratings:weak"), {"org": county.town_a.pk, "year": 2026}).content.decode()
        proposal = page.split("建议名单：")[1].split("确定名单外")[0]
        assert f'data-proposed="{twenty[10].pk}" data-why="rating"' in proposal and 'data-stars="0"' in proposal
        assert "（2025年）" in proposal and "未评定" in proposal
        now = timezone.now()
        more = [
            create_organization(
                None, parent=county.village_a, code=f"X{n:02d}", name=f"增补第{n}支部", type="branch", domain="rural"
            )
            for n in range(20)
        ]
        for n, b in enumerate(more):
            IndexScore.objects.create(
                index=FORTRESS, organization=b, year=2026, value=D(30 + n), computed_at=now, parts=[]
            )
            _rate(b, 2025, n % 3)
        with CaptureQueriesContext(connection) as many:
            page = c.get(reverse("ratings:weak"), {"org": county.town_a.pk, "year": 2026}).content.decode()
        assert page.count("data-proposed=") == 4 and len(many) == len(few)
