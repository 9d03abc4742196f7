"""Rows of the outsider walk for the ratings pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙: member 赵秘密's points (a claim 「秘密申报」 approved, so a ledger line
with that text) and a claim still waiting (「秘密待审」) with a photo."""

from __future__ import annotations


def setup(county):
    from django.utils import timezone

    from jiceng.ratings import services
    from jiceng.ratings.models import ClaimPhoto

    on = timezone.localdate().replace(day=1)
    post = services.scheme_for(on).items.get(code="good_deed")  # claimed in every version
    done = services.submit_claim(county.admin_b, member=county.member_b, item=post, on=on, note="秘密申报")
    services.decide_claim(county.admin_b, done, approve=True)
    waiting = services.submit_claim(county.admin_b, member=county.member_b, item=post, on=on, note="秘密待审")
    # A photo row only: nobody outside may reach it, so no file is ever opened.
    photo = ClaimPhoto.objects.create(claim=waiting, image="ratings/secret.jpg", thumbnail="ratings/s.jpg")
    from jiceng.ratings import rules

    quarter = rules.quarter_start(on)
    services.compute_fortress(on.year, county.town_b)
    review = services.propose_review(county.admin_b, county.branch_b, quarter)
    services.decide_review(county.admin_b, review, {})
    decision = review.decisions.first()
    follow_up = review.follow_ups.first()
    weak = services.designate_weak(
        county.county_admin, county.branch_b, year=on.year, reason="秘密整顿理由", leader="乙乡秘密领导"
    )
    task = services.add_task(county.admin_b, weak, measure="秘密措施", owner="秘密责任人", deadline=on)
    return {
        "weak": weak.pk,
        "weak_task": task.pk,
        "star_review": review.pk,
        "star_decision": decision.pk,
        "star_follow_up": follow_up.pk,
        "claim_done": done.pk,
        "claim_waiting": waiting.pk,
        "claim_photo": photo.pk,
        "member_b": county.member_b.pk,
        "post_item": post.pk,
    }


def samples(county, victim):
    return {
        "ratings:index": {},
        "ratings:ranking": {},
        "ratings:ranking_export": {},
        "ratings:mine": {},
        "ratings:member": {"pk": county.member_b.pk},
        "ratings:unqualified": {},
        "ratings:unqualified_export": {},
        "ratings:recompute": {},
        "ratings:panel": {},
        "ratings:overview_panel": {},
        "ratings:star_members": {},
        "ratings:star_members_export": {},
        "ratings:claims": {},
        "ratings:claim_create": {},
        "ratings:claim": {"pk": victim["claim_waiting"]},
        "ratings:claim_decide": {"pk": victim["claim_waiting"]},
        "ratings:claim_photo": {"pk": victim["claim_photo"]},
        "ratings:stars": {},
        "ratings:star_propose": {},
        "ratings:star_review": {"pk": victim["star_review"]},
        "ratings:star_decide": {"pk": victim["star_review"]},
        "ratings:star_overrule": {"pk": victim["star_decision"]},
        "ratings:star_follow_up": {"pk": victim["star_follow_up"]},
        "ratings:settings": {},
        "ratings:fortress": {},
        "ratings:fortress_export": {},
        "ratings:fortress_compute": {},
        "ratings:fortress_weights": {},
        "ratings:weak": {},
        "ratings:weak_export": {},
        "ratings:weak_designate": {},
        "ratings:weak_detail": {"pk": victim["weak"]},
        "ratings:weak_task": {"pk": victim["weak"]},
        "ratings:weak_event": {"pk": victim["weak"]},
        "ratings:weak_move": {"pk": victim["weak"]},
        "ratings:weak_task_done": {"pk": victim["weak_task"]},
        "ratings:scheme": {},
        "ratings:scheme_new": {},
        "ratings-points": {},
        "ratings-member-points": {"pk": county.member_b.pk},
        "ratings-fortress": {},
        "ratings-weak": {},
    }


QUERIES = {
    "ratings:ranking": "?org={town_b}",
    "ratings:panel": "?org={town_b}",
    "ratings:overview_panel": "?org={town_b}",
    "ratings:star_members": "?org={town_b}&stars=0",
    "ratings:star_members_export": "?org={town_b}&stars=0",
    "ratings:stars": "?org={town_b}",
    "ratings:fortress": "?org={town_b}",
    "ratings:fortress_export": "?org={town_b}",
    "ratings:weak": "?org={town_b}",
    "ratings:weak_export": "?org={town_b}",
    "ratings:ranking_export": "?org={town_b}",
    "ratings:unqualified": "?org={town_b}",
    "ratings:unqualified_export": "?org={town_b}",
    "ratings:claims": "?state=",
    "ratings:claim_create": "?member={member_b}",
    "ratings-points": "?org={town_b}",
    "ratings-fortress": "?org={town_b}",
    "ratings-weak": "?org={town_b}",
}
POSTS = {
    "ratings:recompute": {"org": "{town_b}", "month": "2026-11"},
    "ratings:claim_create": {"item": "{post_item}", "on": "2026-11-02", "note": "外来申报"},
    "ratings:claim_decide": {"decision": "approve"},
    "ratings:scheme_new": {"valid_from": "2099-01", "name": "外来"},
    "ratings:settings": {
        "talk_at_or_below": "5",
        "warning_at_or_below": "0",
        "follow_up_days": "9",
        "top_share_target": "9",
    },
    "ratings:star_propose": {"org": "{branch_b}", "quarter": "2026-3"},
    "ratings:fortress_compute": {"org": "{town_b}", "year": "2026"},
    "ratings:fortress_weights": {"w-life.attendance": "0"},
    "ratings:weak_designate": {"org": "{town_b}", "organization": "{branch_b}", "reason": "外来", "leader": "外来"},
    "ratings:weak_task": {"measure": "外来", "owner": "外来", "deadline": "2026-12-31"},
    "ratings:weak_event": {"kind": "interview", "text": "外来约谈"},
    "ratings:weak_move": {"to": "rectifying"},
    "ratings:weak_task_done": {"done_on": "2026-01-05", "result": "外来"},
    "ratings:star_overrule": {"action": "none", "reason": "外来"},
    "ratings:star_follow_up": {"done_on": "2026-01-05", "note": "外来"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.ratings.models import (
        FollowUp,
        IndexScore,
        IndexWeight,
        PointsClaim,
        PointsEntry,
        PointsScheme,
        RatingsSettings,
        RectificationEvent,
        RectificationTask,
        StarDecision,
        StarReview,
        WeakOrganization,
    )

    return (
        list(StarReview.objects.filter(organization=county.branch_b).values("state", "revision")),
        list(StarDecision.objects.filter(member=county.member_b).values("final", "overrule_reason")),
        list(FollowUp.objects.filter(member=county.member_b).values("done_on", "note")),
        list(PointsClaim.objects.filter(member=county.member_b).values("state", "note")),
        PointsEntry.objects.filter(member=county.member_b).count(),
        PointsScheme.objects.count(),
        RatingsSettings.current().follow_up_days,
        list(IndexScore.objects.filter(organization=county.branch_b).values("value", "computed_at")),
        list(IndexWeight.objects.values("component", "weight")),
        list(WeakOrganization.objects.filter(organization=county.branch_b).values("state", "revision")),
        list(RectificationTask.objects.filter(weak__organization=county.branch_b).values("done_on", "measure")),
        RectificationEvent.objects.filter(weak__organization=county.branch_b).count(),
    )


# ---- secretaries' annual report and appraisal (书记述职评议) ----------------------------------
# Victim: township 乙's round with the report of its branch's secretary 「乙乡秘密书记」 (report
# text 「秘密述职内容」), submitted, a reviewer (乙's admin) and one vote.

_setup_before_appraisal = setup
_samples_before_appraisal = samples
_invariants_before_appraisal = invariants


def _appraisal_setup(county):
    from datetime import timedelta

    from django.utils import timezone

    from jiceng.orgs.models import Organization
    from jiceng.ratings.models import AppraisalReport
    from jiceng.ratings.services import appraisal

    today = timezone.localdate()
    Organization.objects.filter(pk=county.branch_b.pk).update(secretary_name="乙乡秘密书记")
    county.branch_b.refresh_from_db()
    round_ = appraisal.create_round(
        county.admin_b,
        county.town_b,
        year=today.year,
        vote_from=today - timedelta(days=1),
        vote_until=today + timedelta(days=30),
        organizations=[county.branch_b],
    )
    appraisal.add_reviewer(county.admin_b, round_, county.admin_b)
    AppraisalReport.objects.filter(round=round_).update(
        state="submitted", submitted_at=timezone.now(), work_done="秘密述职内容", problems="秘密问题"
    )
    report = round_.reports.get()
    appraisal.cast_vote(county.admin_b, report, "good")
    return {"appraisal_round": round_.pk, "appraisal_report": report.pk}


def setup(county):  # noqa: F811 — extends the setup above with the appraisal's victims
    victim = _setup_before_appraisal(county)
    victim.update(_appraisal_setup(county))
    return victim


def samples(county, victim):  # noqa: F811
    rows = _samples_before_appraisal(county, victim)
    round_, report = {"pk": victim["appraisal_round"]}, {"pk": victim["appraisal_report"]}
    rows.update(
        {
            "ratings:appraisal": {},
            "ratings:appraisal_create": {},
            "ratings:appraisal_round": round_,
            "ratings:appraisal_reviewer": round_,
            "ratings:appraisal_close": round_,
            "ratings:appraisal_export": round_,
            "ratings:appraisal_docx": round_,
            "ratings:appraisal_vote": round_,
            "ratings:appraisal_report": report,
            "ratings:appraisal_report_edit": report,
            "ratings:appraisal_report_vote": report,
            "ratings:appraisal_report_paper": report,
            "ratings:appraisal_report_return": report,
            "ratings:appraisal_report_docx": report,
            "ratings-appraisal": {},
        }
    )
    return rows


QUERIES.update({"ratings:appraisal": "?org={town_b}", "ratings-appraisal": "?org={town_b}"})
POSTS.update(
    {
        "ratings:appraisal_create": {
            "org": "{town_b}",
            "year": "2020",
            "vote_from": "2020-12-01",
            "vote_until": "2020-12-31",
            "good_at_least": "50",
            "fair_at_least": "70",
            "poor_over": "30",
        },
        "ratings:appraisal_reviewer": {"username": "admin-a"},
        "ratings:appraisal_report_edit": {"work_done": "外来", "action": "submit"},
        "ratings:appraisal_report_vote": {"grade": "poor"},
        "ratings:appraisal_report_paper": {"good": "9", "poor": "9"},
        "ratings:appraisal_report_return": {"reason": "外来退回"},
    }
)


def invariants(county):  # noqa: F811
    from jiceng.ratings.models import AppraisalReport, AppraisalReviewer, AppraisalRound, AppraisalVote

    return (
        _invariants_before_appraisal(county),
        list(AppraisalRound.objects.filter(organizer=county.town_b).values("state", "year", "revision")),
        AppraisalRound.objects.count(),
        list(AppraisalReport.objects.filter(organization=county.branch_b).values("work_done", "state", "paper_good")),
        list(AppraisalVote.objects.filter(report__organization=county.branch_b).values_list("reviewer_id", "grade")),
        AppraisalReviewer.objects.filter(round__organizer=county.town_b).count(),
    )


# ---- inspections (督查) and accountability (问责) ------------------------------------------------
# Victims: an open round of township 乙 over its branch (a result with the note 「秘密发现问题」
# and a photo row), and an accountability record for 「秘密书记」.

_setup_before_inspections = setup
_samples_before_inspections = samples
_invariants_before_inspections = invariants


def setup(county):  # noqa: F811
    from datetime import date

    from jiceng.ratings import services
    from jiceng.ratings.models import Accountability, InspectionPhoto

    victim = _setup_before_inspections(county)
    checklist = [{"code": "i1", "name": "秘密细则", "max": "100"}]
    kw = {"kind": "on_site", "starts_on": date(2026, 3, 1), "ends_on": date(2026, 3, 2), "checklist": checklist}
    earlier = services.create_round(
        county.admin_b, county.town_b, name="乙乡秘密督查一", organizations=[county.branch_b], **kw
    )
    services.enter_result(county.admin_b, earlier.results.get(), scores={"i1": 10})
    services.close_round(county.admin_b, earlier)
    round_ = services.create_round(
        county.admin_b, county.town_b, name="乙乡秘密督查", organizations=[county.branch_b], **kw
    )
    result = round_.results.get()
    services.enter_result(county.admin_b, result, scores={"i1": 12}, note="秘密发现问题")
    photo = InspectionPhoto.objects.create(result=result, image="inspections/secret.jpg", thumbnail="inspections/s.jpg")
    # A record as the rule would open it (a one-branch township has no bottom 3 of its own).
    record = Accountability.objects.create(
        organization=county.branch_b, round=round_, previous=earlier, secretary_name="秘密书记", reason="秘密问责原因"
    )
    victim.update(
        {
            "inspection_round": round_.pk,
            "inspection_result": result.pk,
            "inspection_photo": photo.pk,
            "accountability": record.pk,
        }
    )
    return victim


def samples(county, victim):  # noqa: F811
    out = _samples_before_inspections(county, victim)
    out.update(
        {
            "ratings:inspections": {},
            "ratings:inspection_create": {},
            "ratings:inspection": {"pk": victim["inspection_round"]},
            "ratings:inspection_export": {"pk": victim["inspection_round"]},
            "ratings:inspection_close": {"pk": victim["inspection_round"]},
            "ratings:inspection_result": {"pk": victim["inspection_result"]},
            "ratings:inspection_photo": {"pk": victim["inspection_photo"]},
            "ratings:accountability": {},
            "ratings:accountability_export": {},
            "ratings:accountability_handle": {"pk": victim["accountability"]},
            "ratings-inspections": {},
        }
    )
    return out


QUERIES.update(
    {
        "ratings:inspections": "?org={town_b}",
        "ratings:inspection_create": "?org={town_b}",
        "ratings:accountability": "?org={town_b}",
        "ratings:accountability_export": "?org={town_b}",
        "ratings-inspections": "?org={town_b}",
    }
)
POSTS.update(
    {
        "ratings:inspection_create": {
            "org": "{town_b}",
            "name": "外来督查",
            "kind": "on_site",
            "starts_on": "2026-05-01",
            "ends_on": "2026-05-02",
            "checklist": "外来 10",
            "organizations": "{branch_b}",
        },
        "ratings:inspection_result": {"s-i1": "99", "note": "外来"},
        "ratings:accountability_handle": {"outcome": "外来处理"},
    }
)


def invariants(county):  # noqa: F811
    from jiceng.ratings.models import Accountability, InspectionResult, InspectionRound

    return (
        *_invariants_before_inspections(county),
        list(InspectionRound.objects.filter(organizer=county.town_b).values("name", "state", "revision")),
        list(InspectionResult.objects.filter(organization=county.branch_b).values("total", "note", "revision")),
        list(Accountability.objects.filter(organization=county.branch_b).values("state", "outcome")),
    )


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# Victims: township 乙's branch's rating of this year, a reviewed item with the evidence
# 「秘密评审依据」 and a photo row.

_setup_before_orgratings = setup
_samples_before_orgratings = samples
_invariants_before_orgratings = invariants


def setup(county):  # noqa: F811
    from django.utils import timezone

    from jiceng.ratings import services
    from jiceng.ratings.models import OrgRating, OrgRatingPhoto

    victim = _setup_before_orgratings(county)
    year = timezone.localdate().year
    services.propose_org_ratings(county.admin_b, county.town_b, year)
    rating = OrgRating.objects.get(organization=county.branch_b, year=year)
    manual = next(i["code"] for i in rating.items if i["mode"] == "manual")
    services.score_org_item(county.admin_b, rating, manual, passed=True, note="秘密评审依据")
    photo = OrgRatingPhoto.objects.create(
        rating=rating, item=manual, image="orgratings/secret.jpg", thumbnail="orgratings/s.jpg"
    )
    victim.update({"org_rating": rating.pk, "org_rating_photo": photo.pk, "org_rating_item": manual})
    return victim


def samples(county, victim):  # noqa: F811
    out = _samples_before_orgratings(county, victim)
    out.update(
        {
            "ratings:orgratings": {},
            "ratings:orgrating_export": {},
            "ratings:orgrating_propose": {},
            "ratings:orgrating_checklists": {},
            "ratings:orgrating_target": {},
            "ratings:orgrating": {"pk": victim["org_rating"]},
            "ratings:orgrating_score": {"pk": victim["org_rating"]},
            "ratings:orgrating_confirm": {"pk": victim["org_rating"]},
            "ratings:orgrating_photo": {"pk": victim["org_rating_photo"]},
            "ratings-orgratings": {},
            "ratings-orgrating": {"org": county.branch_b.pk},
        }
    )
    return out


QUERIES.update(
    {
        "ratings:orgratings": "?org={town_b}",
        "ratings:orgrating_export": "?org={town_b}",
        "ratings-orgratings": "?org={town_b}",
    }
)
POSTS.update(
    {
        "ratings:orgrating_propose": {"org": "{town_b}", "year": "2026"},
        "ratings:orgrating_target": {"org_star_target": "1"},
        "ratings:orgrating_score": {"item": "{org_rating_item}", "passed": "no", "note": "外来评审"},
        "ratings:orgrating_checklists": {
            "kind": "five_good",
            "valid_from": "2030",
            "name": "外来标准",
            "text": "【一】\n甲\n【二】\n乙\n【三】\n丙\n【四】\n丁\n【五】\n戊",
        },
    }
)


def invariants(county):  # noqa: F811
    from jiceng.ratings.models import OrgChecklist, OrgRating, RatingsSettings

    return (
        *_invariants_before_orgratings(county),
        list(OrgRating.objects.filter(organization=county.branch_b).values("stars", "state", "revision", "items")),
        list(OrgChecklist.objects.values("kind", "valid_from", "name")),
        RatingsSettings.current().org_star_target,
    )


# ---- posts and pledges (设岗定责、承诺践诺) and model posts --------------------------------------
# Victims in township 乙: a post 「秘密岗位」 of branch 乙 with 赵秘密 on it, a fulfilment record
# (「秘密履职」, confirmed: a ledger line) and a pledge 「秘密承诺」 not yet checked.

_setup_before_posts, _samples_before_posts, _invariants_before_posts = setup, samples, invariants


def setup(county):  # noqa: F811
    from django.utils import timezone

    from jiceng.ratings import services

    victim = _setup_before_posts(county)
    today = timezone.localdate()
    post = services.create_post(county.admin_b, county.branch_b, name="秘密岗位", kind="policy", duties="秘密职责")
    holding = services.assign_post(county.admin_b, post, county.member_b, since=today.replace(day=1))
    services.record_duties(county.admin_b, county.branch_b, today, {holding.pk: ("fulfilled", "秘密履职")})
    pledge = services.create_pledge(
        county.admin_b, county.member_b, year=today.year, content="秘密承诺", due=today.replace(month=12, day=31)
    )
    from jiceng.ratings.models import ModelPost, PostDuty

    victim.update(
        {
            "post_b": post.pk,
            "holding_b": holding.pk,
            "duty_b": PostDuty.objects.get(holding=holding).pk,
            "pledge_b": pledge.pk,
            "model_post_b": ModelPost.objects.filter(review_id=victim["star_review"]).first().pk,
        }
    )
    services.compute_vanguard(today.year, county.town_b)  # 赵秘密's vanguard index
    return victim


def samples(county, victim):  # noqa: F811
    out = _samples_before_posts(county, victim)
    out.update(
        {
            "ratings:posts": {},
            "ratings:posts_export": {},
            "ratings:post_create": {},
            "ratings:post": {"pk": victim["post_b"]},
            "ratings:post_request": {"pk": victim["post_b"]},
            "ratings:post_assign": {"pk": victim["post_b"]},
            "ratings:holding_decide": {"pk": victim["holding_b"]},
            "ratings:duty_log": {"pk": victim["holding_b"]},
            "ratings:duties": {},
            "ratings:post_duty": {"pk": victim["duty_b"]},
            "ratings:pledges": {},
            "ratings:pledges_export": {},
            "ratings:pledge_create": {},
            "ratings:pledge": {"pk": victim["pledge_b"]},
            "ratings:pledge_withdraw": {"pk": victim["pledge_b"]},
            "ratings:model_post_overrule": {"pk": victim["model_post_b"]},
            "ratings:vanguard": {},
            "ratings:vanguard_export": {},
            "ratings:vanguard_compute": {},
            "ratings:vanguard_weights": {},
            "ratings-vanguard": {},
        }
    )
    return out


QUERIES.update(
    {
        "ratings:posts": "?org={branch_b}",
        "ratings:posts_export": "?org={branch_b}",
        "ratings:duties": "?org={branch_b}",
        "ratings:pledges": "?org={branch_b}",
        "ratings:pledges_export": "?org={branch_b}",
        "ratings:vanguard": "?org={town_b}",
        "ratings:vanguard_export": "?org={town_b}",
        "ratings-vanguard": "?org={town_b}",
    }
)
POSTS.update(
    {
        "ratings:post_create": {
            "org": "{branch_b}",
            "name": "外来",
            "kind": "policy",
            "duties": "外来",
            "capacity": "1",
        },
        "ratings:post": {"name": "外来", "kind": "other", "duties": "外来", "capacity": "3", "active": ""},
        "ratings:post_assign": {"member": "{member_b}", "since": "2026-01-05"},
        "ratings:holding_decide": {"decision": "end", "reason": "外来", "on": "2026-01-06"},
        "ratings:duty_log": {"note": "外来"},
        "ratings:duties": {"org": "{branch_b}", "month": "2026-01"},
        "ratings:pledge_create": {"org": "{branch_b}", "member": "{member_b}", "content": "外来", "due": "2026-12-31"},
        "ratings:pledge": {"state": "not", "on": "2026-01-05", "note": "外来"},
        "ratings:model_post_overrule": {"chosen": "1", "reason": "外来"},
        "ratings:vanguard_compute": {"org": "{town_b}", "year": "2026"},
        "ratings:vanguard_weights": {"w-life.member_attendance": "0"},
    }
)


def invariants(county):  # noqa: F811
    from jiceng.ratings.models import MemberIndexScore, ModelPost, Pledge, Post, PostDuty, PostHolding

    return (
        _invariants_before_posts(county),
        list(Post.objects.filter(organization=county.branch_b).values("name", "active", "revision")),
        list(PostHolding.objects.filter(member=county.member_b).values("state", "until")),
        list(PostDuty.objects.filter(holding__member=county.member_b).values("state", "note")),
        list(Pledge.objects.filter(member=county.member_b).values("state", "content")),
        list(ModelPost.objects.filter(member=county.member_b).values("final", "overrule_reason")),
        list(MemberIndexScore.objects.filter(member=county.member_b).values("value", "computed_at")),
    )
