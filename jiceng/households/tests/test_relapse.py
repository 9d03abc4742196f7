"""The relapse watch (返贫监测) and exit checks (退出核查): thresholds at their boundaries, the
idempotent scan and its notices, review outcomes, the criteria of a household's and a village's
exit, the flag pages (every figure the count of its list), the API's scope and the query budgets."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core.models import Notification
from jiceng.households import rules, services
from jiceng.households.models import (
    ExitCheck,
    Household,
    HouseholdsSettings,
    RelapseFlag,
    RelapseThreshold,
)
from jiceng.households.testing import add_cadre, add_household
from jiceng.orgs.services import create_organization
from jiceng.testing import client_for, make_user

NOW = "2026-05-10 10:00 +0800"
TODAY = date(2026, 5, 10)
LINE = Decimal("7000.00")
ITEMS = ("food", "clothing", "education", "medical", "housing", "water")


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _out(village, people=2, **fields) -> Household:
    """A household out of poverty (the watch looks at these)."""
    household = add_household(village, people=people, **fields)
    return services.change_status(None, household, to_status="out", on=date(2020, 12, 1), reason="脱贫")


# ---- rules: the thresholds at their boundaries ----------------------------------------------------------

INCOME_T = rules.Threshold(1, "income", date(2021, 1, 1))
EXPENSE_T = rules.Threshold(2, "expense", date(2021, 1, 1), Decimal("20000.00"), Decimal("50.00"), 365)
CHECK_T = rules.Threshold(3, "check", date(2021, 1, 1))


def _income_crossings(total: Decimal, persons: int, line: Decimal = LINE):
    return rules.crossings(thresholds=[INCOME_T], today=TODAY, line=line, persons=persons, income_by_year={2025: total})


@given(persons=st.integers(1, 9), line=st.decimals(Decimal("1000"), Decimal("20000"), places=2))
def test_income_exactly_at_the_line_does_not_flag_and_one_fen_below_does(persons, line):
    assert _income_crossings(line * persons, persons, line) == []
    below = _income_crossings((line - Decimal("0.01")) * persons, persons, line)
    assert [c.key for c in below] == ["income:2025"]
    assert "低于监测线" in below[0].reason


def test_the_income_reason_names_the_figures():
    (crossing,) = _income_crossings(Decimal("13999.98"), 2)
    assert crossing.reason == "2025年家庭人均纯收入 6,999.99 元（13,999.98 元 ÷ 2 人），低于监测线 7,000.00 元"


def test_the_latest_year_counts_and_a_household_without_people_is_not_judged():
    crossed = rules.crossings(
        thresholds=[INCOME_T], today=TODAY, line=LINE, persons=1, income_by_year={2024: Decimal("1"), 2025: LINE}
    )
    assert crossed == []
    assert _income_crossings(Decimal("1"), 0) == []


def _expense(amount, on=date(2026, 3, 1), id=7):
    return rules.Expense(id, on, Decimal(amount), "疾病")


def _expense_crossings(amount, *, income_before=None, on=date(2026, 3, 1), threshold=EXPENSE_T):
    return rules.crossings(
        thresholds=[threshold],
        today=TODAY,
        line=LINE,
        persons=2,
        income_by_year={} if income_before is None else {on.year - 1: Decimal(income_before)},
        expenses=[_expense(amount, on)],
    )


def test_an_expense_at_the_amount_flags_and_a_fen_less_does_not():
    assert [c.key for c in _expense_crossings("20000.00")] == ["expense:7"]
    assert _expense_crossings("19999.99") == []


def test_an_expense_at_half_the_year_befores_income_flags():
    # 50% of 30,000.00 is 15,000.00: at the share it flags, a fen below it does not.
    (crossing,) = _expense_crossings("15000.00", income_before="30000.00")
    assert "占上年家庭纯收入 30,000.00 元的 50.0%，达到 50%" in crossing.reason
    assert _expense_crossings("14999.99", income_before="30000.00") == []


def test_an_expense_outside_the_look_back_or_before_the_threshold_does_not_flag():
    assert _expense_crossings("50000", on=TODAY - timedelta(days=366)) == []
    assert _expense_crossings("50000", on=TODAY - timedelta(days=365)) != []
    later = rules.Threshold(2, "expense", date(2026, 4, 1), Decimal("20000"), None, 365)
    assert _expense_crossings("50000", threshold=later) == []


def test_a_failed_latest_check_flags():
    failed = rules.Check(5, "water", "饮水安全有保障", date(2026, 4, 1), False, "水源枯竭")
    met = rules.Check(6, "food", "不愁吃", date(2026, 4, 1), True)
    (crossing,) = rules.crossings(
        thresholds=[CHECK_T], today=TODAY, line=LINE, persons=2, income_by_year={}, latest_checks=[failed, met]
    )
    assert crossing.key == "check:5" and crossing.reason == "2026-04-01 核查「饮水安全有保障」未达标：水源枯竭"


# ---- the scan ----------------------------------------------------------------------------------------------


def test_the_defaults_are_loaded_as_rows(db):
    kinds = dict(RelapseThreshold.objects.values_list("kind", "amount"))
    assert set(kinds) == {"income", "expense", "check"} and kinds["expense"] == Decimal("20000.00")


def test_income_below_the_line_opens_one_flag_and_notifies_the_village_and_the_pair(county):
    village_manager = make_user("village-a", county.village_a, "branch_secretary")
    household = _out(county.village_a)
    cadre = add_cadre(county.town_a, member=county.member_a)
    services.pair(None, household, cadre=cadre, starts_on=date(2026, 1, 1))
    services.set_income(county.admin_a, household, year=2025, amounts={"wages": Decimal("13999.98")})
    flag = RelapseFlag.objects.get()
    assert (flag.household, flag.kind, flag.state, flag.income_year) == (household, "income", "open", 2025)
    assert "6,999.99 元" in flag.reason
    assert Notification.objects.filter(recipient=village_manager, kind="relapse_flag").count() == 1
    assert Notification.objects.filter(recipient=county.member_user, kind="relapse_flag").count() == 1
    # Idempotent: the daily scan and another save open nothing, notify nobody again.
    assert services.scan() == []
    services.set_income(county.admin_a, household, year=2025, amounts={"business": Decimal("0.01")})
    assert RelapseFlag.objects.count() == 1 and Notification.objects.filter(kind="relapse_flag").count() == 2
    # A reviewed flag is not opened again for the same year.
    services.review_flag(county.admin_a, flag, outcome="dismiss", note="入户核实，收入已回升")
    assert services.scan() == [] and RelapseFlag.objects.count() == 1


def test_at_the_line_nothing_is_flagged_and_poor_households_are_not_watched(county):
    at_line = _out(county.village_a)
    services.set_income(county.admin_a, at_line, year=2025, amounts={"wages": LINE * 2})
    poor = add_household(county.village_a, people=1)
    services.set_income(county.admin_a, poor, year=2025, amounts={"wages": Decimal("10")})
    assert services.scan() == [] and not RelapseFlag.objects.exists()


def test_an_expense_and_a_failed_check_flag_at_once(county):
    household = _out(county.village_a)
    with pytest.raises(ValidationError, match="金额"):
        services.record_expense(county.admin_a, household, kind="illness", on=TODAY, amount=Decimal("0"))
    with pytest.raises(ValidationError, match="晚于今天"):
        services.record_expense(county.admin_a, household, kind="illness", on=TODAY + timedelta(days=1), amount=1)
    services.record_expense(county.admin_a, household, kind="illness", on=TODAY, amount=Decimal("19999.99"))
    assert not RelapseFlag.objects.exists()
    expense = services.record_expense(
        county.admin_a, household, kind="disaster", on=TODAY, amount=Decimal("20000.00"), note="房屋受灾"
    )
    check = services.record_check(
        county.admin_a, household, item="housing", checked_on=TODAY, met=False, checked_by="村委", note="房屋受损"
    )
    flags = {f.kind: f for f in RelapseFlag.objects.all()}
    assert flags["expense"].expense == expense and "灾害支出 20,000.00 元，达到 20,000.00 元" in flags["expense"].reason
    assert flags["check"].guarantee_check == check
    assert services.scan() == []


def test_the_scan_runs_as_a_daily_job(county):
    from jiceng.core.jobs import all_jobs, run_job

    household = _out(county.village_a)
    # Income written by the system bypasses nothing: a change of the line is what the job catches.
    services.set_income(None, household, year=2025, amounts={"wages": Decimal("15000")})
    assert not RelapseFlag.objects.exists()
    services.update_settings(county.county_admin, income_line=Decimal("7500.01"))
    assert "households.relapse_scan" in all_jobs()
    assert run_job("households.relapse_scan") == "新增返贫风险预警 1 条"
    assert run_job("households.relapse_scan") == "新增返贫风险预警 0 条"


def test_an_inactive_or_future_threshold_does_not_flag(county):
    RelapseThreshold.objects.filter(kind="income").update(active=False)
    household = _out(county.village_a)
    services.set_income(county.admin_a, household, year=2025, amounts={"wages": Decimal("1")})
    assert not RelapseFlag.objects.exists()
    RelapseThreshold.objects.filter(kind="income").update(active=True, effective_from=TODAY + timedelta(days=1))
    assert services.scan() == []


def test_thresholds_are_kept_by_the_county(county):
    expense = RelapseThreshold.objects.get(kind="expense")
    with pytest.raises(PermissionDenied):
        services.save_threshold(county.admin_a, expense, amount=Decimal("1"))
    with pytest.raises(ValidationError, match="至少一项"):
        services.save_threshold(county.county_admin, expense, amount=None, share=None)
    with pytest.raises(ValidationError, match="监测线"):
        services.save_threshold(county.county_admin, RelapseThreshold.objects.get(kind="income"), amount=1)
    c = client_for(county.county_admin)
    response = c.post(
        reverse("households:threshold_edit", args=[expense.pk]),
        {
            "kind": "expense",
            "name": "大额支出",
            "amount": "30000",
            "share": "",
            "lookback_days": "180",
            "effective_from": "2021-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 302
    expense.refresh_from_db()
    assert (expense.amount, expense.share, expense.lookback_days) == (Decimal("30000.00"), None, 180)
    page = c.get(reverse("households:thresholds")).content.decode()
    assert "一次支出 ≥ 30000.00 元" in page and "低于 7000.00 元/人·年" in page
    assert client_for(county.admin_a).get(reverse("households:threshold_create")).status_code == 403


# ---- review ------------------------------------------------------------------------------------------------


def _flagged(county, village=None) -> RelapseFlag:
    household = _out(village or county.village_a)
    services.set_income(None, household, year=2025, amounts={"wages": Decimal("100")})
    return RelapseFlag.objects.get(household=household)


def test_review_include_monitors_the_household_through_its_status(county):
    flag = _flagged(county)
    with pytest.raises(ValidationError, match="核实情况"):
        services.review_flag(county.admin_a, flag, outcome="monitor", note=" ")
    for outsider in (county.admin_b, county.member_user):
        with pytest.raises(PermissionDenied):
            services.review_flag(outsider, flag, outcome="monitor", note="外来")
    services.review_flag(county.admin_a, flag, outcome="monitor", note="务工收入中断", on=date(2026, 5, 9))
    flag.refresh_from_db()
    household = flag.household
    household.refresh_from_db()
    assert (flag.state, flag.outcome, household.status) == ("closed", "monitor", "monitored")
    last = household.status_changes.order_by("-id").first()
    assert (last.from_status, last.to_status, last.on) == ("out", "monitored", date(2026, 5, 9))
    assert last.reason.startswith("返贫风险预警核实：")
    with pytest.raises(ValidationError, match="处理完毕"):
        services.review_flag(county.admin_a, flag, outcome="dismiss", note="again")


def test_review_watch_keeps_the_flag_open_and_the_history_is_append_only(county):
    flag = _flagged(county)
    first = services.review_flag(county.admin_a, flag, outcome="watch", note="下月再核实")
    flag.refresh_from_db()
    assert flag.state == "watching" and flag.is_open
    services.review_flag(county.admin_a, flag, outcome="dismiss", note="已就业，收入稳定")
    flag.refresh_from_db()
    assert flag.state == "closed" and flag.household.status == "out"
    assert list(flag.reviews.values_list("outcome", flat=True)) == ["watch", "dismiss"]
    assert flag.reviews.first().reviewed_by == county.admin_a
    first.note = "改写"
    with pytest.raises(ValidationError, match="只能追加"):
        first.save()


def test_review_through_the_page(county):
    flag = _flagged(county)
    c = client_for(county.admin_a)
    page = c.get(reverse("households:flag", args=[flag.pk])).content.decode()
    assert "记录核实结果" in page and "低于监测线" in page
    response = c.post(
        reverse("households:flag_review", args=[flag.pk]),
        {"outcome": "dismiss", "reviewed_on": "2026-05-10", "note": "核实无风险"},
    )
    assert response.status_code == 302
    page = c.get(reverse("households:flag", args=[flag.pk])).content.decode()
    assert "排除风险" in page and reverse("households:flag_review", args=[flag.pk]) not in page
    detail = c.get(reverse("households:detail", args=[flag.household_id])).content.decode()
    timeline = re.search(r"data-timeline>.*?</ul>", detail, re.S).group(0)
    assert "返贫风险预警（人均纯收入低于监测线）" in timeline and "预警核实：排除风险" in timeline


# ---- exit checks -------------------------------------------------------------------------------------------


def _ready(household, checked_on=date(2026, 4, 1), per_person=LINE):
    for item in ITEMS:
        services.record_check(None, household, item=item, checked_on=checked_on, met=True, checked_by="核查组")
    persons = household.people.count()
    services.set_income(None, household, year=2025, amounts={"wages": per_person * persons})


def test_a_household_exit_check_names_each_criterion_it_breaks(county):
    household = add_household(county.village_a, people=2)
    with pytest.raises(ValidationError, match="签字人"):
        services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="")
    check = services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="张三、李四")
    assert not check.passed and household.status == "poor"
    assert "「不愁吃」没有核查记录" in check.failures and "没有 2025 年或 2026 年的家庭收入记录" in check.failures
    _ready(household, per_person=LINE - Decimal("0.01"))
    services.record_check(None, household, item="water", checked_on=TODAY, met=False, checked_by="核查组", note="缺水")
    check = services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="张三")
    assert check.failures == [
        "「饮水安全有保障」最近一次核查未达标（2026-05-10）",
        "2025年家庭人均纯收入 6,999.99 元，低于监测线 7,000.00 元",
    ]
    html = client_for(county.admin_a).get(reverse("households:household_exit", args=[household.pk])).content.decode()
    assert 'data-criterion="income" data-met="0"' in html and "低于监测线" in html


def test_a_household_passes_its_exit_check_at_the_line_and_goes_out(county):
    household = add_household(county.village_a, people=3)
    _ready(household)
    check = services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="张三")
    household.refresh_from_db()
    assert check.passed and household.status == "out"
    assert household.status_changes.order_by("-id").first().reason == "退出核查通过（签字：张三）"
    with pytest.raises(ValidationError, match="不需要退出核查"):
        services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="张三")


def test_a_monitored_household_with_an_open_flag_or_an_old_check_does_not_exit(county):
    flag = _flagged(county)
    household = flag.household
    services.review_flag(county.admin_a, flag, outcome="monitor", note="纳入")
    household.refresh_from_db()
    # A check exactly 365 days old is still within the period; a day older is not.
    _ready(household, checked_on=TODAY - timedelta(days=365))
    services.record_expense(None, household, kind="illness", on=TODAY, amount=Decimal("50000"))
    assert not RelapseFlag.objects.filter(household=household, state="open").exists()  # monitored: not watched
    RelapseFlag.objects.create(household=household, kind="check", key="manual", reason="测试", opened_at=flag.opened_at)
    check = services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="王")
    assert check.failures == ["还有 1 条返贫风险预警未核实处理"]
    RelapseFlag.objects.filter(key="manual").update(state="closed")
    with time_machine.travel("2026-05-11 10:00 +0800", tick=False):
        check = services.check_household_exit(county.admin_a, household, on=date(2026, 5, 11), signed_by="王")
        assert not check.passed and "已超过 365 天" in check.failures[0]
    check = services.check_household_exit(county.admin_a, household, on=TODAY, signed_by="王")
    household.refresh_from_db()
    assert check.passed and household.status == "risk_removed"


def test_a_village_exit_check_from_its_households(county):
    village = county.village_a
    poor = add_household(village)
    others = [_out(village) for _ in range(49)]
    for outsider in (county.secretary_a, county.admin_b):
        with pytest.raises(PermissionDenied):
            services.check_village_exit(outsider, village, on=TODAY, signed_by="外来")
    check = services.check_village_exit(county.admin_a, village, on=TODAY, signed_by="甲镇核查组")
    assert check.passed, check.failures  # 1 of 50 poor: 2.00%, at the limit
    services.change_status(None, others[0], to_status="poor", on=TODAY, reason="返贫")
    services.set_income(None, others[1], year=2025, amounts={"wages": Decimal("1")})
    check = services.check_village_exit(county.admin_a, village, on=TODAY, signed_by="甲镇核查组")
    assert check.failures == [
        "未脱贫户 2 户，占帮扶户 50 户的 4.00%，超过 2%",
        "还有 1 条返贫风险预警未核实处理",
    ]
    assert poor.status == "poor"
    with pytest.raises(ValidationError, match="不是村或社区"):
        services.check_village_exit(county.admin_a, county.town_a, on=TODAY, signed_by="x")
    c = client_for(county.admin_a)
    response = c.post(
        reverse("households:village_exit", args=[village.pk]), {"on": "2026-05-10", "signed_by": "核查组"}
    )
    assert response.status_code == 302
    page = c.get(reverse("households:village_exit", args=[village.pk])).content.decode()
    assert page.count("data-exit-check=") == 3 and "超过 2%" in page
    assert ExitCheck.objects.filter(household__isnull=True).count() == 3


# ---- pages: every figure is the count of its list ----------------------------------------------------------


def _scenario(county):
    west = create_organization(
        None, parent=county.town_a, code="TA02", name="甲镇西村党支部", type="branch", domain="rural"
    )
    flags = [_flagged(county, county.village_a if i < 3 else west) for i in range(5)]
    services.review_flag(None, flags[0], outcome="watch", note="观察")
    services.review_flag(None, flags[3], outcome="dismiss", note="排除")
    services.review_flag(None, flags[4], outcome="monitor", note="纳入")
    _flagged(county, county.branch_b)  # township 乙: never counted for 甲
    return west


def _flag_links(html: str) -> list[tuple[str, int]]:
    found = re.findall(r'<a [^>]*href="(/households/flags/\?[^"]*)"[^>]*>(\d+)</a>', html)
    return [(html_lib.unescape(url), int(n)) for url, n in found]


@pytest.mark.parametrize("root", ["county", "town_a", "village_a"])
def test_every_flag_figure_is_the_count_of_the_list_it_links_to(county, root):
    _scenario(county)
    c = client_for(county.county_admin)
    org = getattr(county, "root" if root == "county" else root)
    page = c.get(reverse("households:coverage"), {"org": org.pk}).content.decode()
    links = _flag_links(page)
    assert len(links) >= 6 and sum(n for url, n in links if "state=" in url) > 0
    for url, figure in links:
        listed = c.get(url).content.decode()
        total = int(re.search(r"data-total>共 (\d+) 条", listed).group(1))
        assert total == figure, url
        assert len(re.findall(r"<tr data-flag=", listed)) == figure


def test_the_card_counts_the_open_flags_and_opens_their_list(county):
    """The households card of the organization page and the command screen: 返贫预警待核实, the
    open flags of the subtree, opening the flag list of exactly as many rows."""
    _scenario(county)
    c = client_for(county.admin_a)
    card = c.get(reverse("households:panel"), {"org": county.town_a.pk}).content.decode()
    found = re.search(r'href="([^"]*state=open)" data-count="(\d+)"', card)
    assert found and int(found.group(2)) == 2
    listed = c.get(found.group(1).replace("&amp;", "&")).content.decode()
    assert len(re.findall(r"<tr data-flag=", listed)) == 2


def test_the_flag_figures_of_a_township(county):
    _scenario(county)
    page = client_for(county.admin_a).get(reverse("households:coverage")).content.decode()
    assert re.search(r'data-figure="flags_open"[^>]*>2<', page)
    assert re.search(r'data-figure="flags_watching"[^>]*>1<', page)
    assert re.search(r'data-figure="flags_closed"[^>]*>2<', page)
    assert "乙乡" not in page


def test_the_flag_list_filters_exports_and_the_api_agree(county):
    _scenario(county)
    c = client_for(county.admin_a)
    query = {"state": "closed", "kind": "income"}
    listed = re.findall(r'<tr data-flag="(\d+)"', c.get(reverse("households:flags"), query).content.decode())
    api = c.get(reverse("household-flag-list"), query).json()
    assert sorted(str(f["id"]) for f in api["results"]) == sorted(listed) and len(listed) == 2
    assert {f["outcome"] for f in api["results"]} == {"dismiss", "monitor"} and api["results"][0]["reviews"]
    from jiceng.testing import export_rows_without_formulas

    rows = export_rows_without_formulas(c.get(reverse("households:flag_export"), query).content)
    assert len(rows) == 2 and {r["状态"].value for r in rows} == {"已处理"}
    assert "乙乡" not in c.get(reverse("household-flag-list")).content.decode()


def test_outsiders_see_no_flag(county):
    flag = _flagged(county, county.branch_b)
    for user in (county.admin_a, county.secretary_a):
        c = client_for(user)
        assert c.get(reverse("households:flag", args=[flag.pk])).status_code == 404
        assert str(flag.household.number) not in c.get(reverse("households:flags")).content.decode()
        assert c.get(reverse("household-flag-detail", args=[flag.pk])).status_code == 404
    member = client_for(county.member_user)
    assert member.get(reverse("households:flags")).status_code == 403
    assert member.get(reverse("household-flag-list")).status_code == 403


def test_the_to_do_list_names_the_open_flags(county):
    from jiceng.core.todo import collect

    _scenario(county)
    items = [t for t in collect(county.admin_a, county.town_a, TODAY) if t.kind == "返贫风险预警"]
    assert [t.title for t in items] == ["2 条返贫风险预警待核实"] and "state=open" in items[0].url
    assert not [t for t in collect(county.admin_b, county.town_b, TODAY) if "甲" in t.title]


@pytest.mark.parametrize("n", [3, 30])
def test_the_flag_pages_have_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    for _ in range(n):
        _flagged(county)
    HouseholdsSettings.current()
    c = client_for(county.admin_a)
    with django_assert_max_num_queries(10):
        assert c.get(reverse("households:flags")).status_code == 200
    with django_assert_max_num_queries(10):
        assert c.get(reverse("household-flag-list")).status_code == 200


def test_the_scan_has_a_fixed_number_of_queries_for_households_that_cross_nothing(
    county, django_assert_max_num_queries
):
    for _ in range(20):
        household = _out(county.village_a)
        services.set_income(None, household, year=2025, amounts={"wages": Decimal("90000")})
    with django_assert_max_num_queries(10):
        assert services.scan() == []


def test_the_ledger_and_the_coverage_export_carry_the_watch(county):
    import io

    from openpyxl import load_workbook

    from jiceng.testing import export_rows_without_formulas

    _scenario(county)
    flag = RelapseFlag.objects.filter(state="watching").get()
    c = client_for(county.admin_a)
    ledger = load_workbook(io.BytesIO(c.get(reverse("households:ledger", args=[flag.household_id])).content))
    rows = list(ledger["返贫监测"].iter_rows(values_only=True))
    assert rows[1][1] == "返贫风险预警（人均纯收入低于监测线）" and rows[2][1:4] == ("预警核实", "观察", "继续观察")
    rows = export_rows_without_formulas(c.get(reverse("households:coverage_export")).content)
    total = rows[-1]
    assert (total["返贫预警待核实"].value, total["返贫预警继续观察"].value, total["返贫预警已处理"].value) == (2, 1, 2)
