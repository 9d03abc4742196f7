"""Posts and pledges (设岗定责、承诺践诺): the default scheme counts them from their records from
January 2027; a member claims a post and the branch approves; the branch's monthly fulfilment
entry earns points through a ledger line naming the record, and the star proposal follows; the
pledges' check earns points (half when partly kept); who may do what; model posts (党员示范岗)
proposed from the quarter's points, 10% rounded up, decided by the branch, overruled above."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.ratings import defaults, rules, services
from jiceng.ratings.models import ModelPost, Pledge, PointsEntry, PointsMonth, PostDuty, PostHolding, RatingsSettings
from jiceng.ratings.points_sources import PLEDGE_KEPT, POST_DUTY
from jiceng.ratings.testing import item
from jiceng.testing import add_member, client_for, make_user

JAN = date(2027, 1, 1)
FEB = date(2027, 2, 1)
NOW = "2027-02-20 10:00 +0800"


def points(member, month=JAN):
    row = PointsMonth.objects.filter(member=member, month=month).first()
    return row.points if row else D(0)


def on_post(county, member=None, since=date(2027, 1, 5), **fields):
    """A post of branch 甲 and 张三 (or ``member``) on it, by request and approval."""
    fields = {"name": "政策宣传岗", "kind": "policy", "duties": "每月入户宣讲政策", "capacity": 2, **fields}
    post = services.create_post(county.secretary_a, county.branch_a, **fields)
    if member is None:
        holding = services.request_post(county.member_user, post)
        services.decide_holding(county.secretary_a, holding, approve=True, since=since)
    else:
        holding = services.assign_post(county.secretary_a, post, member, since=since)
    holding.refresh_from_db()
    return post, holding


def test_the_default_scheme_counts_posts_and_pledges_from_their_records_from_2027(db):
    before, after = services.scheme_for(date(2026, 12, 1)), services.scheme_for(JAN)
    assert after.valid_from == defaults.POSTS_FROM and before.valid_from < after.valid_from
    old = {i.code: i for i in before.items.all()}
    new = {i.code: i for i in after.items.all()}
    assert old["post"].source == old["pledge"].source == ""
    assert (new["post"].source, new["pledge"].source) == (POST_DUTY, PLEDGE_KEPT)
    # Every other item is carried over as it was.
    for code, was in old.items():
        now = new[code]
        assert (now.name, now.points, now.cap_month, now.cap_year, now.category) == (
            was.name,
            was.points,
            was.cap_month,
            was.cap_year,
            was.category,
        )
        if code not in ("post", "pledge"):
            assert now.source == was.source


@time_machine.travel(NOW)
def test_a_confirmed_duty_earns_points_through_a_line_naming_the_record(county):
    a = county.member_a
    post, holding = on_post(county)
    assert holding.state == PostHolding.State.ACTIVE and holding.since == date(2027, 1, 5)
    services.record_duties(county.secretary_a, county.branch_a, JAN, {holding.pk: ("fulfilled", "入户宣讲 6 次")})
    duty = PostDuty.objects.get(holding=holding, month=JAN)
    assert duty.state == PostDuty.State.FULFILLED and duty.confirmed_by == county.secretary_a
    (line,) = PointsEntry.objects.filter(member=a, month=JAN)
    assert (line.source, line.record_id, line.points) == (POST_DUTY, duty.pk, item("post", JAN).points)
    assert "政策宣传岗" in line.text
    assert points(a) == item("post", JAN).points
    # The line's link opens the duty's post page, for the member and the branch.
    url = reverse("ratings:post_duty", args=[duty.pk])
    page = client_for(county.member_user).get(url, follow=True)
    assert page.status_code == 200 and "入户宣讲 6 次" in page.content.decode()
    # A correction (not fulfilled after all) reverses the line; the month total follows.
    services.record_duties(county.secretary_a, county.branch_a, JAN, {holding.pk: ("unfulfilled", "未入户")})
    assert points(a) == 0
    assert PointsEntry.objects.filter(member=a, month=JAN, reversal=True).count() == 1
    assert PostDuty.objects.filter(holding=holding).count() == 1


@time_machine.travel(NOW)
def test_a_logged_duty_counts_only_once_the_branch_confirms_it(county):
    a = county.member_a
    _post, holding = on_post(county)
    duty = services.log_duty(county.member_user, holding, month=JAN, note="为 3 户群众讲解医保政策")
    services.recompute_month(JAN)
    assert duty.state == PostDuty.State.LOGGED and points(a) == 0
    services.record_duties(county.secretary_a, county.branch_a, JAN, {holding.pk: ("fulfilled", "")})
    duty.refresh_from_db()
    assert duty.state == PostDuty.State.FULFILLED and duty.note == "为 3 户群众讲解医保政策"
    assert points(a) == item("post", JAN).points
    with pytest.raises(ValidationError, match="已确认"):
        services.log_duty(county.member_user, holding, month=JAN, note="再改")
    # Not on the post in December: nothing to log.
    with pytest.raises(ValidationError, match="不在岗"):
        services.log_duty(county.member_user, holding, month=date(2026, 12, 1), note="x")


@time_machine.travel(NOW)
def test_who_may_claim_assign_decide_and_confirm(county):
    post = services.create_post(county.secretary_a, county.branch_a, name="调解岗", kind="mediation", duties="调解纠纷")
    # Outside the subtree: a manager of 乙 may not assign, a member of 乙 may not claim.
    with pytest.raises(PermissionDenied):
        services.assign_post(county.admin_b, post, county.member_a, since=JAN)
    with pytest.raises(ValidationError, match="只能安排本党组织"):
        services.assign_post(county.secretary_a, post, county.member_b, since=JAN)
    outsider = make_user("member-b", county.branch_b, "member", member=county.member_b)
    with pytest.raises(ValidationError, match="只能认领本党组织"):
        services.request_post(outsider, post)
    with pytest.raises(PermissionDenied):
        services.create_post(county.member_user, county.branch_a, name="x", kind="policy", duties="x")
    # A secretary who is a member of the branch does not decide their own request.
    li = add_member(county.branch_a, "刘书记")
    secretary = make_user("secretary-li", county.branch_a, "branch_secretary", member=li)
    own = services.request_post(secretary, post)
    with pytest.raises(ValidationError, match="本人"):
        services.decide_holding(secretary, own, approve=True)
    with pytest.raises(ValidationError, match="理由"):
        services.decide_holding(county.secretary_a, own, approve=False)
    services.decide_holding(county.secretary_a, own, approve=True, since=JAN)
    # The post takes one: a second request is refused while it is full.
    with pytest.raises(ValidationError, match="已满"):
        services.request_post(county.member_user, post)
    holding = PostHolding.objects.get(pk=own.pk)
    with pytest.raises(ValidationError, match="本人"):
        services.record_duties(secretary, county.branch_a, JAN, {holding.pk: ("fulfilled", "")})
    with pytest.raises(ValidationError, match="写明情况"):
        services.record_duties(county.secretary_a, county.branch_a, JAN, {holding.pk: ("unfulfilled", "")})
    with pytest.raises(ValidationError, match="尚未开始"):
        services.record_duties(county.secretary_a, county.branch_a, date(2027, 3, 1), {holding.pk: ("fulfilled", "")})
    with pytest.raises(PermissionDenied):
        services.record_duties(county.admin_b, county.branch_a, JAN, {holding.pk: ("fulfilled", "")})
    # Ended in January: still judged for January, not for February.
    services.end_holding(county.secretary_a, holding, until=date(2027, 1, 20), reason="外出务工")
    assert [h.pk for h in services.duty_holdings(county.branch_a, JAN)] == [holding.pk]
    assert services.duty_holdings(county.branch_a, FEB) == []


@time_machine.travel("2027-04-08 10:00 +0800")
def test_a_confirmed_duty_changes_the_members_star_proposal(county):
    a = county.member_a
    _post, holding = on_post(county)
    q1 = rules.quarter_start(JAN)
    review = services.propose_review(county.secretary_a, county.branch_a, q1)
    assert review.decisions.get(member=a, star__code="dedication").proposed == rules.NONE
    services.record_duties(county.secretary_a, county.branch_a, FEB, {holding.pk: ("fulfilled", "宣讲")})
    review = services.propose_review(county.secretary_a, county.branch_a, q1)
    mine = review.decisions.get(member=a, star__code="dedication")
    assert mine.proposed == rules.GRANT and mine.points == item("post", JAN).points


@time_machine.travel(NOW)
def test_a_checked_pledge_earns_points_half_when_partly_kept(county):
    a = county.member_a
    p1 = services.create_pledge(county.member_user, a, year=2027, content="帮助困难户销售农产品", due=date(2027, 6, 30))
    p2 = services.create_pledge(county.member_user, a, year=2027, content="每月义务打扫村道", due=date(2027, 12, 31))
    with pytest.raises(ValidationError, match="本人"):
        li = add_member(county.branch_a, "刘书记")
        services.check_pledge(
            make_user("sec-li", county.branch_a, "branch_secretary", member=li),
            services.create_pledge(county.secretary_a, li, year=2027, content="x", due=date(2027, 5, 1)),
            state="fulfilled",
            on=date(2027, 2, 1),
            note="x",
        )
    with pytest.raises(ValidationError, match="晚于今天"):
        services.check_pledge(county.secretary_a, p1, state="fulfilled", on=date(2027, 3, 1), note="x")
    with pytest.raises(ValidationError, match="核查情况"):
        services.check_pledge(county.secretary_a, p1, state="fulfilled", on=date(2027, 2, 3), note=" ")
    with pytest.raises(PermissionDenied):
        services.check_pledge(county.admin_b, p1, state="fulfilled", on=date(2027, 2, 3), note="x")
    services.check_pledge(county.secretary_a, p1, state="fulfilled", on=date(2027, 2, 3), note="销售 2000 斤")
    services.check_pledge(county.secretary_a, p2, state="partly", on=date(2027, 1, 25), note="打扫了一个月")
    full = item("pledge", FEB).points
    lines = {e.record_id: e for e in PointsEntry.objects.filter(member=a, source=PLEDGE_KEPT)}
    assert (lines[p1.pk].month, lines[p1.pk].points) == (FEB, full)
    assert (lines[p2.pk].month, lines[p2.pk].points) == (JAN, full / 2)
    assert (points(a, JAN), points(a, FEB)) == (full / 2, full)
    # A corrected check moves the points: not kept after all.
    services.check_pledge(county.secretary_a, p1, state="not", on=date(2027, 2, 15), note="未兑现")
    assert points(a, FEB) == 0
    with pytest.raises(ValidationError, match="已核查"):
        services.withdraw_pledge(county.member_user, Pledge.objects.get(pk=p1.pk))
    # The pledge's link opens its page.
    page = client_for(county.member_user).get(reverse("ratings:pledge", args=[p2.pk]))
    assert page.status_code == 200 and "每月义务打扫村道" in page.content.decode()


@time_machine.travel("2027-04-08 10:00 +0800")
def test_a_kept_pledge_changes_the_efficiency_star_proposal(county):
    a = county.member_a
    pledge = services.create_pledge(county.member_user, a, year=2027, content="结对帮扶", due=date(2027, 3, 31))
    services.check_pledge(county.secretary_a, pledge, state="fulfilled", on=date(2027, 3, 20), note="已帮扶")
    review = services.propose_review(county.secretary_a, county.branch_a, JAN)
    assert review.decisions.get(member=a, star__code="efficiency").proposed == rules.GRANT


@pytest.mark.parametrize(
    ("members", "share", "expected"), [(10, 10, 1), (11, 10, 2), (20, 10, 2), (21, 10, 3), (9, 25, 3)]
)
def test_model_posts_are_the_top_share_rounded_up(county, members, share, expected):
    with time_machine.travel("2026-10-08 10:00 +0800"):
        services.update_settings(county.county_admin, model_post_share=share)
        ids = [add_member(county.branch_b, f"党员{n}").pk for n in range(members)]
        review = services.propose_review(county.admin_b, county.branch_b, date(2026, 7, 1))
        # The quarter's points by hand: distinct, the highest first for the last members.
        pts = {m: {"study": D(n + 1)} for n, m in enumerate(ids)}
        assert services.propose_model_posts(review, ids, pts) == expected
        chosen = list(ModelPost.objects.filter(review=review, proposed=True).values_list("member_id", flat=True))
        assert sorted(chosen) == sorted(ids[-expected:])
        assert RatingsSettings.current().model_post_share == share


@time_machine.travel("2026-10-08 10:00 +0800")
def test_model_posts_ties_share_a_rank_and_nobody_without_points_is_proposed(county):
    ids = [add_member(county.branch_b, f"党员{n}").pk for n in range(11)]
    review = services.propose_review(county.admin_b, county.branch_b, date(2026, 7, 1))
    pts = {ids[0]: {"study": D(6)}, ids[1]: {"study": D(4), "discipline": D(2)}}
    assert services.propose_model_posts(review, ids, pts) == 2
    rows = {r.member_id: r for r in ModelPost.objects.filter(review=review)}
    assert rows[ids[0]].rank == rows[ids[1]].rank == 1 and rows[ids[2]].rank == 3
    # 12 members: still 2 proposed, the third has no points.
    assert services.propose_model_posts(review, [*ids, county.member_b.pk], pts) == 2


@time_machine.travel("2026-10-08 10:00 +0800")
def test_model_posts_decided_with_a_reason_and_overruled_by_the_township(county):
    review = services.propose_review(county.secretary_a, county.branch_a, date(2026, 7, 1))
    rows = list(review.model_posts.order_by("rank", "member_id"))
    assert len(rows) == 3 and not any(r.proposed for r in rows)  # nobody has points
    chosen = rows[0]
    with pytest.raises(ValidationError, match="理由"):
        services.decide_review_and_model_posts(county.secretary_a, review, {}, {chosen.pk: (True, "")})
    services.decide_review_and_model_posts(county.secretary_a, review, {}, {chosen.pk: (True, "带头防汛")})
    chosen.refresh_from_db()
    assert chosen.final and chosen.reason == "带头防汛"
    with pytest.raises(PermissionDenied):
        services.overrule_model_post(county.secretary_a, chosen, chosen=False, reason="x")
    services.overrule_model_post(county.admin_a, chosen, chosen=False, reason="事迹不实")
    chosen.refresh_from_db()
    assert not chosen.final and chosen.decision and chosen.overrule_reason == "事迹不实"
