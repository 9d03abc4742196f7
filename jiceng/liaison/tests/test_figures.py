"""The county's report figures from records: a worked example, every figure checked by hand,
and every figure's link opening exactly the records it counts."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jiceng.liaison import queries, rules
from jiceng.liaison.services import record_visit, solve_problem
from jiceng.requests.models import Department, Request
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime(2026, 6, 30, 10, 0))


def problem(description, outcome, category, solution=""):
    return {"description": description, "category": category, "outcome": outcome, "solution": solution}


@pytest.fixture
def example(county, register):
    """Four visits (one before the period) and seven problems.

    | visit | where   | date       | reps          | households | list                    | problems                 |
    |-------|---------|------------|---------------|------------|-------------------------|--------------------------|
    | v0    | 东村    | 2025-12-31 | 张三          | 10         | —                       | solved (outside period)  |
    | v1    | 东村    | 2026-01-01 | 张三、钱代表  | 5          | 王大山 3组12号; 李小河 1组2号 | solved, passed, pending  |
    | v2    | 东村支部 | 2026-03-20 | 张三          | 3          | 王大山，3组12号 (same)   | solved                   |
    | v3    | 乙乡支部 | 2026-06-30 | 乙乡代表      | 4          | —                       | passed → 县住建局         |
    """
    r = register
    with time_machine.travel(NOW, tick=False):
        v0 = record_visit(
            None,
            organization=county.village_a,
            date=date(2025, 12, 31),
            representatives=[r.r1],
            households_reached=10,
            problems=[problem("去年的问题", "solved", r.other, "已解决")],
        )
        v1 = record_visit(
            None,
            organization=county.village_a,
            date=date(2026, 1, 1),
            representatives=[r.r1, r.r2],
            households_reached=5,
            household_list="王大山 3组12号\n李小河 1组2号",
            problems=[
                problem("路灯坏了", "solved", r.road, "当场联系电工修好"),
                problem("村道塌陷", "passed", r.road),
                problem("低保咨询", "pending", r.other),
            ],
        )
        v2 = record_visit(
            None,
            organization=county.branch_a,
            date=date(2026, 3, 20),
            representatives=[r.r1],
            households_reached=3,
            household_list="王大山，3组12号",
            problems=[problem("水渠堵了", "solved", r.other, "组织党员清理")],
        )
        v3 = record_visit(
            None,
            organization=county.branch_b,
            date=date(2026, 6, 30),
            representatives=[r.b1],
            households_reached=4,
            problems=[problem("危房改造", "passed", r.road)],
        )
    # The township whistles the last one up to a county department (吹哨报到).
    housing = Department.objects.create(code="ZJJ", name="县住房和城乡建设局", county=county.root)
    req = v3.problems.get().request
    Request.objects.filter(pk=req.pk).update(holder_department=housing, holder_org=None, level="department")
    return {"v0": v0, "v1": v1, "v2": v2, "v3": v3}


PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


def test_county_figures_by_hand(county, register, example):
    f = queries.figures(county.county_admin, county.root, *PERIOD)
    assert f == rules.Figures(
        representatives=4,  # 张三, 钱代表, 孙代表 (甲) + 乙乡代表; 周离任 is no longer on the register
        participants=3,  # 张三, 钱代表, 乙乡代表 (张三 twice counts once)
        visits=3,  # v1, v2, v3; v0 is before the period
        households=12,  # 5 + 3 (the list of v2) + 4
        listed_households=2,  # 王大山 (at 东村 and at its branch: one household) and 李小河
        problems=5,
        solved=2,
        passed=2,
        to_department=1,  # 危房改造, held by 县住建局
        pending=1,
    )
    assert rules.summary_sentence("全县", f) == (
        "全县 4 名党代表中 3 名参与走访，走访群众 12 户，收集问题 5 个，当场解决 2 个，"
        "转交相关部门办理 2 个（其中转至县直部门 1 个），尚待处理 1 个。"
    )


def test_the_same_household_twice_is_two_household_visits_and_one_listed_household(county, register, example):
    f = queries.figures(county.county_admin, county.village_a, *PERIOD)
    assert (f.households, f.listed_households) == (8, 2)


def test_period_boundaries_are_inclusive(county, register, example):
    only_new_year = queries.figures(county.county_admin, county.root, date(2026, 1, 1), date(2026, 1, 1))
    assert (only_new_year.visits, only_new_year.households) == (1, 5)
    last_day = queries.figures(county.county_admin, county.root, date(2026, 6, 30), date(2026, 6, 30))
    assert (last_day.visits, last_day.problems) == (1, 1)
    with_old = queries.figures(county.county_admin, county.root, date(2025, 12, 31), date(2026, 6, 30))
    assert (with_old.visits, with_old.households, with_old.problems) == (4, 22, 6)


def test_township_figures_and_rows(county, register, example):
    data = queries.report(county.county_admin, county.root, *PERIOD)
    rows = {row.label: row.figures for row in data["rows"]}
    assert set(rows) == {"甲镇", "乙乡"}
    a, b = rows["甲镇"], rows["乙乡"]
    assert (a.representatives, a.participants, a.visits, a.households, a.problems) == (3, 2, 2, 8, 4)
    assert (a.solved, a.passed, a.to_department, a.pending) == (2, 1, 0, 1)
    assert (b.representatives, b.participants, b.visits, b.households, b.problems, b.to_department) == (
        1,
        1,
        1,
        4,
        1,
        1,
    )
    # The township admin sees the same figures for the township as the county does.
    assert queries.figures(county.admin_a, county.town_a, *PERIOD) == a


def test_a_solved_pending_problem_moves_the_figures(county, register, example):
    pending = example["v1"].problems.get(outcome="pending")
    with time_machine.travel(NOW, tick=False):
        solve_problem(county.admin_a, pending, solution="解释了政策")
    f = queries.figures(county.county_admin, county.root, *PERIOD)
    assert (f.solved, f.pending) == (3, 0)


def _count(html: str) -> int:
    match = re.search(r"共 (\d+) 条", html)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize(
    "figure", ["representatives", "participants", "visits", "problems", "solved", "passed", "to_department", "pending"]
)
def test_every_figure_links_to_exactly_its_records(county, register, example, figure):
    f = queries.figures(county.county_admin, county.root, *PERIOD)
    url = queries.figure_links(county.root, *PERIOD)[figure]
    html = client_for(county.county_admin).get(url).content.decode()
    assert _count(html) == getattr(f, figure), (figure, url)


def test_report_page_shows_the_sentence_and_table(county, register, example):
    c = client_for(county.county_admin)
    html = c.get(reverse("liaison:report"), {"start": "2026-01-01", "end": "2026-06-30"}).content.decode()
    assert "全县 4 名党代表中 3 名参与走访，走访群众 12 户" in html
    assert 'data-figure="to_department">1<' in html


def test_report_export_has_the_same_figures(county, register, example):
    import io

    from openpyxl import load_workbook

    c = client_for(county.county_admin)
    response = c.get(reverse("liaison:report_export"), {"start": "2026-01-01", "end": "2026-06-30"})
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(wb["报表"].iter_rows(values_only=True))
    assert rows[0][:3] == ("单位", "党代表（在册）", "参与走访党代表")
    total = rows[-1]
    assert total[0].startswith("合计") and list(total[1:]) == [4, 3, 3, 12, 2, 5, 2, 2, 1, 1]
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert any("全县 4 名党代表" in n for n in notes)


def test_api_figures_match(county, register, example):
    c = client_for(county.county_admin)
    data = c.get(reverse("liaison-figures"), {"start": "2026-01-01", "end": "2026-06-30"}).json()
    assert data["figures"]["households"] == 12 and data["figures"]["to_department"] == 1
    assert data["sentence"].startswith("全县 4 名党代表")
    assert {row["label"] for row in data["children"]} == {"甲镇", "乙乡"}


def test_scope_label():
    from jiceng.orgs.models import Organization

    assert queries.scope_label(Organization(name="测试县委", path="0001")) == "全县"
    assert queries.scope_label(Organization(name="云州市委", short_name="云州市", path="0001")) == "全市"
    assert queries.scope_label(Organization(name="甲镇党委", short_name="甲镇", path="00010001", parent_id=1)) == "甲镇"
