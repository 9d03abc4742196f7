"""Inspections (督查): rounds with a scored checklist, ranking with shared ranks, and the
bottom-3-twice rule — an organization in the bottom 3 of two consecutive closed rounds of the
same organizer gets one accountability record (问责记录) for its secretary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.orgs.services import create_organization
from jiceng.ratings import rules, services
from jiceng.ratings.models import Accountability, InspectionResult, InspectionRound

TODAY = "2026-11-20 10:00 +0800"
CHECKLIST = [{"code": "i1", "name": "三会一课", "max": "60"}, {"code": "i2", "name": "阵地建设", "max": "40"}]

# ---- the rule, pure --------------------------------------------------------------------------


def test_ranks_share_ties():
    assert rules.competition_ranks({"a": 100, "b": 90, "c": 90, "d": 80}) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_bottom_three_includes_ties_at_place_three():
    totals = {"a": 95, "b": 90, "c": 80, "d": 70, "e": 70, "f": 60}
    assert rules.bottom_three(totals) == {"d", "e", "f"}
    totals = {"a": 95, "b": 90, "c": 80, "d": 80, "e": 70, "f": 60}
    assert rules.bottom_three(totals) == {"c", "d", "e", "f"}  # two share place 3 from the bottom
    assert rules.bottom_three({"a": 1, "b": 2, "c": 3, "d": 4}) == {"a", "b", "c"}


def test_a_round_of_three_or_fewer_flags_nobody():
    assert rules.bottom_three({"a": 10, "b": 20, "c": 30}) == set()
    assert rules.bottom_three({"a": 10}) == set()


def _round(name, **totals):
    return (name, {k: D(v) for k, v in totals.items()})


def test_twice_running_is_flagged_once_per_pair():
    r1 = _round("r1", a=90, b=80, c=70, d=60, e=50)
    r2 = _round("r2", a=50, b=90, c=70, d=60, e=40)
    r3 = _round("r3", a=90, b=80, c=70, d=60, e=50)
    assert rules.bottom_three_twice([r1, r2]) == [("d", "r1", "r2"), ("e", "r1", "r2")]
    flagged = rules.bottom_three_twice([r1, r2, r3])
    assert ("d", "r2", "r3") in flagged and ("c", "r2", "r3") not in flagged and ("a", "r2", "r3") not in flagged


def test_a_round_without_the_organization_neither_breaks_nor_continues_its_run():
    r1 = _round("r1", a=90, b=80, c=70, d=60, x=10)
    r2 = _round("r2", a=90, b=80, c=70, d=60, e=50)  # x not inspected
    r3 = _round("r3", a=90, b=80, c=70, d=60, x=10)
    assert ("x", "r1", "r3") in rules.bottom_three_twice([r1, r2, r3])
    # a small round in between is a round the organization was inspected in: it ends the run
    small = _round("s", x=10, a=90)
    assert not [f for f in rules.bottom_three_twice([r1, small, r3]) if f[0] == "x"]


def test_checklist_text():
    assert rules.parse_checklist("三会一课 60\n阵地建设|40分\n") == CHECKLIST
    with pytest.raises(ValueError, match="第2行"):
        rules.parse_checklist("三会一课 60\n阵地建设")


# ---- the services ----------------------------------------------------------------------------


@pytest.fixture
def five(county):
    """Five branches under township 甲's village (secretaries named)."""
    with time_machine.travel(TODAY):
        return [
            create_organization(
                None,
                parent=county.village_a,
                code=f"I{n}",
                name=f"督查第{n}支部",
                type="branch",
                domain="rural",
                secretary_name=f"书记{n}",
            )
            for n in range(5)
        ]


def run_round(actor, organizer, orgs, totals, *, name, ends_on, close=True):
    """A round over ``orgs`` with each organization's total split over the two items."""
    round_ = services.create_round(
        actor,
        organizer,
        name=name,
        kind="on_site",
        starts_on=ends_on,
        ends_on=ends_on,
        checklist=CHECKLIST,
        organizations=orgs,
    )
    results = {r.organization_id: r for r in round_.results.all()}
    for org, total in zip(orgs, totals, strict=True):
        services.enter_result(actor, results[org.pk], scores={"i1": min(total, 60), "i2": max(total - 60, 0)})
    if close:
        services.close_round(actor, round_)
    return round_


def test_bottom_three_twice_opens_one_accountability_record(county, five):
    with time_machine.travel(TODAY):
        first = run_round(
            county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="一季度督查", ends_on=date(2026, 3, 31)
        )
        assert Accountability.objects.count() == 0
        second = run_round(
            county.admin_a, county.town_a, five, [50, 90, 80, 60, 40], name="二季度督查", ends_on=date(2026, 6, 30)
        )
        records = list(Accountability.objects.order_by("organization__path"))
        assert [(r.organization, r.previous, r.round) for r in records] == [
            (five[3], first, second),
            (five[4], first, second),
        ]
        assert records[0].secretary_name == "书记3" and records[0].state == "open"
        assert "第4名/共5个" in records[0].reason and "二季度督查" in records[0].reason
        with pytest.raises(ValidationError, match="已结束"):
            services.close_round(county.admin_a, second)
        assert services.apply_bottom_rule(county.town_a) == []  # the rule again opens nothing
        assert Accountability.objects.count() == 2


def test_rounds_of_different_organizers_do_not_combine(county, five):
    with time_machine.travel(TODAY):
        run_round(
            county.county_admin, county.root, five, [90, 80, 70, 60, 50], name="县督查", ends_on=date(2026, 3, 31)
        )
        run_round(county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="镇督查", ends_on=date(2026, 6, 30))
        assert Accountability.objects.count() == 0
        run_round(
            county.county_admin, county.root, five, [90, 80, 70, 60, 50], name="县督查二", ends_on=date(2026, 9, 30)
        )
        assert set(Accountability.objects.values_list("round__name", flat=True)) == {"县督查二"}
        assert Accountability.objects.count() == 3


def test_closing_an_earlier_round_late_still_pairs_by_date(county, five):
    with time_machine.travel(TODAY):
        early = run_round(
            county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="早", ends_on=date(2026, 3, 31), close=False
        )
        run_round(county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="晚", ends_on=date(2026, 6, 30))
        assert Accountability.objects.count() == 0
        services.close_round(county.admin_a, early)
        assert set(Accountability.objects.values_list("round__name", "previous__name")) == {("晚", "早")}


def test_who_may_run_and_score(county, five):
    with time_machine.travel(TODAY):
        with pytest.raises(PermissionDenied):
            services.create_round(
                county.admin_b,
                county.town_a,
                name="x",
                kind="on_site",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 1, 2),
                checklist=CHECKLIST,
                organizations=five,
            )
        with pytest.raises(ValidationError, match="乡镇"):
            services.create_round(
                county.admin_a,
                county.village_a,
                name="x",
                kind="on_site",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 1, 2),
                checklist=CHECKLIST,
                organizations=five,
            )
        with pytest.raises(ValidationError, match="只能督查"):
            services.create_round(
                county.admin_a,
                county.town_a,
                name="x",
                kind="on_site",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 1, 2),
                checklist=CHECKLIST,
                organizations=[county.branch_b],
            )
        round_ = run_round(
            county.admin_a, county.town_a, five, [1, 2, 3, 4, 5], name="r", ends_on=date(2026, 1, 2), close=False
        )
        result = round_.results.first()
        with pytest.raises(PermissionDenied):
            services.enter_result(county.secretary_a, result, scores={"i1": 1, "i2": 1})
        with pytest.raises(ValidationError, match="0–60"):
            services.enter_result(county.admin_a, result, scores={"i1": 61, "i2": 1})
        with pytest.raises(ValidationError, match="阵地建设"):
            services.enter_result(county.admin_a, result, scores={"i1": 6})
        services.enter_result(county.admin_a, result, scores={"i1": "55.5", "i2": 30}, note="记录不全")
        result.refresh_from_db()
        assert result.total == D("85.5") and result.scores == {"i1": "55.5", "i2": "30"}
        services.close_round(county.admin_a, round_)
        with pytest.raises(ValidationError, match="已结束"):
            services.enter_result(county.admin_a, result, scores={"i1": 1, "i2": 1})


@pytest.mark.django_db
def test_who_may_organize_is_the_level_not_the_depth():
    """In a city the townships are one level deeper than in a county: a city's township committee
    organizes rounds, a village committee or a general branch does not (whatever its depth)."""
    city = create_organization(None, parent=None, code="Q", name="测试市委", type="committee", domain="agency")
    county = create_organization(None, parent=city, code="Q1", name="测试县委", type="committee", domain="agency")
    town = create_organization(None, parent=county, code="Q1A", name="丙镇党委", type="committee", domain="rural")
    village = create_organization(None, parent=town, code="Q1A01", name="丙村党委", type="committee", domain="rural")
    general = create_organization(
        None, parent=town, code="Q1A02", name="丁村党总支", type="general_branch", domain="rural"
    )
    assert [services.may_organize_inspections(o) for o in (city, county, town, village, general)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_round_cannot_close_with_results_missing(county, five):
    with time_machine.travel(TODAY):
        round_ = services.create_round(
            county.admin_a,
            county.town_a,
            name="未完",
            kind="unannounced",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 2),
            checklist=CHECKLIST,
            organizations=five,
        )
        with pytest.raises(ValidationError, match="5 个党组织未评分"):
            services.close_round(county.admin_a, round_)
        assert InspectionRound.objects.get(pk=round_.pk).state == "open"
        assert InspectionResult.objects.filter(round=round_).count() == 5


def test_handling_accountability(county, five):
    with time_machine.travel(TODAY):
        run_round(county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="一", ends_on=date(2026, 3, 31))
        run_round(county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="二", ends_on=date(2026, 6, 30))
        record = Accountability.objects.get(organization=five[4])
        with pytest.raises(PermissionDenied):
            services.handle_accountability(county.secretary_a, record, outcome="x")
        with pytest.raises(ValidationError, match="处理结果"):
            services.handle_accountability(county.admin_a, record, outcome=" ")
        services.handle_accountability(county.admin_a, record, outcome="约谈书记，限期整改")
        record.refresh_from_db()
        assert record.state == "handled" and record.handled_by == county.admin_a
        with pytest.raises(ValidationError, match="已处理"):
            services.handle_accountability(county.admin_a, record, outcome="again")


# ---- pages and API ---------------------------------------------------------------------------


def test_pages_from_creating_a_round_to_handling_accountability(county, five):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jiceng.testing import client_for, export_rows_without_formulas

    with time_machine.travel(TODAY):
        first = run_round(
            county.admin_a, county.town_a, five, [90, 80, 70, 60, 50], name="一季度督查", ends_on=date(2026, 3, 31)
        )
        c = client_for(county.admin_a)
        empty = c.get(reverse("ratings:inspections"), {"year": 2025}).content.decode()
        assert "还没有督查" in empty and "新建督查" in empty
        form = c.get(reverse("ratings:inspection_create"), {"org": county.town_a.pk}).content.decode()
        assert "督查第4支部" in form and "乙乡" not in form
        refused = c.post(
            reverse("ratings:inspection_create"),
            {
                "org": county.town_a.pk,
                "name": "二季度督查",
                "kind": "unannounced",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-30",
                "checklist": "三会一课 60\n阵地建设",
            },
        ).content.decode()
        assert "第2行" in refused and "请选择被督查的党组织" in refused
        response = c.post(
            reverse("ratings:inspection_create"),
            {
                "org": county.town_a.pk,
                "name": "二季度督查",
                "kind": "unannounced",
                "starts_on": "2026-06-01",
                "ends_on": "2026-06-30",
                "checklist": "三会一课 60\n阵地建设 40",
                "organizations": [o.pk for o in five],
            },
        )
        second = InspectionRound.objects.get(name="二季度督查")
        assert response["Location"] == reverse("ratings:inspection", args=[second.pk])
        assert second.kind == "unannounced" and second.checklist == CHECKLIST
        results = {r.organization_id: r for r in second.results.all()}
        bad = c.post(reverse("ratings:inspection_result", args=[results[five[0].pk].pk]), {"s-i1": "70", "s-i2": "1"})
        assert "60" in bad.content.decode() and InspectionResult.objects.get(pk=results[five[0].pk].pk).total is None
        for org, (a, b) in zip(five, [(50, 0), (60, 30), (60, 20), (60, 0), (40, 0)], strict=True):
            c.post(
                reverse("ratings:inspection_result", args=[results[org.pk].pk]),
                {"s-i1": a, "s-i2": b, "note": f"问题{org.code}"},
            )
        with CaptureQueriesContext(connection) as captured:
            page = c.get(reverse("ratings:inspection", args=[second.pk])).content.decode()
        assert len(captured) <= 12
        assert page.count('class="table-danger"') == 3 and "结束督查" in page
        assert f'<tr data-result="{five[1].pk}"><td class="text-end" data-rank>1</td>' in page
        rows = export_rows_without_formulas(c.get(reverse("ratings:inspection_export", args=[second.pk])).content)
        by_name = {r["党组织"].value: r for r in rows if r["党组织"].value}
        assert by_name["督查第1支部"]["名次"].value == 1 and D(str(by_name["督查第1支部"]["总分"].value)) == 90
        assert by_name["督查第4支部"]["后三位"].value == "是" and by_name["督查第0支部"]["后三位"].value == "是"
        c.post(reverse("ratings:inspection_close", args=[second.pk]))
        second.refresh_from_db()
        assert second.state == "closed"
        closed = c.get(reverse("ratings:inspection", args=[second.pk])).content.decode()
        assert "已启动问责" in closed and "书记3" in closed and "结束督查" not in closed
        # first round: bottom 2,3,4; second: 0 (50), 3 (60), 4 (40) → 3 and 4 twice
        assert set(Accountability.objects.values_list("organization_id", flat=True)) == {five[3].pk, five[4].pk}
        listing = c.get(reverse("ratings:inspections"), {"year": 2026}).content.decode()
        assert (
            "一季度督查" in listing
            and "5/5" in listing
            and f'href="{reverse("ratings:inspection", args=[first.pk])}"' in listing
        )
        acc = c.get(reverse("ratings:accountability")).content.decode()
        assert "书记4" in acc and "连续排名后三位" in acc and "记录" in acc
        record = Accountability.objects.get(organization=five[4])
        c.post(reverse("ratings:accountability_handle", args=[record.pk]), {"outcome": "约谈书记"})
        record.refresh_from_db()
        assert record.state == "handled" and record.outcome == "约谈书记"
        rows = export_rows_without_formulas(c.get(reverse("ratings:accountability_export")).content)
        assert {r["书记"].value for r in rows if r["书记"].value} == {"书记3", "书记4"}
        # Township 乙 sees none of it; a branch secretary cannot enter scores.
        other = client_for(county.admin_b)
        assert other.get(reverse("ratings:inspection", args=[second.pk])).status_code == 404
        assert "书记4" not in other.get(reverse("ratings:accountability")).content.decode()
        assert client_for(county.secretary_a).get(reverse("ratings:inspection", args=[second.pk])).status_code == 404


def test_above_the_picker_threshold_the_organizations_are_given_by_code(county, five, monkeypatch):
    """A city's organizer would get 14,700 checkboxes: above orgs.picker.PICK_ABOVE choices the
    form takes organization codes, refuses a code outside the organizer's subtree and creates the
    same round."""
    from django.urls import reverse

    from jiceng.orgs import picker
    from jiceng.testing import client_for

    monkeypatch.setattr(picker, "PICK_ABOVE", 3)
    data = {
        "org": county.town_a.pk,
        "name": "编码督查",
        "kind": "on_site",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
        "checklist": "三会一课 60\n阵地建设 40",
    }
    with time_machine.travel(TODAY):
        c = client_for(county.admin_a)
        form = c.get(reverse("ratings:inspection_create"), {"org": county.town_a.pk}).content.decode()
        assert "督查第4支部" not in form and "组织编码" in form and 'type="checkbox" name="organizations"' not in form
        refused = c.post(reverse("ratings:inspection_create"), {**data, "organizations": "I1 TB01"}).content.decode()
        assert "TB01" in refused and not InspectionRound.objects.filter(name="编码督查").exists()
        response = c.post(reverse("ratings:inspection_create"), {**data, "organizations": "I1，I2\nI3"})
        assert response.status_code == 302
        round_ = InspectionRound.objects.get(name="编码督查")
        assert sorted(round_.results.values_list("organization__code", flat=True)) == ["I1", "I2", "I3"]


def test_api_lists_rounds_with_their_ranking(county, five):
    from django.urls import reverse

    from jiceng.testing import client_for

    with time_machine.travel(TODAY):
        run_round(county.admin_a, county.town_a, five, [90, 80, 80, 60, 50], name="一", ends_on=date(2026, 3, 31))
        data = client_for(county.admin_a).get(reverse("ratings-inspections"), {"year": 2026}).json()
        rows = data["results"] if isinstance(data, dict) else data
        (round_,) = rows
        assert round_["name"] == "一" and round_["state"] == "closed"
        assert [(r["organization_name"], r["rank"], r["bottom"]) for r in round_["results"]] == [
            ("督查第0支部", 1, False),
            ("督查第1支部", 2, True),
            ("督查第2支部", 2, True),
            ("督查第3支部", 4, True),
            ("督查第4支部", 5, True),
        ]
        assert client_for(county.admin_b).get(reverse("ratings-inspections"), {"year": 2026}).json() in (
            [],
            {"count": 0, "next": None, "previous": None, "results": []},
        )
