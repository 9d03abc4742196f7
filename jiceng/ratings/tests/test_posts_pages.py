"""The posts and pledges pages as their users see them: a branch sets up a post, a member claims it
on the catalogue and the branch approves; the monthly fulfilment form for every holder earns the
points the member's ledger links back to; a year's pledges are public to the branch's members and
checked by the branch; exports hold what the pages show; the pages' queries do not grow with the
rows."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.ratings import services
from jiceng.ratings.models import Pledge, PointsEntry, PointsMonth, Post, PostDuty, PostHolding
from jiceng.ratings.points_sources import POST_DUTY
from jiceng.ratings.testing import item
from jiceng.testing import add_member, client_for, export_rows_without_formulas, make_user

JAN = date(2027, 1, 1)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock():
    with time_machine.travel("2027-01-25 10:00 +0800"):
        yield


def test_a_branch_sets_up_a_post_a_member_claims_it_and_the_branch_approves(county):
    sec, mem = client_for(county.secretary_a), client_for(county.member_user)
    empty = mem.get(reverse("ratings:posts")).content.decode()
    assert "还没有设立党员责任岗" in empty and "请联系支部书记" in empty
    response = sec.post(
        reverse("ratings:post_create"),
        {
            "org": county.branch_a.pk,
            "name": "环境监督岗",
            "kind": "environment",
            "duties": "每周巡查村道",
            "capacity": 1,
        },
    )
    post = Post.objects.get(name="环境监督岗")
    assert response.status_code == 302 and response["Location"] == reverse("ratings:post", args=[post.pk])
    bad = sec.post(
        reverse("ratings:post_create"), {"org": county.branch_a.pk, "name": "", "kind": "policy"}, follow=True
    )
    assert "这个字段是必填项" in bad.content.decode() or "必填" in bad.content.decode()
    page = mem.get(reverse("ratings:posts")).content.decode()
    assert "环境监督岗" in page and "认岗领责" in page
    assert mem.post(reverse("ratings:post_request", args=[post.pk])).status_code == 302
    holding = PostHolding.objects.get(post=post, member=county.member_a)
    assert holding.state == PostHolding.State.REQUESTED
    # The member cannot approve; the branch does, from the post's page.
    detail = sec.get(reverse("ratings:post", args=[post.pk])).content.decode()
    assert "认岗申请" in detail and "同意上岗" in detail
    assert mem.post(reverse("ratings:holding_decide", args=[holding.pk]), {"decision": "approve"}).status_code == 403
    holding.refresh_from_db()
    assert holding.state == PostHolding.State.REQUESTED
    sec.post(reverse("ratings:holding_decide", args=[holding.pk]), {"decision": "approve", "on": "2027-01-02"})
    holding.refresh_from_db()
    assert (holding.state, holding.since) == (PostHolding.State.ACTIVE, date(2027, 1, 2))
    # Full: nobody else may claim; the export lists the holder.
    li = make_user("member-li", county.branch_a, "member", member=add_member(county.branch_a, "李梅"))
    assert "认岗领责" not in client_for(li).get(reverse("ratings:posts")).content.decode()
    rows = export_rows_without_formulas(sec.get(reverse("ratings:posts_export")).content)
    (row,) = [r for r in rows if r["岗位名称"].value == "环境监督岗"]
    assert row["在岗党员"].value == "张三" and row["定岗人数"].value == 1


def test_the_monthly_form_confirms_every_holder_and_the_ledger_links_back(county):
    sec = client_for(county.secretary_a)
    members = [county.member_a] + [add_member(county.branch_a, f"党员{n}") for n in range(5)]
    holdings = []
    for n, member in enumerate(members):
        post = services.create_post(county.secretary_a, county.branch_a, name=f"岗位{n}", kind="service", duties="服务")
        holdings.append(services.assign_post(county.secretary_a, post, member, since=date(2027, 1, 3)))
    url = reverse("ratings:duties")
    with CaptureQueriesContext(connection) as captured:
        page = sec.get(url, {"org": county.branch_a.pk, "month": "2027-01"}).content.decode()
    assert len(captured) <= 12
    assert page.count("data-holding=") == len(members) and "保存本月履岗记录" in page
    data = {"org": county.branch_a.pk, "month": "2027-01"}
    for h in holdings[:4]:
        data[f"s-{h.pk}"] = "fulfilled"
    data[f"s-{holdings[4].pk}"] = "unfulfilled"  # no note: refused, nothing saved
    refused = sec.post(url, data, follow=True).content.decode()
    assert "未履职请写明情况" in refused and not PostDuty.objects.exists()
    data[f"n-{holdings[4].pk}"] = "外出未履职"
    with CaptureQueriesContext(connection) as many:
        sec.post(url, data)
    assert PostDuty.objects.filter(state="fulfilled").count() == 4
    assert PostDuty.objects.filter(state="unfulfilled").count() == 1
    assert len(many) <= 80  # one recomputation of the five members' month, not one per member
    duty = PostDuty.objects.get(holding=holdings[0])
    line = PointsEntry.objects.get(member=county.member_a, source=POST_DUTY)
    assert line.record_id == duty.pk and line.points == item("post", JAN).points
    assert PointsMonth.objects.get(member=county.member_a, month=JAN).points == line.points
    ledger = sec.get(reverse("ratings:member", args=[county.member_a.pk]), {"year": 2027}).content.decode()
    assert reverse("ratings:post_duty", args=[duty.pk]) in ledger
    opened = sec.get(reverse("ratings:post_duty", args=[duty.pk]))
    assert opened["Location"].endswith(f"#duty-{duty.pk}")
    # A plain member may not open the form.
    assert client_for(county.member_user).get(url).status_code == 403


def test_a_holder_logs_the_month_and_sees_it_waiting(county):
    post = services.create_post(county.secretary_a, county.branch_a, name="调解岗", kind="mediation", duties="调解")
    holding = services.assign_post(county.secretary_a, post, county.member_a, since=JAN)
    mem = client_for(county.member_user)
    assert "填写本月履岗情况" in mem.get(reverse("ratings:post", args=[post.pk])).content.decode()
    mem.post(reverse("ratings:duty_log", args=[holding.pk]), {"month": "2027-01", "note": "调解邻里纠纷两起"})
    page = client_for(county.secretary_a).get(reverse("ratings:duties"), {"org": county.branch_a.pk}).content.decode()
    assert "调解邻里纠纷两起" in page and "党员已填写，待确认" in page


def test_pledges_are_public_to_the_branch_and_checked_by_it(county):
    mem, sec = client_for(county.member_user), client_for(county.secretary_a)
    assert "还没有党员公开承诺" in mem.get(reverse("ratings:pledges")).content.decode()
    li = add_member(county.branch_a, "李梅")
    services.create_pledge(county.secretary_a, li, year=2027, content="义务清扫村道", due=date(2027, 6, 30))
    services.create_pledge(county.admin_b, county.member_b, year=2027, content="秘密承诺", due=date(2027, 6, 30))
    response = mem.post(
        reverse("ratings:pledge_create"),
        {"org": county.branch_a.pk, "year": 2027, "content": "帮助困难户销售农产品", "due": "2027-05-01"},
    )
    assert response.status_code == 302
    bad = mem.post(
        reverse("ratings:pledge_create"),
        {"org": county.branch_a.pk, "year": 2027, "content": "x", "due": "2028-05-01"},
        follow=True,
    ).content.decode()
    assert "承诺完成日期应在2027年内" in bad
    page = mem.get(reverse("ratings:pledges")).content.decode()
    assert "义务清扫村道" in page and "帮助困难户销售农产品" in page and "秘密承诺" not in page
    mine = Pledge.objects.get(content="帮助困难户销售农产品")
    assert mem.post(reverse("ratings:pledge", args=[mine.pk]), {"state": "fulfilled"}).status_code == 403
    response = sec.post(
        reverse("ratings:pledge", args=[mine.pk]), {"state": "fulfilled", "on": "2027-01-20", "note": "已销售 2000 斤"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == Pledge.State.FULFILLED
    assert PointsMonth.objects.get(member=county.member_a, month=JAN).points == item("pledge", JAN).points
    rows = export_rows_without_formulas(sec.get(reverse("ratings:pledges_export"), {"year": 2027}).content)
    assert {r["承诺事项"].value: r["践诺情况"].value for r in rows} == {
        "义务清扫村道": "践诺中",
        "帮助困难户销售农产品": "已兑现",
    }
    filtered = sec.get(reverse("ratings:pledges"), {"year": 2027, "state": "fulfilled"}).content.decode()
    assert "帮助困难户销售农产品" in filtered and "义务清扫村道" not in filtered
    # Withdrawing asks first and is only for a pledge not yet checked.
    other = Pledge.objects.get(content="义务清扫村道")
    detail = sec.get(reverse("ratings:pledge", args=[other.pk])).content.decode()
    assert "data-confirm" in detail and "撤回承诺" in detail
    sec.post(reverse("ratings:pledge_withdraw", args=[other.pk]))
    assert not Pledge.objects.filter(pk=other.pk).exists()
    sec.post(reverse("ratings:pledge_withdraw", args=[mine.pk]))
    assert Pledge.objects.filter(pk=mine.pk).exists()


def test_catalogue_queries_do_not_grow_with_posts(county):
    def count():
        with CaptureQueriesContext(connection) as captured:
            client_for(county.secretary_a).get(reverse("ratings:posts"), {"org": county.branch_a.pk})
        return len(captured)

    post = services.create_post(county.secretary_a, county.branch_a, name="岗0", kind="policy", duties="x")
    services.assign_post(county.secretary_a, post, county.member_a, since=JAN)
    few = count()
    for n in range(1, 8):
        post = services.create_post(county.secretary_a, county.branch_a, name=f"岗{n}", kind="policy", duties="x")
        services.assign_post(county.secretary_a, post, add_member(county.branch_a, f"员{n}"), since=JAN)
    assert count() == few


def test_model_posts_on_the_review_the_overview_and_the_members_page(county):
    """Q4 2026 of branch 甲: 张三 keeps a post all quarter (the only points), so he is the proposed
    model post (3 members: 10% rounded up is 1); the branch decides it, the overview counts it, his
    points page shows it, and the township may change it with a reason."""
    q4 = date(2026, 10, 1)
    with time_machine.travel("2026-10-05 10:00 +0800"):
        post = services.create_post(county.secretary_a, county.branch_a, name="宣传岗", kind="policy", duties="宣讲")
        services.assign_post(county.secretary_a, post, county.member_a, since=q4)
    with time_machine.travel("2026-12-20 10:00 +0800"):
        for m in (10, 11, 12):
            # Before 2027 the post item is still claimed: the branch's claims stand for the duty.
            claim = services.submit_claim(
                county.member_user,
                member=county.member_a,
                item=item("post", date(2026, m, 1)),
                on=date(2026, m, 3),
                note="宣讲",
            )
            services.decide_claim(county.secretary_a, claim, approve=True)
    sec = client_for(county.secretary_a)
    review = services.propose_review(county.secretary_a, county.branch_a, q4)
    proposed = list(review.model_posts.filter(proposed=True).values_list("member_id", flat=True))
    assert proposed == [county.member_a.pk]
    page = sec.get(reverse("ratings:star_review", args=[review.pk])).content.decode()
    assert "党员示范岗" in page and page.count('name="mp-') == review.model_posts.count()
    data = {f"mp-{m.pk}": "1" if m.proposed else "0" for m in review.model_posts.all()}
    sec.post(reverse("ratings:star_decide", args=[review.pk]), data)
    review.refresh_from_db()
    assert review.state == "decided"
    response = client_for(county.admin_a).get(
        reverse("ratings:stars"), {"org": county.village_a.pk, "quarter": "2026-4"}
    )
    overview = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert 'data-figure="model-posts">1<' in overview, overview[overview.find("<main") :][:1500]
    mine = client_for(county.member_user).get(reverse("ratings:mine"), {"year": 2026}).content.decode()
    assert "党员示范岗" in mine and "2026年第4季度" in mine and "责任岗：宣传岗" in mine
    row = review.model_posts.get(member=county.member_a)
    refused = sec.post(reverse("ratings:model_post_overrule", args=[row.pk]), {"chosen": "0", "reason": "x"})
    assert refused.status_code == 403  # the branch cannot overrule itself
    row.refresh_from_db()
    assert row.final
    client_for(county.admin_a).post(
        reverse("ratings:model_post_overrule", args=[row.pk]), {"chosen": "0", "reason": "事迹核实不足"}
    )
    row.refresh_from_db()
    assert not row.final and row.overrule_reason == "事迹核实不足"


def test_catalogue_and_pledges_show_a_page_and_count_every_row_in_fixed_queries(county):
    """Beyond a page (50) the catalogue and the pledges show one page; the pledges' counts by state
    and the list's total cover every row; the queries do not grow from a few rows to two pages."""
    import re

    sec = client_for(county.secretary_a)

    def load(url):
        with CaptureQueriesContext(connection) as captured:
            html = sec.get(url, {"org": county.branch_a.pk, "year": 2027}).content.decode()
        return html, len(captured)

    def shown(html, attr):
        return len(re.findall(f'{attr}="', html))

    li = add_member(county.branch_a, "李梅")
    services.create_post(county.secretary_a, county.branch_a, name="岗0", kind="policy", duties="x")
    services.create_pledge(county.secretary_a, li, year=2027, content="承诺0", due=date(2027, 6, 30))
    _html, few_posts = load(reverse("ratings:posts"))
    _html, few_pledges = load(reverse("ratings:pledges"))
    for n in range(1, 61):
        services.create_post(county.secretary_a, county.branch_a, name=f"岗{n}", kind="policy", duties="x")
        services.create_pledge(county.secretary_a, li, year=2027, content=f"承诺{n}", due=date(2027, 6, 30))
    posts, many_posts = load(reverse("ratings:posts"))
    pledges, many_pledges = load(reverse("ratings:pledges"))
    assert shown(posts, "data-post") == 50 and 'data-list-count="61"' in posts
    assert shown(pledges, "data-pledge") == 50 and 'data-list-count="61"' in pledges
    assert "践诺中 <strong>61</strong>" in pledges
    assert (many_posts, many_pledges) == (few_posts, few_pledges)
    assert shown(sec.get(reverse("ratings:pledges"), {"year": 2027, "page": 2}).content.decode(), "data-pledge") == 11
    rows = export_rows_without_formulas(sec.get(reverse("ratings:pledges_export"), {"year": 2027}).content)
    assert len([r for r in rows if r["承诺事项"].value]) == 61


def test_the_monthly_form_of_many_holders_is_a_page_at_a_time_in_fixed_queries(county):
    """Above a page (50) of holders the form shows a page; the header counts every holder and
    every confirmed one; posting the second page saves its rows and returns to it."""
    import re

    sec = client_for(county.secretary_a)
    url = reverse("ratings:duties")
    query = {"org": county.branch_a.pk, "month": "2027-01"}

    def load(**extra):
        with CaptureQueriesContext(connection) as captured:
            html = sec.get(url, {**query, **extra}).content.decode()
        return html, len(captured)

    post = services.create_post(county.secretary_a, county.branch_a, name="岗", kind="service", duties="x", capacity=99)
    services.assign_post(county.secretary_a, post, county.member_a, since=date(2027, 1, 3))
    _html, few = load()
    for n in range(60):
        services.assign_post(
            county.secretary_a, post, add_member(county.branch_a, f"员{n:02d}"), since=date(2027, 1, 3)
        )
    first, many = load()
    assert many == few and first.count("data-holding=") == 50 and "本月在岗 61 人，已确认 0 人" in first
    second, _ = load(page=2)
    ids = [int(x) for x in re.findall(r'data-holding="(\d+)"', second)]
    assert len(ids) == 11
    response = sec.post(url, {**query, "page": 2, **{f"s-{pk}": "fulfilled" for pk in ids}})
    assert response.status_code == 302 and response["Location"].endswith("&page=2")
    assert PostDuty.objects.filter(state="fulfilled").count() == 11
    assert "本月在岗 61 人，已确认 11 人" in load()[0]
