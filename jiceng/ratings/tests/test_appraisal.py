"""The secretaries' annual report and appraisal (书记抓基层党建述职评议考核): a round for the
organizer's direct children, the secretary files and submits (the figures frozen as the apps
computed them at that moment), reviewers vote once inside the window, paper votes are added,
closing keeps the tally and grade by the round's rule, a closed round is read-only, and the
Word sheet holds the figures and the grade."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import docx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiceng.core.indices import FORTRESS, registered
from jiceng.development import queries as development
from jiceng.orgs.models import Organization
from jiceng.orgs.services import create_organization
from jiceng.ratings import rules
from jiceng.ratings.models import AppraisalReport, AppraisalRound, AppraisalVote
from jiceng.ratings.services import appraisal
from jiceng.ratings.testing import meeting
from jiceng.requests import queries as request_queries
from jiceng.testing import add_member, client_for, export_rows_without_formulas, make_user

TODAY = "2026-11-20 10:00 +0800"
SECTIONS = {"work_done": "抓班子带队伍", "problems": "学习不够深入", "causes": "重业务轻党建", "plans": "明年建强阵地"}
RULE = {"good_at_least": 50, "fair_at_least": 70, "poor_over": 30}


def grade(**counts) -> str:
    return rules.appraisal_grade(counts, **RULE)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, ""),
        ({"good": 5, "fair": 5}, "good"),  # 好 exactly 50%
        ({"good": 4, "fair": 6}, "fair"),  # 好 49%… no: 40%, satisfaction 100%
        ({"good": 4, "fair": 3, "average": 3}, "fair"),  # satisfaction exactly 70%
        ({"good": 4, "fair": 2, "average": 4}, "average"),  # 60%
        ({"good": 7, "poor": 3}, "good"),  # 差 exactly 30% is not more than 30%
        ({"good": 6, "poor": 4}, "poor"),  # 差 over 30% decides first
        ({"good": 69, "fair": 0, "average": 0, "poor": 31}, "poor"),
        ({"average": 1}, "average"),
    ],
)
def test_the_grade_rule_and_its_boundaries(counts, expected):
    assert grade(**counts) == expected


def test_the_tally_counts_and_rounds_the_satisfaction_half_up():
    t = rules.appraisal_tally({"good": 1, "fair": 1, "poor": 1}, **RULE)
    assert t.total == 3 and t.satisfaction == D("66.7") and t.grade == "poor"
    t = rules.appraisal_tally({"good": 1, "fair": 0, "average": 7}, **RULE)
    assert t.satisfaction == D("12.5") and t.grade == "average"
    assert rules.appraisal_tally({}, **RULE).satisfaction is None


@pytest.fixture
def setup(county):
    """Town 甲 appraises its direct children: village 东村 (secretary 东村书记, with an account of
    that name) and a second general branch without a recorded secretary account."""
    with time_machine.travel(TODAY):
        Organization.objects.filter(pk=county.village_a.pk).update(secretary_name="东村书记")
        county.village_a.refresh_from_db()
        west = create_organization(
            None, parent=county.town_a, code="TA02", name="甲镇西村党支部", type="branch", domain="rural"
        )
        make_user("other-v", county.village_a, "branch_secretary", display_name="另一人")
        secretary = make_user("sec-v", county.village_a, "branch_secretary", display_name="东村书记")
        reviewers = [make_user(f"rev{i}", county.town_a, "member") for i in range(3)]
        round_ = appraisal.create_round(
            county.admin_a, county.town_a, year=2026, vote_from=date(2026, 11, 15), vote_until=date(2026, 11, 30)
        )
        for r in reviewers:
            appraisal.add_reviewer(county.admin_a, round_, r)
        report = round_.reports.get(organization=county.village_a)
        yield {"round": round_, "report": report, "secretary": secretary, "reviewers": reviewers, "west": west}


def test_a_round_lists_the_direct_childrens_secretaries(county, setup):
    round_ = setup["round"]
    reports = {r.organization_id: r for r in round_.reports.all()}
    assert set(reports) == {county.village_a.pk, setup["west"].pk}
    assert reports[county.village_a.pk].secretary_user == setup["secretary"]  # by the recorded name
    assert reports[county.village_a.pk].post == "党总支书记"
    assert reports[setup["west"].pk].secretary_user is None
    assert reports[setup["west"].pk].secretary_name == "（未登记书记）"
    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="已有 2026 年度"):
            appraisal.create_round(
                county.admin_a, county.town_a, year=2026, vote_from=date(2026, 11, 1), vote_until=date(2026, 11, 2)
            )
        with pytest.raises(PermissionDenied):
            appraisal.create_round(
                county.admin_b, county.town_a, year=2025, vote_from=date(2026, 11, 1), vote_until=date(2026, 11, 2)
            )
        with pytest.raises(ValidationError, match="不是"):
            appraisal.create_round(
                county.admin_a,
                county.town_a,
                year=2025,
                vote_from=date(2026, 11, 1),
                vote_until=date(2026, 11, 2),
                organizations=[county.branch_b],
            )


def _live(org, year, today):
    components = registered(FORTRESS)
    life = components["life.compliance"].compute(org, year, today).values()
    return {
        "life.compliance": (sum(f.numerator for f in life), sum(f.denominator for f in life)),
        "dues.completion": components["dues.completion"].compute(org, year, today).get(org.pk),
        "admitted": sum(
            n for _, n in development.admissions(org.path, (date(year, 1, 1), date(year, 12, 31))).values()
        ),
    }


def test_the_figures_are_the_apps_own_at_submission_and_stay_frozen(county, setup):
    report, secretary = setup["report"], setup["secretary"]
    with time_machine.travel(TODAY):
        meeting(county.secretary_a, county.branch_a, date(2026, 3, 10))
        with pytest.raises(PermissionDenied):
            appraisal.save_report(county.admin_a, report, **SECTIONS)  # not the secretary
        with pytest.raises(PermissionDenied):
            appraisal.save_report(county.secretary_a, report, **SECTIONS)  # an account of another branch
        with pytest.raises(ValidationError, match="原因分析"):
            appraisal.save_report(secretary, report, submit=True, **{**SECTIONS, "causes": " "})
        appraisal.save_report(secretary, report, submit=True, **SECTIONS)
        live = _live(county.village_a, 2026, date(2026, 11, 20))
    report.refresh_from_db()
    by_code = {f["code"]: f for f in report.figures}
    assert report.state == "submitted"
    assert [f["code"] for f in report.figures][:2] == ["life.compliance", "development.admitted"]
    done, owed = live["life.compliance"]
    assert owed > 0 and done == D("0.5")  # the branch's one meeting of March, late, counts half
    assert by_code["life.compliance"]["numerator"] == f"{done.normalize():f}"
    assert by_code["life.compliance"]["denominator"] == f"{owed.normalize():f}"
    assert by_code["life.compliance"]["url"] == f"{reverse('life:compliance')}?org={county.village_a.pk}&period=2026"
    assert by_code["development.admitted"]["numerator"] == str(live["admitted"]) == "1"  # 王五 joined 2026-01-10
    dues = live["dues.completion"]
    if dues is None:
        assert by_code["dues.completion"]["value"] == "无应统计事项"
    else:
        assert by_code["dues.completion"]["numerator"] == f"{dues.numerator.normalize():f}"
    requests = request_queries.year_figures(county.village_a, 2026, report.submitted_at)
    assert by_code["requests.resolved"]["denominator"] == str(requests.received)
    assert by_code["ratings.fortress"]["value"] == "未计算"
    assert by_code["ratings.weak"]["value"] == "否"
    frozen = list(report.figures)
    # Later records change the apps' figures, not the submitted report's.
    with time_machine.travel("2026-11-25 10:00 +0800"):
        add_member(county.branch_a, "新发展", status="probationary", join_date=date(2026, 6, 1), full_date=None)
        meeting(county.secretary_a, county.branch_a, date(2026, 11, 24), topic="再学习")
        assert _live(county.village_a, 2026, date(2026, 11, 25))["admitted"] == 2
        with pytest.raises(ValidationError, match="已提交"):
            appraisal.save_report(secretary, report, **SECTIONS)
    report.refresh_from_db()
    assert report.figures == frozen


def test_a_secretary_without_a_matching_account_files_through_the_organizations_manager(county, setup):
    west = setup["round"].reports.get(organization=setup["west"])
    west_secretary = make_user("sec-w", setup["west"], "branch_secretary")
    with time_machine.travel(TODAY):
        appraisal.save_report(west_secretary, west, work_done="草稿")
    west.refresh_from_db()
    assert west.work_done == "草稿" and west.state == "draft"


def _submitted(setup):
    with time_machine.travel(TODAY):
        appraisal.save_report(setup["secretary"], setup["report"], submit=True, **SECTIONS)


def test_each_reviewer_votes_once_inside_the_window(county, setup):
    report = setup["report"]
    a, b, c = setup["reviewers"]
    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="尚未提交"):
            appraisal.cast_vote(a, report, "good")
    _submitted(setup)
    with time_machine.travel(TODAY):
        appraisal.cast_vote(a, report, "good")
        with pytest.raises(ValidationError, match="只能投一次"):
            appraisal.cast_vote(a, report, "poor")
        with pytest.raises(PermissionDenied):
            appraisal.cast_vote(county.admin_b, report, "poor")
        with pytest.raises(ValidationError, match="请选择"):
            appraisal.cast_vote(b, report, "excellent")
    with time_machine.travel("2026-12-01 09:00 +0800"), pytest.raises(ValidationError, match="测评时间"):
        appraisal.cast_vote(b, report, "good")
    with time_machine.travel("2026-11-14 23:00 +0800"), pytest.raises(ValidationError, match="测评时间"):
        appraisal.cast_vote(c, report, "good")
    assert list(AppraisalVote.objects.filter(report=report).values_list("reviewer_id", "grade")) == [(a.pk, "good")]


def test_closing_keeps_the_result_and_the_round_becomes_read_only(county, setup):
    round_, report = setup["round"], setup["report"]
    a, b, c = setup["reviewers"]
    _submitted(setup)
    with time_machine.travel(TODAY):
        for reviewer, g in ((a, "good"), (b, "fair"), (c, "poor")):
            appraisal.cast_vote(reviewer, report, g)
        with pytest.raises(PermissionDenied):
            appraisal.record_paper_votes(county.admin_b, report, {"good": 1})
        with pytest.raises(ValidationError, match="负数"):
            appraisal.record_paper_votes(county.admin_a, report, {"good": -1})
        appraisal.record_paper_votes(county.admin_a, report, {"good": 4, "fair": 1, "average": 1, "poor": 0})
        # 好 5, 较好 2, 一般 1, 差 1 of 9: 好 55.6% ≥ 50% → 好; 满意率 7/9 = 77.8%.
        appraisal.close_round(county.admin_a, round_)
    report.refresh_from_db()
    assert (report.good, report.fair, report.average, report.poor) == (5, 2, 1, 1)
    assert report.satisfaction == D("77.8") and report.grade == "good"
    west = round_.reports.get(organization=setup["west"])
    assert west.grade == "" and west.good == 0 and west.satisfaction is None
    round_.refresh_from_db()
    assert round_.state == AppraisalRound.State.CLOSED and round_.closed_at is not None
    with time_machine.travel(TODAY):
        for attempt in (
            lambda: appraisal.cast_vote(a, report, "good"),
            lambda: appraisal.record_paper_votes(county.admin_a, report, {"good": 9}),
            lambda: appraisal.save_report(setup["secretary"], report, **SECTIONS),
            lambda: appraisal.add_reviewer(county.admin_a, round_, county.secretary_a),
            lambda: appraisal.close_round(county.admin_a, round_),
        ):
            with pytest.raises(ValidationError, match="只读"):
                attempt()
    # A later vote row (from outside the services) would not change the kept result.
    report.refresh_from_db()
    assert appraisal.results(round_)[0][1].grade in ("good", "")


def test_the_word_sheet_holds_the_report_its_figures_and_the_grade(county, setup):
    round_, report = setup["round"], setup["report"]
    _submitted(setup)
    with time_machine.travel(TODAY):
        for reviewer in setup["reviewers"]:
            appraisal.cast_vote(reviewer, report, "fair")
        appraisal.close_round(county.admin_a, round_)
        response = client_for(county.admin_a).get(reverse("ratings:appraisal_report_docx", args=[report.pk]))
        whole = client_for(county.admin_a).get(reverse("ratings:appraisal_docx", args=[round_.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年度基层党组织书记抓基层党建工作述职评议考核表" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(cells)
    report.refresh_from_db()
    assert "东村书记" in joined and county.village_a.name in joined and "党总支书记" in joined
    assert SECTIONS["problems"] in joined and SECTIONS["plans"] in joined
    for f in report.figures:
        assert f["name"] in joined and f["value"] in joined
    assert "较好 3 票" in joined and "100.0%" in joined
    assert "综合评议等次" in cells and "较好" in cells
    east_asian = document.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asian == "宋体"
    pages = docx.Document(io.BytesIO(whole.content))
    titles = [p.text for p in pages.paragraphs if "述职评议考核表" in p.text]
    assert len(titles) == 2  # a sheet per secretary
    assert 'w:br w:type="page"' in pages.element.xml


def test_pages_for_the_organizer_the_secretary_and_a_reviewer(county, setup):
    round_, report, secretary = setup["round"], setup["report"], setup["secretary"]
    reviewer = setup["reviewers"][0]
    with time_machine.travel(TODAY):
        # The secretary files through the form: a draft, then a refusal explained, then submission.
        c = client_for(secretary)
        assert f'data-mine="{report.pk}"' in c.get(reverse("ratings:appraisal")).content.decode()
        edit = reverse("ratings:appraisal_report_edit", args=[report.pk])
        assert c.get(edit).status_code == 200
        c.post(edit, {**SECTIONS, "plans": "", "action": "save"})
        report.refresh_from_db()
        assert report.work_done == SECTIONS["work_done"] and report.state == "draft"
        page = c.post(edit, {**SECTIONS, "plans": "", "action": "submit"}).content.decode()
        assert "提交前请填写：下一步工作打算" in page
        assert c.post(edit, {**SECTIONS, "action": "submit"}).status_code == 302
        report.refresh_from_db()
        assert report.state == "submitted"
        # A submitted report is not edited any more: the form sends the secretary back to it.
        assert c.get(edit)["Location"] == reverse("ratings:appraisal_report", args=[report.pk])
        c.post(edit, {**SECTIONS, "work_done": "改过", "action": "save"})
        report.refresh_from_db()
        assert report.work_done == SECTIONS["work_done"]
        # Another manager of the same organization sees the report but may not edit it.
        other = client_for(county.admin_a)
        assert other.get(reverse("ratings:appraisal_report", args=[report.pk])).status_code == 200
        assert other.get(edit).status_code == 403
        # The reviewer votes from the phone page.
        r = client_for(reviewer)
        vote_page = r.get(reverse("ratings:appraisal_vote", args=[round_.pk])).content.decode()
        assert "东村书记" in vote_page and 'value="good"' in vote_page
        r.post(reverse("ratings:appraisal_report_vote", args=[report.pk]), {"grade": "good", "next": "round"})
        vote_page = r.get(reverse("ratings:appraisal_vote", args=[round_.pk])).content.decode()
        assert f'data-voted="{report.pk}">已投票：好' in vote_page
        assert r.get(reverse("ratings:appraisal_report", args=[report.pk])).status_code == 200
        # A reviewer sees no other round and no organizer page.
        assert r.get(reverse("ratings:appraisal_round", args=[round_.pk])).status_code in (403, 404)
        # The organizer's page: a fixed number of queries whatever the number of secretaries.
        admin = client_for(county.admin_a)
        with CaptureQueriesContext(connection) as captured:
            page = admin.get(reverse("ratings:appraisal_round", args=[round_.pk])).content.decode()
        assert len(captured) <= 14
        assert "东村书记" in page and "添加评议人" in page
        admin.post(reverse("ratings:appraisal_reviewer", args=[round_.pk]), {"username": county.secretary_a.username})
        assert round_.reviewers.filter(user=county.secretary_a).exists()
        admin.post(
            reverse("ratings:appraisal_report_paper", args=[report.pk]),
            {"good": "2", "fair": "0", "average": "1", "poor": "0"},
        )
        admin.post(reverse("ratings:appraisal_close", args=[round_.pk]))
        round_.refresh_from_db()
        assert round_.state == "closed"
        page = admin.get(reverse("ratings:appraisal_round", args=[round_.pk])).content.decode()
        assert 'data-grade="good"' in page and "75.0%" in page and 'name="username"' not in page
        rows = export_rows_without_formulas(admin.get(reverse("ratings:appraisal_export", args=[round_.pk])).content)
        east = next(row for row in rows if row["书记"].value == "东村书记")
        assert east["好"].value == 3 and east["一般"].value == 1 and east["评议等次"].value == "好"
        api = admin.get("/api/v1/ratings/appraisal/", {"year": 2026}).json()
        assert api[0]["reports"][0]["grade"] in ("好", "")
        assert {r["secretary_name"]: r["grade"] for r in api[0]["reports"]}["东村书记"] == "好"
        # Township 乙 sees nothing of it.
        b = client_for(county.admin_b)
        assert b.get(reverse("ratings:appraisal_round", args=[round_.pk])).status_code == 404
        assert b.get(reverse("ratings:appraisal_report", args=[report.pk])).status_code == 404
        assert "东村书记" not in b.get(reverse("ratings:appraisal")).content.decode()
        assert b.get("/api/v1/ratings/appraisal/").json() == []


def test_a_plain_member_without_a_part_sees_an_empty_page(county, setup):
    with time_machine.travel(TODAY):
        page = client_for(county.member_user).get(reverse("ratings:appraisal")).content.decode()
    assert "暂无需要您参加的述职评议" in page and "东村书记" not in page
    assert AppraisalReport.objects.count() == 2


def test_the_organization_star_rating_is_among_the_appraisal_figures(county):
    """The figure list's org_rating: a branch's own stars, and for a township how many of the
    rated organizations below it have five stars — as the ratings hold them."""
    from jiceng.ratings import appraisal_figures, services
    from jiceng.ratings.models import OrgRating

    with time_machine.travel(TODAY):
        services.propose_org_ratings(None, county.town_a, 2026)
        ratings = OrgRating.objects.filter(county.town_a.subtree_filter("organization__"), year=2026)
        assert ratings.exists()
        (own,) = appraisal_figures.org_rating(county.branch_a, 2026, date(2026, 11, 20))
        assert own.numerator == str(ratings.get(organization=county.branch_a).stars) and own.denominator == "5"
        (below,) = appraisal_figures.org_rating(county.town_a, 2026, date(2026, 11, 20))
        assert below.denominator == str(ratings.count())
        assert below.numerator == str(ratings.filter(stars__gte=5).count())
        assert "ratings.org_rating_below" in [
            f["code"] for f in appraisal_figures.figures_for(county.town_a, 2026, date(2026, 11, 20))
        ]


# ---- returning a report, notices, the county's grade rule ------------------------------------


def test_staff_return_a_submitted_report_before_any_vote_and_the_secretary_resubmits(county, setup):
    from jiceng.core.models import Notification

    report, secretary = setup["report"], setup["secretary"]
    a = setup["reviewers"][0]
    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="尚未提交"):
            appraisal.return_report(county.admin_a, report, reason="补充")
    _submitted(setup)
    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="退回原因"):
            appraisal.return_report(county.admin_a, report, reason="  ")
        with pytest.raises(PermissionDenied):
            appraisal.return_report(county.admin_b, report, reason="外乡镇")  # not the organizer's staff
        with pytest.raises(PermissionDenied):
            appraisal.return_report(secretary, report, reason="自己退回")
        appraisal.return_report(county.admin_a, report, reason="问题查摆不具体")
    report.refresh_from_db()
    assert (report.state, report.returned_reason, report.figures, report.submitted_at) == (
        "draft",
        "问题查摆不具体",
        [],
        None,
    )
    assert report.returned_by == county.admin_a
    notice = Notification.objects.get(recipient=secretary, kind="ratings_appraisal", title__contains="被退回")
    assert "问题查摆不具体" in notice.body and notice.url == reverse("ratings:appraisal_report", args=[report.pk])
    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="尚未提交"):
            appraisal.cast_vote(a, report, "good")  # nobody votes on a returned report
        appraisal.save_report(secretary, report, submit=True, **{**SECTIONS, "causes": "补充了原因"})
        appraisal.cast_vote(a, report, "good")
        with pytest.raises(ValidationError, match="已有评议票"):
            appraisal.return_report(county.admin_a, report, reason="再退回")
    report.refresh_from_db()
    assert report.state == "submitted" and report.figures  # frozen anew at the second submission


def test_paper_votes_also_keep_a_report_from_being_returned(county, setup):
    _submitted(setup)
    with time_machine.travel(TODAY):
        appraisal.record_paper_votes(county.admin_a, setup["report"], {"fair": 1})
        with pytest.raises(ValidationError, match="已有评议票"):
            appraisal.return_report(county.admin_a, setup["report"], reason="补充")


def test_the_return_page_for_the_organizer_and_the_secretary(county, setup):
    report = setup["report"]
    _submitted(setup)
    url = reverse("ratings:appraisal_report", args=[report.pk])
    with time_machine.travel(TODAY):
        page = client_for(county.admin_a).get(url).content.decode()
        assert reverse("ratings:appraisal_report_return", args=[report.pk]) in page
        secretary = client_for(setup["secretary"])
        assert "退回修改" not in secretary.get(url).content.decode()
        done = client_for(county.admin_a).post(
            reverse("ratings:appraisal_report_return", args=[report.pk]), {"reason": "请补充数据分析"}
        )
        assert done.status_code == 302
        page = secretary.get(url).content.decode()
    assert "data-returned" in page and "请补充数据分析" in page
    round_page = client_for(county.admin_a).get(reverse("ratings:appraisal_round", args=[report.round_id]))
    assert "已退回" in round_page.content.decode()


def test_opening_a_round_and_adding_a_reviewer_notify_them(county, setup):
    from jiceng.core.models import Notification

    secretary, reviewer = setup["secretary"], setup["reviewers"][0]
    opened = Notification.objects.get(recipient=secretary, kind="ratings_appraisal")
    assert "2026 年度" in opened.title and "2026年11月15日 至 2026年11月30日" in opened.body
    assert opened.url == reverse("ratings:appraisal_report", args=[setup["report"].pk])
    invited = Notification.objects.get(recipient=reviewer, kind="ratings_appraisal")
    assert invited.url == reverse("ratings:appraisal_vote", args=[setup["round"].pk])
    # Nobody else is told (the other reportee has no account; staff are not reportees).
    assert set(Notification.objects.filter(kind="ratings_appraisal").values_list("recipient_id", flat=True)) == {
        secretary.pk,
        *(r.pk for r in setup["reviewers"]),
    }


def test_a_new_round_starts_from_the_countys_grade_rule_and_keeps_its_own(county):
    from jiceng.ratings import services
    from jiceng.ratings.models import RatingsSettings

    with time_machine.travel(TODAY):
        with pytest.raises(ValidationError, match="0 到 100"):
            services.update_settings(county.county_admin, appraisal_good_at_least=120)
        services.update_settings(
            county.county_admin, appraisal_good_at_least=60, appraisal_fair_at_least=80, appraisal_poor_over=20
        )
        first = appraisal.create_round(
            county.admin_a, county.town_a, year=2026, vote_from=date(2026, 11, 15), vote_until=date(2026, 11, 30)
        )
        page = client_for(county.admin_a).get(reverse("ratings:appraisal") + f"?org={county.town_a.pk}")
        services.update_settings(county.county_admin, appraisal_good_at_least=55)
        second = appraisal.create_round(
            county.admin_b,
            county.town_b,
            year=2026,
            vote_from=date(2026, 11, 15),
            vote_until=date(2026, 11, 30),
            poor_over=25,
        )
    assert (first.good_at_least, first.fair_at_least, first.poor_over) == (60, 80, 20)
    form = page.context["form"]
    assert (form["good_at_least"].value(), form["fair_at_least"].value(), form["poor_over"].value()) == (60, 80, 20)
    first.refresh_from_db()
    assert first.good_at_least == 60  # a round keeps the rule it was opened with
    assert (second.good_at_least, second.fair_at_least, second.poor_over) == (55, 80, 25)
    assert RatingsSettings.current().appraisal_poor_over == 20


def test_reminders_before_the_last_voting_day_go_once_to_who_still_owes(county, setup):
    from jiceng.core import jobs
    from jiceng.core.models import Notification

    secretary, (a, b, c) = setup["secretary"], setup["reviewers"]
    west_secretary = make_user("sec-w", setup["west"], "branch_secretary")
    setup["round"].reports.filter(organization=setup["west"]).update(secretary_user=west_secretary)
    _submitted(setup)  # 东村 submitted; 西村 still a draft
    with time_machine.travel(TODAY):
        appraisal.cast_vote(a, setup["report"], "good")

    def reminders():
        return dict(
            Notification.objects.filter(kind="ratings_appraisal", key__endswith="remind").values_list(
                "recipient__username", "title"
            )
        )

    with time_machine.travel("2026-11-26 08:00 +0800"):  # 4 days before 30 November: not yet
        assert appraisal.remind_before_close(date(2026, 11, 26)) == 0
    with time_machine.travel("2026-11-27 08:00 +0800"):
        jobs.run_job("ratings.appraisal")
        jobs.run_job("ratings.appraisal")  # a second run sends nothing more
    sent = reminders()
    assert set(sent) == {"sec-w", b.username, c.username}  # not 东村's secretary, not reviewer a
    assert "尚未提交" in sent["sec-w"] and "还有 1 位书记未测评" in sent[b.username]
    with time_machine.travel("2026-12-01 08:00 +0800"):  # after the window: nothing
        assert appraisal.remind_before_close(date(2026, 12, 1)) == 0
    assert secretary.username not in sent
