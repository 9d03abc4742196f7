"""The points pages and API as their users see them: the ranking with its figures and export,
a member's ledger with the link to each record, my points, the unqualified list, claims from
submission to approval, the scheme and its new version, and who may open what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.ratings import queries, services
from jiceng.ratings.models import PointsClaim, PointsMonth, PointsScheme
from jiceng.ratings.testing import item, meeting
from jiceng.testing import add_member, client_for, export_rows_without_formulas, jpeg

NOV = date(2026, 11, 1)


def shown(points: D) -> str:
    """Points as the pages write them (floatformat:"-1"): 6, 6.5."""
    text = f"{points:.1f}"
    return text[:-2] if text.endswith(".0") else text


pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock():
    with time_machine.travel("2026-11-20 10:00 +0800"):
        yield


@pytest.fixture
def points(county):
    """Member 张三 present at two meetings (absent: 李四) and November computed."""
    li = add_member(county.branch_a, "缺席者")
    records = [meeting(county.secretary_a, county.branch_a, date(2026, 11, d), topic=f"学习{d}") for d in (5, 12)]
    r3 = meeting(county.secretary_a, county.branch_a, date(2026, 11, 15), absent=[li], topic="缺席那次")
    services.recompute_month(NOV)
    return {"records": records + [r3], "absent": li}


def test_ranking_shows_each_members_year_and_months_and_exports_the_same(county, points):
    c = client_for(county.secretary_a)
    with CaptureQueriesContext(connection) as captured:
        page = c.get(reverse("ratings:ranking"), {"year": 2026}).content.decode()
    assert len(captured) <= 12
    life = item("life", NOV).points
    assert "党员积分" in page and "张三" in page
    total_a = 3 * life
    assert f"data-total>{shown(total_a)}</td>" in page
    assert "赵秘密" not in page  # township 乙
    rows = export_rows_without_formulas(c.get(reverse("ratings:ranking_export"), {"year": 2026}).content)
    by_name = {r["姓名"].value: r for r in rows}
    assert D(str(by_name["张三"]["全年积分"].value)) == total_a
    assert D(str(by_name["张三"]["11月"].value)) == total_a
    absent = item("absent", NOV).points
    assert D(str(by_name["缺席者"]["全年积分"].value)) == 2 * life + absent
    assert rows[0]["姓名"].value == "张三" or D(str(rows[0]["全年积分"].value)) >= total_a


def test_a_members_ledger_links_every_line_to_its_record(county, points):
    c = client_for(county.secretary_a)
    page = c.get(reverse("ratings:member", args=[points["absent"].pk]), {"year": 2026}).content.decode()
    for record in points["records"]:
        assert reverse("life:detail", args=[record.pk]) in page
    assert "无故缺席组织生活" in page and "缺席那次" in page
    # A plain member sees their own ledger (without staff links) and nobody else's.
    mine = client_for(county.member_user).get(reverse("ratings:mine"), {"year": 2026}).content.decode()
    assert "我的积分" in mine and "学习5" in mine and reverse("life:detail", args=[points["records"][0].pk]) not in mine
    other = client_for(county.member_user).get(reverse("ratings:member", args=[points["absent"].pk]))
    assert other.status_code == 404
    assert client_for(county.member_user).get(reverse("ratings:ranking")).status_code == 403


def test_api_gives_the_same_ledger_and_ranking(county, points):
    c = client_for(county.admin_a)
    data = c.get(reverse("ratings-member-points", args=[county.member_a.pk]), {"year": 2026}).json()
    assert data["name"] == "张三" and D(data["total"]) == 3 * item("life", NOV).points
    (month,) = data["months"]
    assert month["month"] == "2026-11" and {line["source"] for line in month["lines"]} == {"life.present"}
    assert {line["record_id"] for line in month["lines"]} == {r.pk for r in points["records"]}
    ranking = c.get(reverse("ratings-points"), {"year": 2026}).json()
    names = (
        [row["name"] for row in ranking["results"]] if isinstance(ranking, dict) else [row["name"] for row in ranking]
    )
    assert "张三" in names and "赵秘密" not in names
    assert (
        client_for(county.admin_b).get(reverse("ratings-member-points", args=[county.member_a.pk])).status_code == 404
    )


def test_claim_from_member_to_approval_changes_the_points(county, points):
    member = client_for(county.member_user)
    post = item("post", NOV)
    form = member.get(reverse("ratings:claim_create")).content.decode()
    assert post.name in form and "参加组织生活" not in form  # automatic items are not claimed
    response = member.post(
        reverse("ratings:claim_create"),
        {"item": post.pk, "on": "2026-11-10", "note": "到农户家宣讲政策", "photos": [jpeg()]},
    )
    claim = PointsClaim.objects.get(note="到农户家宣讲政策")
    assert response.status_code == 302 and claim.photos.count() == 1
    # A date in the future is refused with the reason, nothing saved.
    page = member.post(
        reverse("ratings:claim_create"), {"item": post.pk, "on": "2026-11-30", "note": "未来"}
    ).content.decode()
    assert "发生日期不能晚于今天" in page and not PointsClaim.objects.filter(note="未来").exists()
    secretary = client_for(county.secretary_a)
    pending = secretary.get(reverse("ratings:claims")).content.decode()
    assert "张三" in pending and "到农户家宣讲政策" in pending
    before = queries.year_total(county.member_a, 2026)
    secretary.post(reverse("ratings:claim_decide", args=[claim.pk]), {"decision": "approve"})
    claim.refresh_from_db()
    assert claim.state == "approved"
    assert queries.year_total(county.member_a, 2026) == before + min(post.points, post.cap_month or post.points)
    ledger = member.get(reverse("ratings:mine")).content.decode()
    assert "到农户家宣讲政策" in ledger
    # Rejecting without a reason is refused with the rule.
    other = services.submit_claim(
        county.member_user, member=county.member_a, item=post, on=date(2026, 11, 11), note="第二次"
    )
    follow = secretary.post(reverse("ratings:claim_decide", args=[other.pk]), {"decision": "reject"}, follow=True)
    assert "不通过时请写明理由" in follow.content.decode()
    # A secretary claims for a member of the branch from the member's page.
    response = secretary.post(
        reverse("ratings:claim_create") + f"?member={county.member_a.pk}",
        {"item": post.pk, "on": "2026-11-12", "note": "书记代报"},
    )
    assert PointsClaim.objects.get(note="书记代报").submitted_by == county.secretary_a


def test_unqualified_page_lists_members_below_the_line(county, points):
    with time_machine.travel("2027-01-10 10:00 +0800"):
        for m in range(1, 13):
            services.recompute_month(date(2026, m, 1))
        page = client_for(county.admin_a).get(reverse("ratings:unqualified"), {"year": 2026}).content.decode()
    assert "积分不合格党员" in page and "张三" in page  # 3 meetings in a year is far below 60
    assert "赵秘密" not in page


def test_unqualified_page_builds_only_the_rows_it_shows(county, points):
    """A year in which most members are below the line lists thousands at county scale: the page
    counts them all but loads member records only for its page, in a fixed number of queries."""
    from jiceng.core.pages import PAGE_SIZE

    for n in range(PAGE_SIZE + 5):
        add_member(county.branch_a, f"新党员{n:03d}")
    with time_machine.travel("2027-01-10 10:00 +0800"):
        services.recompute_month(date(2026, 12, 1))  # every member has a (zero) month on record
        c = client_for(county.admin_a)
        with CaptureQueriesContext(connection) as captured:
            page = c.get(reverse("ratings:unqualified"), {"year": 2026}).content.decode()
        second = c.get(reverse("ratings:unqualified"), {"year": 2026, "page": 2}).content.decode()
    rows = queries.unqualified(county.town_a, 2026)
    assert len(rows) > PAGE_SIZE and f"共 {len(rows)} 人" in page
    assert page.count("data-member=") == PAGE_SIZE and second.count("data-member=") == len(rows) - PAGE_SIZE
    assert len(captured) <= 14
    # Lowest first, as the export lists them.
    assert [r.total for r in rows] == sorted(r.total for r in rows)


def test_scheme_page_and_new_version_for_the_county_admin_only(county):
    page = client_for(county.member_user).get(reverse("ratings:scheme")).content.decode()
    assert "每月最高 10 分" in page and "参加组织生活" in page
    assert client_for(county.admin_a).get(reverse("ratings:scheme_new")).status_code == 403
    c = client_for(county.county_admin)
    form = c.get(reverse("ratings:scheme_new")).content.decode()
    assert "制定积分办法新版本" in form
    current = services.scheme_for(NOV)
    data = {
        "valid_from": "2027-01",
        "name": "2027年积分办法",
        "monthly_cap": "12",
        "unqualified_below": "70",
        "leave_after_years": "3",
        "note": "",
        "items-TOTAL_FORMS": str(current.items.count()),
        "items-INITIAL_FORMS": str(current.items.count()),
    }
    for n, it in enumerate(current.items.all()):
        for f in ("code", "name", "source", "category", "points"):
            data[f"items-{n}-{f}"] = str(getattr(it, f))
        for f in ("cap_month", "cap_year"):
            value = getattr(it, f)
            data[f"items-{n}-{f}"] = "" if value is None else str(value)
    response = c.post(reverse("ratings:scheme_new"), data)
    body = response.content.decode()
    assert response.status_code == 302, [line for line in body.splitlines() if "danger" in line]
    new = PointsScheme.objects.get(valid_from=date(2027, 1, 1))
    assert new.monthly_cap == 12 and new.items.count() == current.items.count()
    # Backdating is refused with the reason.
    data["valid_from"] = "2026-10"
    page = c.post(reverse("ratings:scheme_new"), data).content.decode()
    assert "不能追溯修改" in page


def test_command_card_figures_equal_the_ranking_they_open(county, points):
    """The card counts the months before this one; its average and pace counts are those of the
    ranking's members."""
    with time_machine.travel("2026-12-03 10:00 +0800"):
        page = client_for(county.admin_a).get(reverse("ratings:panel"), {"org": county.town_a.pk}).content.decode()
        ranking = list(queries.ranking(county.town_a, 2026))
    computed = [m for m in ranking if m.pk in set(PointsMonth.objects.values_list("member_id", flat=True))]
    average = sum(m.total for m in computed) / len(computed)
    assert f'data-figure="points-average">{shown(average.quantize(D("0.1")))}<' in page
    line = queries.scheme_of_year(2026).unqualified_below * 11 / 12
    below = sum(1 for m in computed if m.total < line)
    assert f'data-figure="points-below-pace">{below}<' in page
    assert "东村" in page and "乙乡" not in page
