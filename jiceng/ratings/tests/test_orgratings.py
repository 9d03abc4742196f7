"""Organization star ratings (星级党组织评定): checklists as data versioned by year, automatic
items equal to the records they are computed from, stars = standards all of whose items pass,
who may score and confirm, and the county's five-star target."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from jiceng.core.indices import FORTRESS, ORGRATING, registered
from jiceng.life.models import Record
from jiceng.orgs.services import create_organization
from jiceng.ratings import queries, rules, services
from jiceng.ratings.models import OrgChecklist, OrgRating
from jiceng.ratings.testing import meeting
from jiceng.testing import add_member

TODAY = "2026-11-20 10:00 +0800"
COMPONENTS = [
    "life.compliance",
    "life.attendance",
    "dues.completion",
    "ratings.points",
    "ratings.inspections",
    "development.on_schedule",
    "requests.on_time",
    "requests.satisfaction",
    "training.no_demerits",
]
ONE_A_STANDARD = "\n".join(f"【标准{n}】\n细则{n}" for n in range(1, 6))  # five manual items
WITH_INSPECTION = ONE_A_STANDARD.replace("细则5", "细则5\n督查 = ratings.inspections >= 80")


# ---- the rules, pure ------------------------------------------------------------------------


def test_default_checklists_read_back_and_map_domains():
    for kind in rules.DEFAULT_CHECKLISTS:
        standards = rules.parse_org_checklist(rules.default_checklist_text(kind), COMPONENTS)
        assert len(standards) == 5 and rules.checklist_text(standards) == rules.default_checklist_text(kind)
    assert rules.checklist_kind("rural") == rules.FIVE_STRONG
    assert rules.checklist_kind("school") == rules.checklist_kind("agency") == rules.FIVE_EXCELLENT
    assert rules.checklist_kind("private_enterprise") == rules.FIVE_HAVES
    assert rules.checklist_kind("community") == rules.checklist_kind("state_enterprise") == rules.FIVE_GOOD


def test_checklist_text_errors_name_the_line():
    with pytest.raises(ValueError, match="第1行"):
        rules.parse_org_checklist("细则在标准之前", COMPONENTS)
    with pytest.raises(ValueError, match="没有组成项“life.nothing”"):
        rules.parse_org_checklist("【甲】\n好 = life.nothing >= 80", COMPONENTS)
    with pytest.raises(ValueError, match="不能超过 100"):
        rules.parse_org_checklist("【甲】\n好 = life.attendance >= 120", COMPONENTS)
    with pytest.raises(ValueError, match="应有 5 条标准"):
        rules.parse_org_checklist("【甲】\n好", COMPONENTS)
    with pytest.raises(ValueError, match="至少要有一条细则"):
        rules.parse_org_checklist(ONE_A_STANDARD.replace("细则3", ""), COMPONENTS)


def test_a_standard_is_met_only_when_all_its_items_pass():
    def item(standard, passed):
        return {"standard": standard, "passed": passed}

    items = [item("s1", True), item("s1", True), item("s2", True), item("s2", False), item("s3", None)]
    items += [item("s4", True), item("s5", True)]
    assert rules.standards_met(items) == ["s1", "s4", "s5"]
    assert rules.count_stars(items) == 3
    assert rules.count_stars([item(f"s{n}", True) for n in range(1, 6)]) == 5
    assert rules.auto_passes(D("0.8"), "80") is True and rules.auto_passes(D("0.799"), "80") is False
    assert rules.auto_passes(None, "80") is None


# ---- checklists -------------------------------------------------------------------------------


def test_defaults_are_installed_and_versions_apply_from_their_year(county):
    with time_machine.travel(TODAY):
        assert set(queries.org_checklists_in_force(2026)) == set(OrgChecklist.Kind.values)
        with pytest.raises(PermissionDenied):
            services.save_org_checklist(county.admin_a, kind="five_strong", valid_from=2026, name="甲", text="")
        old = queries.org_checklists_in_force(2025)["five_strong"]
        services.propose_org_ratings(county.county_admin, county.root, 2025)
        new = services.save_org_checklist(
            county.county_admin, kind="five_strong", valid_from=2026, name="新五强", text=ONE_A_STANDARD
        )
        assert queries.org_checklists_in_force(2025)["five_strong"] == old
        assert queries.org_checklists_in_force(2026)["five_strong"] == new
        services.propose_org_ratings(county.county_admin, county.root, 2025)  # refreshing keeps 2025's
        services.propose_org_ratings(county.county_admin, county.root, 2026)
        past = OrgRating.objects.get(organization=county.branch_a, year=2025)
        assert past.checklist == old and len(past.items) == sum(len(s["items"]) for s in old.standards)
        assert OrgRating.objects.get(organization=county.branch_a, year=2026).checklist == new
        # A version a rating used cannot be rewritten; an unused one can.
        with pytest.raises(ValidationError, match="已用于评定"):
            services.save_org_checklist(
                county.county_admin, kind="five_strong", valid_from=2026, name="改", text=ONE_A_STANDARD
            )
        services.save_org_checklist(
            county.county_admin, kind="five_strong", valid_from=2027, name="明年", text=ONE_A_STANDARD
        )
        again = services.save_org_checklist(
            county.county_admin, kind="five_strong", valid_from=2027, name="明年改", text=ONE_A_STANDARD
        )
        assert again.name == "明年改" and OrgChecklist.objects.filter(kind="five_strong").count() == 3
        with pytest.raises(ValidationError, match="应有 5 条标准"):
            services.save_org_checklist(
                county.county_admin, kind="five_good", valid_from=2026, name="x", text="【甲】\n好"
            )


# ---- automatic items equal the records ------------------------------------------------------------


@pytest.fixture
def records(county):
    """A year of records for township 甲's branch: three meetings (one member absent), points and
    a closed inspection round (the latest of two counts)."""
    with time_machine.travel(TODAY):
        absent = add_member(county.branch_a, "钱六")
        for month in (3, 6, 9):
            meeting(county.secretary_a, county.branch_a, date(2026, month, 5), absent=[absent], topic=f"{month}月")
        for month in range(1, 11):
            services.recompute_month(date(2026, month, 1))
        other = create_organization(
            None, parent=county.village_a, code="TA0102", name="东村第二党支部", type="branch", domain="rural"
        )
        checklist = [{"code": "i1", "name": "三会一课", "max": "60"}, {"code": "i2", "name": "阵地", "max": "40"}]
        for name, ends, score in (("上半年督查", date(2026, 5, 1), 90), ("下半年督查", date(2026, 10, 1), 30)):
            round_ = services.create_round(
                county.admin_a,
                county.town_a,
                name=name,
                kind="on_site",
                starts_on=ends,
                ends_on=ends,
                checklist=checklist,
                organizations=[county.branch_a, other],
            )
            for result in round_.results.all():
                services.enter_result(county.admin_a, result, scores={"i1": score * 0.6, "i2": score * 0.4})
            services.close_round(county.admin_a, round_)
        services.propose_org_ratings(county.admin_a, county.town_a, 2026)
        yield other


def test_inspection_component_is_the_latest_closed_round(county, records):
    component = registered(ORGRATING)["ratings.inspections"]
    assert "ratings.inspections" not in registered(FORTRESS)  # the fortress index is unchanged
    with time_machine.travel(TODAY):
        figures = component.compute(county.town_a, 2026, date(2026, 11, 20))
    from jiceng.ratings.models import InspectionResult

    latest = InspectionResult.objects.filter(organization=county.branch_a).order_by("round__ends_on").last()
    assert latest.round.name == "下半年督查"
    figure = figures[county.branch_a.pk]
    assert (figure.numerator, figure.denominator) == (latest.total, D(100)) and figure.value == D("0.3")
    assert figure.url.endswith(f"/inspections/{latest.round_id}/")
    assert county.branch_b.pk not in figures
    assert component.compute(county.town_a, 2025, date(2026, 11, 20)) == {}


def test_automatic_items_equal_the_records(county, records):
    rating = OrgRating.objects.get(organization=county.branch_a, year=2026)
    assert rating.checklist.kind == "five_strong" and rating.state == "proposed"
    items = {i["component"]: i for i in rating.items if i["mode"] == "auto"}
    held = Record.objects.filter(county.branch_a.subtree_filter("organization__"), held_on__year=2026)
    totals = held.aggregate(p=Sum("present_count"), e=Sum("expected_count"))
    attendance = items["life.attendance"]
    assert (D(attendance["numerator"]), D(attendance["denominator"])) == (totals["p"], totals["e"])
    assert D(attendance["value"]) == (100 * totals["p"] / D(totals["e"])).quantize(D("0.1"))
    assert attendance["passed"] is (D(attendance["value"]) >= D(attendance["threshold"]))
    points = sum(m.total for m in queries.ranking(county.branch_a, 2026, through=10))
    assert D(items["ratings.points"]["numerator"]) == points
    assert D(items["ratings.points"]["denominator"]) == 4 * queries.pace_line(2026, 10)
    assert (items["ratings.inspections"]["value"], items["ratings.inspections"]["passed"]) == ("30.0", False)
    assert items["ratings.inspections"]["url"] and items["life.attendance"]["url"]
    # Every automatic item is the component's own figure, recounted now.
    with time_machine.travel(TODAY):
        components = queries.orgrating_components()
        for code, item in items.items():
            figure = components[code].compute(county.town_a, 2026, date(2026, 11, 20)).get(county.branch_a.pk)
            assert item["numerator"] == (f"{D(figure.numerator).normalize():f}" if figure else None)
    # Stars are the standards all of whose items pass; manual items are undecided yet.
    assert rating.stars == rules.count_stars(rating.items) == 0


# ---- who scores and confirms ---------------------------------------------------------------------


@pytest.fixture
def manual(county):
    """2026 ratings on a checklist of manual items plus the inspection item (no round: no figure)."""
    with time_machine.travel(TODAY):
        services.save_org_checklist(
            county.county_admin, kind="five_strong", valid_from=2026, name="测试五强", text=WITH_INSPECTION
        )
        services.propose_org_ratings(county.county_admin, county.root, 2026)
        yield OrgRating.objects.get(organization=county.branch_a, year=2026)


def _score_all(actor, rating, passed=True):
    for item in rating.items:
        rating = services.score_org_item(actor, rating, item["code"], passed=passed, note="查阅了会议记录")
    return rating


def test_the_level_above_scores_with_evidence_and_confirms(county, manual):
    with time_machine.travel(TODAY):
        with pytest.raises(PermissionDenied):
            services.score_org_item(county.secretary_a, manual, "s1i1", passed=True, note="自评")
        with pytest.raises(PermissionDenied):
            services.score_org_item(county.admin_b, manual, "s1i1", passed=True, note="外来")
        with pytest.raises(ValidationError, match="评审依据"):
            services.score_org_item(county.admin_a, manual, "s1i1", passed=True, note=" ")
        with pytest.raises(ValidationError, match="未评定"):
            services.confirm_org_rating(county.admin_a, manual)
        rating = _score_all(county.admin_a, manual)
        assert rating.stars == 5
        rating = services.score_org_item(county.admin_a, rating, "s5i2", passed=False, note="督查未开展")
        assert rating.stars == 4  # one item of standard 5 fails: the standard is not met
        item = next(i for i in rating.items if i["code"] == "s5i2")
        assert item["note"] == "督查未开展" and item["scored_by"] == county.admin_a.pk and item["scored_at"]
        with pytest.raises(PermissionDenied):
            services.confirm_org_rating(county.secretary_a, rating)
        rating = services.confirm_org_rating(county.admin_a, rating)
        assert (rating.state, rating.stars, rating.confirmed_by) == ("confirmed", 4, county.admin_a)
        # Confirmed: the township may no longer change it, the county admin may.
        with pytest.raises(ValidationError, match="只有县委组织部"):
            services.score_org_item(county.admin_a, rating, "s5i2", passed=True, note="补充材料")
        rating = services.score_org_item(county.county_admin, rating, "s5i2", passed=True, note="县委复核")
        assert (rating.state, rating.stars) == ("confirmed", 5)
        # A new proposal leaves a confirmed rating as it was, and keeps a proposed one's scores.
        services.propose_org_ratings(county.county_admin, county.root, 2026)
        assert OrgRating.objects.get(pk=rating.pk).stars == 5
        other = OrgRating.objects.get(organization=county.branch_b, year=2026)
        services.score_org_item(county.admin_b, other, "s1i1", passed=True, note="乙乡评审")
        services.propose_org_ratings(county.county_admin, county.root, 2026)
        assert next(i for i in OrgRating.objects.get(pk=other.pk).items if i["code"] == "s1i1")["passed"] is True


def test_a_computed_item_cannot_be_overridden(county, records):
    rating = OrgRating.objects.get(organization=county.branch_a, year=2026)
    auto = next(i for i in rating.items if i["component"] == "life.attendance")
    with time_machine.travel(TODAY), pytest.raises(ValidationError, match="自动计算"):
        services.score_org_item(county.admin_a, rating, auto["code"], passed=True, note="想改")


def test_target_share(county, manual):
    with time_machine.travel(TODAY):
        _score_all(county.admin_a, manual)
        other = OrgRating.objects.get(organization=county.branch_b, year=2026)
        _score_all(county.admin_b, other, passed=False)
        everything = queries.org_ratings(county.county_admin, county.root, 2026)
        dist = queries.star_distribution(everything)
        assert (dist.total, dist.five, dist.share, dist.target) == (2, 1, D("50.0"), 60)
        assert dict(dist.counts) == {0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1} and dist.reached is False
        with pytest.raises(PermissionDenied):
            services.set_org_star_target(county.admin_a, 50)
        services.set_org_star_target(county.county_admin, 50)
        assert queries.star_distribution(everything).reached is True
        assert queries.star_distribution(queries.org_ratings(county.admin_a, county.root, 2026)).share == D(100)


# ---- pages and API ------------------------------------------------------------------------------


def _count_links(page: str) -> list[tuple[str, int]]:
    import html
    import re

    return [(html.unescape(h), int(n)) for h, n in re.findall(r'href="([^"]+)" data-count="(\d+)"', page)]


def _list_count(page: str) -> int:
    import re

    return int(re.search(r'data-list-count="(\d+)"', page).group(1))


def test_list_distribution_links_open_as_many_rows_and_the_page_is_flat(county, manual):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jiceng.testing import client_for, export_rows_without_formulas

    with time_machine.travel(TODAY):
        _score_all(county.admin_a, manual)
        c = client_for(county.county_admin)
        page = c.get(reverse("ratings:orgratings"), {"year": 2026}).content.decode()
        assert "东村第一党支部" in page and "乙乡秘密村党支部" in page and "尚差" in page
        links = _count_links(page)
        assert [n for _, n in links] == [1, 0, 0, 0, 0, 1]
        for href, n in links:
            assert _list_count(c.get(href).content.decode()) == n
        # The township sees its own subtree only; the target is met there.
        own = client_for(county.admin_a).get(reverse("ratings:orgratings"), {"year": 2026}).content.decode()
        assert "乙乡秘密村党支部" not in own and "已达到" in own
        empty = client_for(county.admin_a).get(reverse("ratings:orgratings"), {"year": 2025}).content.decode()
        assert "还没有星级评定" in empty and "按记录生成" in empty
        rows = export_rows_without_formulas(c.get(reverse("ratings:orgrating_export"), {"year": 2026}).content)
        by_name = {r["党组织"].value: r for r in rows if r["党组织"].value}
        assert by_name["东村第一党支部"]["星级"].value == 5 and by_name["乙乡秘密村党支部"]["星级"].value == 0
        # Query count does not grow with the rows.
        with CaptureQueriesContext(connection) as few:
            c.get(reverse("ratings:orgratings"), {"year": 2026})
        for n in range(8):
            create_organization(
                None, parent=county.town_b, code=f"TB1{n}", name=f"乙乡第{n}支部", type="branch", domain="community"
            )
        services.propose_org_ratings(county.county_admin, county.root, 2026)
        with CaptureQueriesContext(connection) as many:
            page = c.get(reverse("ratings:orgratings"), {"year": 2026}).content.decode()
        assert "乙乡第7支部" in page and len(many) == len(few) <= 14
        assert client_for(county.member_user).get(reverse("ratings:orgratings")).status_code == 403


def test_detail_review_and_confirm_pages(county, manual):
    from django.urls import reverse

    from jiceng.testing import client_for

    url = reverse("ratings:orgrating", args=[manual.pk])
    with time_machine.travel(TODAY):
        own = client_for(county.secretary_a).get(url).content.decode()
        assert (
            "标准1" in own
            and "评审依据：" not in own
            and 'action="' + reverse("ratings:orgrating_score", args=[manual.pk]) not in own
        )
        c = client_for(county.admin_a)
        page = c.get(url).content.decode()
        assert page.count('name="item"') == 6 and "确认评定" in page and "还有 6 条细则未评定" in page
        refused = c.post(reverse("ratings:orgrating_score", args=[manual.pk]), {"item": "s1i1", "passed": "yes"})
        assert refused.status_code == 302 and OrgRating.objects.get(pk=manual.pk).items[0]["passed"] is None
        assert "请写明评审依据" in c.get(url).content.decode()
        for item in manual.items:
            c.post(
                reverse("ratings:orgrating_score", args=[manual.pk]),
                {"item": item["code"], "passed": "yes", "note": f"查阅{item['code']}台账"},
            )
        page = c.get(url).content.decode()
        assert "评审依据：查阅s1i1台账" in page and 'data-stars="5"' in page
        assert (
            client_for(county.secretary_a).post(reverse("ratings:orgrating_confirm", args=[manual.pk])).status_code
            == 403
        )
        c.post(reverse("ratings:orgrating_confirm", args=[manual.pk]))
        assert OrgRating.objects.get(pk=manual.pk).state == "confirmed"
        assert "确认评定" not in c.get(url).content.decode()


def test_checklist_editor_for_the_county_admin(county):
    from django.urls import reverse

    from jiceng.testing import client_for

    url = reverse("ratings:orgrating_checklists")
    with time_machine.travel(TODAY):
        township = client_for(county.admin_a)
        assert "村党组织“五强”评定标准" in township.get(url).content.decode()
        assert "制定新版本" not in township.get(url).content.decode()
        assert township.post(url, {"kind": "five_good"}).status_code == 403
        c = client_for(county.county_admin)
        form = c.get(url, {"kind": "five_strong"}).content.decode()
        assert "【支部班子强】" in form and "2027" in form
        data = {"kind": "five_strong", "valid_from": "2027", "name": "新五强", "text": "【甲】\n好"}
        assert "应有 5 条标准" in c.post(url, data).content.decode()
        data["text"] = WITH_INSPECTION
        assert c.post(url, data).status_code == 302
        assert OrgChecklist.objects.get(kind="five_strong", valid_from=2027).name == "新五强"


def test_api_lists_and_details_ratings_in_scope(county, records):
    from django.urls import reverse

    from jiceng.testing import client_for

    with time_machine.travel(TODAY):
        c = client_for(county.admin_a)
        listed = c.get(reverse("ratings-orgratings"), {"year": 2026}).json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert {r["organization_name"] for r in rows} == {"东村第一党支部", "东村第二党支部"}
        detail = c.get(reverse("ratings-orgrating", args=[county.branch_a.pk]), {"year": 2026}).json()
        stored = OrgRating.objects.get(organization=county.branch_a, year=2026)
        assert detail["stars"] == stored.stars and len(detail["items"]) == len(stored.items)
        inspection = next(i for i in detail["items"] if i["component"] == "ratings.inspections")
        assert (inspection["value"], inspection["passed"]) == ("30.0", False) and inspection["url"]
        assert c.get(reverse("ratings-orgrating", args=[county.branch_b.pk]), {"year": 2026}).status_code == 404
        assert c.get(reverse("ratings-orgrating", args=[county.branch_a.pk]), {"year": 2025}).status_code == 404


def test_the_county_admin_sets_the_target_on_the_checklists_page(county):
    from django.urls import reverse

    from jiceng.ratings.models import RatingsSettings
    from jiceng.testing import client_for

    url = reverse("ratings:orgrating_target")
    assert client_for(county.admin_a).post(url, {"org_star_target": "10"}).status_code == 403
    c = client_for(county.county_admin)
    assert "保存目标" in c.get(reverse("ratings:orgrating_checklists")).content.decode()
    refused = c.post(url, {"org_star_target": "120"}, follow=True).content.decode()
    assert "目标比例应在 0–100 之间" in refused and RatingsSettings.current().org_star_target == 60
    c.post(url, {"org_star_target": "70"})
    assert RatingsSettings.current().org_star_target == 70


def test_evidence_photos_are_kept_with_the_item(county, manual):
    from django.urls import reverse

    from jiceng.ratings.models import OrgRatingPhoto
    from jiceng.testing import client_for, jpeg

    with time_machine.travel(TODAY):
        c = client_for(county.admin_a)
        c.post(
            reverse("ratings:orgrating_score", args=[manual.pk]),
            {"item": "s2i1", "passed": "yes", "note": "现场查看阵地", "photos": [jpeg("a.jpg"), jpeg("b.jpg")]},
        )
        photos = list(OrgRatingPhoto.objects.filter(rating=manual))
        assert [p.item for p in photos] == ["s2i1", "s2i1"]
        page = c.get(reverse("ratings:orgrating", args=[manual.pk])).content.decode()
        assert reverse("ratings:orgrating_photo", args=[photos[0].pk]) in page
        assert c.get(reverse("ratings:orgrating_photo", args=[photos[0].pk])).status_code == 200
        assert (
            client_for(county.admin_b).get(reverse("ratings:orgrating_photo", args=[photos[0].pk])).status_code == 404
        )


# ---- the default versions from 2027 read the recruitment, requests and training figures ----------


def _migration():
    return importlib.import_module("jiceng.ratings.migrations.0014_checklists_with_figures")


def importlib_defaults_0009():
    return importlib.import_module("jiceng.ratings.migrations.0009_org_star_ratings").DEFAULTS


def test_the_defaults_from_2027_are_a_new_version_and_the_first_stays(county):
    first = importlib_defaults_0009()
    for kind in rules.DEFAULT_CHECKLISTS:
        old = OrgChecklist.objects.get(kind=kind, valid_from=2000)
        new = OrgChecklist.objects.get(kind=kind, valid_from=rules.FIGURES_FROM)
        assert old.standards == first[kind][1]  # the version past ratings used is untouched
        parsed = rules.parse_org_checklist(rules.default_checklist_text(kind), queries.orgrating_components())
        assert new.standards == parsed == _migration().DEFAULTS[kind][1]
        codes = {i["component"] for s in new.standards for i in s["items"] if i["mode"] == "auto"}
        assert {"training.no_demerits", "development.on_schedule"} <= codes
    strong = OrgChecklist.objects.get(kind="five_strong", valid_from=rules.FIGURES_FROM)
    serve = next(s for s in strong.standards if s["name"] == "服务群众强")
    assert [i["component"] for i in serve["items"]] == ["requests.on_time", "requests.satisfaction", ""]
    # The editor takes the new codes (it reads the registry).
    with time_machine.travel(TODAY):
        saved = services.save_org_checklist(
            county.county_admin,
            kind="five_haves",
            valid_from=2027,
            name="五有",
            text=ONE_A_STANDARD.replace(
                "细则5", "细则5\n诉求 = requests.on_time >= 85\n培训 = training.no_demerits >= 90"
            ),
        )
    assert [i["component"] for i in saved.standards[4]["items"]] == ["", "requests.on_time", "training.no_demerits"]


def test_the_migration_respects_ratings_made_and_the_countys_own_versions(county):
    from django.apps import apps

    OrgChecklist.objects.filter(valid_from=rules.FIGURES_FROM).delete()  # as before the migration
    with time_machine.travel("2027-02-10 10:00 +0800"):
        # An installation upgraded late: five_strong was rated for 2027 on the first version; the
        # county wrote its own five_good.
        old = OrgChecklist.objects.get(kind="five_strong", valid_from=2000)
        rated = OrgRating.objects.create(
            organization=county.branch_a, year=2027, checklist=old, items=[], stars=0, computed_at=timezone.now()
        )
        own = services.save_org_checklist(
            county.county_admin, kind="five_good", valid_from=2026, name="本县五个好", text=ONE_A_STANDARD
        )
        _migration().figures_version(apps, None)
        versions = dict(OrgChecklist.objects.values_list("kind", "valid_from").order_by("kind", "valid_from"))
        assert versions["five_strong"] == 2028  # after the year already rated
        assert versions["five_excellent"] == versions["five_haves"] == 2027
        assert OrgChecklist.objects.filter(kind="five_good").latest("valid_from") == own  # left alone
        rated.refresh_from_db()
        assert rated.checklist == old
        # Running it again adds nothing; undoing removes only unused versions it made.
        _migration().figures_version(apps, None)
        assert OrgChecklist.objects.filter(note=_migration().NOTE).count() == 3
        _migration().drop_unused(apps, None)
        assert not OrgChecklist.objects.filter(note=_migration().NOTE).exists()


def test_a_2027_rating_reads_the_new_figures_and_leaves_what_they_cannot_judge(county):
    from jiceng.development.testing import open_applicant

    with time_machine.travel("2027-03-01 10:00 +0800"):
        open_applicant(county, "申请人甲", on=date(2027, 1, 5))  # the talk was due in February
        services.propose_org_ratings(county.county_admin, county.root, 2027)
        rating = OrgRating.objects.get(organization=county.branch_a, year=2027)
        assert rating.checklist.valid_from == rules.FIGURES_FROM
        items = {i["component"]: i for i in rating.items if i["mode"] == "auto"}
        development = items["development.on_schedule"]
        assert (development["numerator"], development["denominator"], development["passed"]) == ("0", "1", False)
        assert development["url"].endswith(f"?organization={county.branch_a.pk}&status=open")
        for code in ("requests.on_time", "requests.satisfaction", "training.no_demerits"):
            assert items[code]["passed"] is None and items[code]["value"] is None  # nothing due: the reviewer
