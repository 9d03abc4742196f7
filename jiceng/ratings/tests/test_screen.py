"""The ratings card of the command screen (考核评价): members by the stars they ended the last
whole quarter with, the year's fortress index in bands with the next level ranked, the year's weak
organizations, and the trend by quarter — every count opens a list of exactly as many, in a fixed
number of queries, and an outsider's subtree stays out of it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiceng.core.indices import FORTRESS
from jiceng.members.models import Member
from jiceng.orgs.services import create_organization
from jiceng.ratings import queries, rules, services
from jiceng.ratings.models import IndexScore, StarDecision
from jiceng.ratings.testing import meeting
from jiceng.testing import add_member, client_for

TODAY = "2026-10-20 10:00 +0800"  # the last whole quarter is Q3 2026
Q3 = date(2026, 7, 1)


@pytest.fixture
def screen(county):
    with time_machine.travel(TODAY):
        slacker = add_member(county.branch_a, "钱六")
        for day in (date(2026, 7, 5), date(2026, 8, 5), date(2026, 9, 5)):
            meeting(county.secretary_a, county.branch_a, day, absent=[slacker], topic=f"{day.month}月党员大会")
        for month in rules.quarter_months(Q3):
            services.recompute_month(month)
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        services.decide_review(county.secretary_a, review, {})
        # Township 乙 reviews too: it must not show in 甲's card.
        review_b = services.propose_review(county.admin_b, county.branch_b, Q3)
        services.decide_review(county.admin_b, review_b, {})
        branches = [
            create_organization(
                None, parent=county.village_a, code=f"S{n}", name=f"指数{n}支部", type="branch", domain="rural"
            )
            for n in range(4)
        ]
        now = timezone.now()
        for b, value in zip(branches, (D(95), D(85), D(70), D(50)), strict=True):
            IndexScore.objects.create(index=FORTRESS, organization=b, year=2026, value=value, computed_at=now, parts=[])
        IndexScore.objects.create(index=FORTRESS, organization=county.branch_b, year=2026, value=D(99), computed_at=now)
        weak = services.designate_weak(county.county_admin, branches[3], year=2026, reason="末位", leader="张书记")
        services.add_task(county.admin_a, weak, measure="配强班子", owner="李委员", deadline=date(2026, 10, 31))
        closed = services.designate_weak(county.county_admin, branches[2], year=2026, reason="末位", leader="王书记")
        services.move_weak(county.admin_a, closed, rules.RECTIFYING)
        task = services.add_task(county.admin_a, closed, measure="建章立制", owner="王委员", deadline=date(2026, 10, 1))
        services.complete_task(county.admin_a, task, done_on=date(2026, 10, 20), result="已建立")
        services.move_weak(county.admin_a, closed, rules.APPLIED)
        services.move_weak(county.county_admin, closed, rules.ACCEPTED, reason="验收合格")
        services.designate_weak(county.county_admin, county.branch_b, year=2026, reason="乙乡", leader="赵书记")
    return {"slacker": slacker, "branches": branches, "weak": weak, "closed": closed}


def _card(user, org, day="2026-11-05 10:00 +0800"):
    with time_machine.travel(day):
        c = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            page = c.get(reverse("ratings:overview_panel"), {"org": org.pk}).content.decode()
    return page, len(captured)


def test_every_count_of_the_card_opens_a_list_of_as_many(county, screen):
    page, n_queries = _card(county.admin_a, county.town_a)
    links = re.findall(r'<a href="([^"]+)" data-count="(\d+)" data-figure="([^"]+)"', page)
    figures = {figure: int(count) for _, count, figure in links}
    assert figures["index-good"] == figures["index-fair"] == figures["index-pass"] == figures["index-poor"] == 1
    assert figures["weak-total"] == 2 and figures["weak-late"] == 1 and figures["weak-accepted"] == 1
    reviewed_a = (
        StarDecision.objects.filter(review__organization=county.branch_a).values("member").order_by().distinct().count()
    )
    assert reviewed_a >= 2
    assert sum(v for k, v in figures.items() if k.startswith("stars-")) == reviewed_a  # not 乙's members
    with time_machine.travel("2026-11-05 10:00 +0800"):
        c = client_for(county.admin_a)
        for href, count, figure in links:
            listed = c.get(href.replace("&amp;", "&")).content.decode()
            assert set(re.findall(r'data-list-count="(\d+)"', listed)) == {count}, (figure, href)
    assert n_queries <= 24


def test_the_card_reads_a_fixed_number_of_queries_whatever_the_subtree(county, screen):
    _, before = _card(county.admin_a, county.town_a)
    with time_machine.travel(TODAY):
        for n in range(4, 10):
            b = create_organization(
                None, parent=county.village_a, code=f"S{n}", name=f"指数{n}支部", type="branch", domain="rural"
            )
            IndexScore.objects.create(
                index=FORTRESS, organization=b, year=2026, value=D(60 + n), computed_at=timezone.now()
            )
            add_member(b, f"党员{n}")
    _, after = _card(county.admin_a, county.town_a)
    assert after == before


def test_stars_distribution_and_trend_match_the_decisions(county, screen):
    counts = queries.member_star_distribution(county.town_a, Q3)
    reviewed = list(
        StarDecision.objects.filter(review__organization=county.branch_a)
        .values_list("member", flat=True)
        .order_by()
        .distinct()
    )
    held = services.stars_held(reviewed)
    expected = [0] * len(counts)
    for member_id in reviewed:
        expected[len(held.get(member_id, ()))] += 1
    assert counts == expected and sum(counts) == len(reviewed)
    ((q, average, share),) = queries.star_trend(county.town_a, [Q3])
    in_town_a = Member.objects.filter(county.town_a.subtree_filter("organization__")).values_list("pk", flat=True)
    months = queries.months_of_members(in_town_a, 2026)
    total = sum(v for m in months.values() for k, v in m.items() if 7 <= k <= 9)
    members = sum(1 for m in months.values() if any(7 <= k <= 9 for k in m))
    assert average == (total / members).quantize(D("0.1"))
    assert share == (D(100) * counts[-1] / sum(counts)).quantize(D("0.1"))


def test_fortress_band_filter_keeps_the_ranks_of_the_subtree(county, screen):
    with time_machine.travel("2026-11-05 10:00 +0800"):
        page = (
            client_for(county.admin_a)
            .get(reverse("ratings:fortress"), {"org": county.town_a.pk, "year": 2026, "band": "pass"})
            .content.decode()
        )
    assert "指数2支部" in page and "指数0支部" not in page
    assert re.search(rf'data-org="{screen["branches"][2].pk}"><td>3</td>', page)


def test_an_outsider_cannot_open_the_card_or_the_star_lists(county, screen):
    with time_machine.travel("2026-11-05 10:00 +0800"):
        c = client_for(county.admin_b)
        assert c.get(reverse("ratings:overview_panel"), {"org": county.town_a.pk}).status_code in (403, 404)
        assert c.get(reverse("ratings:star_members"), {"org": county.town_a.pk, "stars": 2}).status_code in (403, 404)
