"""Weak organizations: the proposal is the bottom share of the stored fortress index (10% of 20
is 2, rounded up), the county designates with a reason, the ledger moves designated →
rectifying → applied → accepted with the rules of who may do what, tasks must be done before
applying, an extension needs a later deadline, and the timeline is append-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jiceng.core.indices import FORTRESS
from jiceng.orgs.services import create_organization
from jiceng.ratings import rules, services
from jiceng.ratings.models import IndexScore, RectificationEvent, WeakOrganization
from jiceng.testing import client_for

TODAY = "2026-11-20 10:00 +0800"


def test_proposal_size():
    assert rules.proposal_size(20, 10) == 2
    assert rules.proposal_size(10, 10) == 1
    assert rules.proposal_size(25, 10) == 3
    assert rules.proposal_size(3, 10) == 1
    assert rules.proposal_size(0, 10) == 0


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
