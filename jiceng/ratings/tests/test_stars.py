"""Member stars (评星定级): the quarter's proposal from the points of each star's category, the
branch's decision (a change needs a reason), the township's overruling, the history that the
next quarter starts from, and talks or warnings for members left with three stars or fewer."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.ratings import rules, services
from jiceng.ratings.models import FollowUp, Star, StarDecision, StarReview
from jiceng.ratings.testing import item, meeting
from jiceng.testing import add_member

Q3 = date(2026, 7, 1)


@pytest.fixture
def quarter(county):
    """Q3 2026 of branch 甲: 张三 at three meetings and a good deed; 钱六 at none."""
    with time_machine.travel("2026-10-08 10:00 +0800"):
        slacker = add_member(county.branch_a, "钱六")
        for day in (date(2026, 7, 5), date(2026, 8, 5), date(2026, 9, 5)):
            meeting(county.secretary_a, county.branch_a, day, absent=[slacker], topic=f"{day.month}月党员大会")
        claim = services.submit_claim(
            county.member_user,
            member=county.member_a,
            item=item("good_deed", Q3),
            on=date(2026, 8, 9),
            note="扶老人过马路",
        )
        services.decide_claim(county.secretary_a, claim, approve=True)
        for month in rules.quarter_months(Q3):
            services.recompute_month(month)
        yield {"slacker": slacker}


def decisions(review, member):
    return {d.star.code: d for d in review.decisions.filter(member=member).select_related("star")}


def test_proposal_follows_the_points_of_each_category(county, quarter):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
    mine = decisions(review, county.member_a)
    study = Star.objects.get(code="study")
    assert mine["study"].points == 3 * item("life", Q3).points >= study.threshold
    assert mine["study"].proposed == "grant" and mine["service"].proposed == "grant"
    assert mine["dedication"].proposed == "none"
    slack = decisions(review, quarter["slacker"])
    assert slack["study"].proposed == "none" and slack["discipline"].points < 0
    # Every proposal is the rule applied to the points shown beside it.
    for d in review.decisions.select_related("star"):
        assert d.proposed == rules.star_proposal(d.points, d.star.threshold, d.held_before)


def test_branch_decides_changes_need_a_reason_and_few_stars_get_a_talk(county, quarter):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        dedication = decisions(review, county.member_a)["dedication"]
        with pytest.raises(ValidationError, match="理由"):
            services.decide_review(county.secretary_a, review, {dedication.pk: ("grant", "")})
        with pytest.raises(ValidationError, match="只能授予或不授予"):
            services.decide_review(county.secretary_a, review, {dedication.pk: ("keep", "x")})
        with pytest.raises(PermissionDenied):
            services.decide_review(county.admin_b, review, {})
        services.decide_review(county.secretary_a, review, {dedication.pk: ("grant", "带头参加修路")})
        review.refresh_from_db()
        assert review.state == "decided"
        with pytest.raises(ValidationError, match="已评定"):
            services.decide_review(county.secretary_a, review, {})
        held = services.stars_held([county.member_a.pk])[county.member_a.pk]
        assert {s.code for s in Star.objects.filter(pk__in=held)} == {"study", "service", "dedication"}
        talk = FollowUp.objects.get(review=review, member=county.member_a)
        assert talk.kind == "talk" and talk.stars == 3 and talk.deadline == date(2026, 11, 7)
        warning = FollowUp.objects.get(review=review, member=quarter["slacker"])
        assert warning.kind == "warning" and warning.stars == 0


def test_the_township_overrules_the_branch_cannot(county, quarter):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        services.decide_review(county.secretary_a, review, {})
        service = decisions(review, county.member_a)["service"]
        with pytest.raises(PermissionDenied):
            services.overrule(county.secretary_a, service, action="remove", reason="x")
        with pytest.raises(ValidationError):
            services.overrule(county.admin_a, service, action="none", reason="")
        services.overrule(county.admin_a, service, action="none", reason="好人好事证明材料不实")
        service.refresh_from_db()
        assert service.final == "none" and service.decision == "grant" and service.overruled_by == county.admin_a
        held = services.stars_held([county.member_a.pk])[county.member_a.pk]
        assert Star.objects.get(code="service").pk not in held
        assert FollowUp.objects.get(review=review, member=county.member_a).stars == 1


def test_next_quarter_starts_from_the_stars_held_and_proposes_removal(county, quarter):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        services.decide_review(county.secretary_a, review, {})
    with time_machine.travel("2027-01-06 10:00 +0800"):
        q4 = date(2026, 10, 1)
        for month in rules.quarter_months(q4):
            services.recompute_month(month)
        nxt = services.propose_review(county.secretary_a, county.branch_a, q4)
        mine = decisions(nxt, county.member_a)
        assert mine["study"].held_before and mine["study"].proposed == "remove"  # no meetings in Q4
        assert not mine["dedication"].held_before and mine["dedication"].proposed == "none"
        with pytest.raises(ValidationError, match="尚未开始"):
            services.propose_review(county.secretary_a, county.branch_a, date(2027, 4, 1))


def test_stars_are_reviewed_by_branches_only(county):
    with time_machine.travel("2026-10-08 10:00 +0800"), pytest.raises(ValidationError, match="党支部"):
        services.propose_review(county.admin_a, county.town_a, Q3)


def test_recorded_follow_up(county, quarter):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        services.decide_review(county.secretary_a, review, {})
        follow = FollowUp.objects.get(review=review, member=quarter["slacker"])
        with pytest.raises(ValidationError):
            services.record_follow_up(county.secretary_a, follow, done_on=date(2026, 10, 9), note="谈了")
        services.record_follow_up(
            county.secretary_a, follow, done_on=date(2026, 10, 8), note="书记与其谈话，本人表示改正"
        )
        follow.refresh_from_db()
        assert follow.done_on == date(2026, 10, 8)
    assert StarReview.objects.count() == 1 and StarDecision.objects.filter(review=review).count() == 5 * 4


def test_star_pages_from_proposal_to_overruling(county, quarter):
    from django.urls import reverse

    from jiceng.testing import client_for

    with time_machine.travel("2026-10-08 10:00 +0800"):
        secretary, township = client_for(county.secretary_a), client_for(county.admin_a)
        overview = township.get(
            reverse("ratings:stars"), {"org": county.town_a.pk, "quarter": "2026-3"}
        ).content.decode()
        assert "东村第一党支部" in overview and "未开始" in overview and "乙乡" not in overview
        response = secretary.post(reverse("ratings:star_propose"), {"org": county.branch_a.pk, "quarter": "2026-3"})
        review = StarReview.objects.get(organization=county.branch_a, quarter=Q3)
        assert response.status_code == 302 and response["Location"].endswith(f"/ratings/stars/reviews/{review.pk}/")
        page = secretary.get(reverse("ratings:star_review", args=[review.pk])).content.decode()
        assert "张三" in page and "建议授星" in page and "提交评定" in page
        dedication = decisions(review, county.member_a)["dedication"]
        refused = secretary.post(
            reverse("ratings:star_decide", args=[review.pk]), {f"d-{dedication.pk}": "grant"}, follow=True
        ).content.decode()
        assert "改变系统建议须写明理由" in refused
        review.refresh_from_db()
        assert review.state == "proposed"
        secretary.post(
            reverse("ratings:star_decide", args=[review.pk]),
            {f"d-{dedication.pk}": "grant", f"r-{dedication.pk}": "修路带头"},
        )
        review.refresh_from_db()
        assert review.state == "decided"
        page = township.get(reverse("ratings:star_review", args=[review.pk])).content.decode()
        assert "支部改为授星：修路带头" in page and "改变评定" in page and "谈心谈话" in page
        assert "改变评定" not in secretary.get(reverse("ratings:star_review", args=[review.pk])).content.decode()
        township.post(reverse("ratings:star_overrule", args=[dedication.pk]), {"action": "none", "reason": "材料不实"})
        dedication.refresh_from_db()
        assert dedication.final == "none"
        ledger = township.get(reverse("ratings:member", args=[county.member_a.pk]), {"year": 2026}).content.decode()
        assert "评星定级" in ledger and "上级：材料不实" in ledger
        overview = township.get(
            reverse("ratings:stars"), {"org": county.town_a.pk, "quarter": "2026-3"}
        ).content.decode()
        assert 'data-figure="reviews-decided">1<' in overview


def test_settings_for_the_county_admin(county):
    from django.urls import reverse

    from jiceng.ratings.models import RatingsSettings
    from jiceng.testing import client_for

    assert client_for(county.admin_a).get(reverse("ratings:settings")).status_code == 403
    c = client_for(county.county_admin)
    data = {"talk_at_or_below": "2", "warning_at_or_below": "3", "follow_up_days": "15", "top_share_target": "12"}
    data.update(weak_share="10", weak_months="12", model_post_share="10")
    data.update(appraisal_good_at_least="50", appraisal_fair_at_least="70", appraisal_poor_over="30")
    assert "警示星数不能大于谈话提醒星数" in c.post(reverse("ratings:settings"), data).content.decode()
    data["warning_at_or_below"] = "1"
    assert c.post(reverse("ratings:settings"), data).status_code == 302
    config = RatingsSettings.current()
    assert (config.talk_at_or_below, config.follow_up_days, config.top_share_target) == (2, 15, 12)


def test_member_star_counts_follow_the_decisions_and_overrulings(county, quarter):
    """MemberStars (read by the command card and the lists) equals the decisions' final results."""
    from jiceng.ratings.models import MemberStars

    def recount(review):
        held = {}
        for d in review.decisions.all():
            held[d.member_id] = held.get(d.member_id, 0) + (d.final in StarDecision.HOLDS)
        return held

    with time_machine.travel("2026-10-08 10:00 +0800"):
        review = services.propose_review(county.secretary_a, county.branch_a, Q3)
        assert not MemberStars.objects.filter(review=review).exists()  # nothing counted before deciding
        services.decide_review(county.secretary_a, review, {})
        stored = dict(MemberStars.objects.filter(review=review).values_list("member_id", "stars"))
        assert stored == recount(review) and MemberStars.objects.filter(review=review, quarter=Q3).count() == len(
            stored
        )
        study = decisions(review, county.member_a)["study"]
        services.overrule(
            county.admin_a, study, action="remove" if study.held_before else "none", reason="核实后不符合"
        )
        stored = dict(MemberStars.objects.filter(review=review).values_list("member_id", "stars"))
        assert stored == recount(review)
