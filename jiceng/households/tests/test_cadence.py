"""Visit cadence rules as rows and the compliance table (issue 14 item 4): the periods at their
boundaries (month, quarter, ISO week; Asia/Shanghai), the three default rules, every figure of
the table the count of the list it opens, the query budget, the export and the rules' page."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jiceng.households import queries, rules, services
from jiceng.households.models import VisitCadence
from jiceng.households.testing import add_cadre, add_household
from jiceng.orgs.services import create_organization
from jiceng.testing import client_for, export_rows_without_formulas

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _rule(applies_to, kind="each_household"):
    return VisitCadence.objects.get(applies_to=applies_to, kind=kind)


# ---- periods (pure) ----------------------------------------------------------------------------------


def test_periods_at_their_boundaries():
    assert rules.period_of("month", date(2026, 2, 28)) == rules.Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert rules.period_of("month", date(2028, 2, 29)).last == date(2028, 2, 29)
    assert rules.period_of("quarter", date(2026, 3, 31)).key == "2026-Q1"
    assert rules.period_of("quarter", date(2026, 4, 1)).key == "2026-Q2"
    assert rules.period_of("quarter", date(2026, 12, 31)).last == date(2026, 12, 31)
    # ISO weeks: Monday to Sunday; 2026 has 53 of them, and 3 January 2027 is in its last.
    assert rules.period_of("week", date(2027, 1, 3)).key == "2026-W53"
    assert rules.period_of("week", date(2027, 1, 4)).key == "2027-W01"
    assert rules.period_of("week", date(2026, 1, 1)).first == date(2025, 12, 29)
    assert rules.period_of("month", date(2026, 1, 15)).previous().key == "2025-12"
    assert rules.period_of("quarter", date(2026, 1, 15)).previous().key == "2025-Q4"
    start, end = rules.period_of("month", date(2026, 3, 5)).bounds(SH)
    assert (start, end) == (datetime(2026, 3, 1, tzinfo=SH), datetime(2026, 4, 1, tzinfo=SH))


@given(
    st.dates(min_value=date(2000, 4, 1), max_value=date(2100, 12, 31)), st.sampled_from(["week", "month", "quarter"])
)
def test_every_day_is_in_exactly_one_period_which_reads_back_from_its_key(day, kind):
    period = rules.period_of(kind, day)
    assert period.contains(day) and not period.previous().contains(day)
    assert period.previous().last + timedelta(days=1) == period.first
    assert rules.parse_period(kind, period.key) == period


def test_periods_that_do_not_read():
    for kind, text in [("month", "2026-13"), ("month", "2026-5"), ("quarter", "2026-Q5"), ("week", "2026-W54"),
                       ("week", "2025-W53"), ("month", "1999-01"), ("month", "２０２６-05"), ("quarter", None)]:  # fmt: skip
        assert rules.parse_period(kind, text) is None, text
    assert rules.parse_period("week", "2026-W53").last == date(2027, 1, 3)


def test_met_and_not_met():
    assert rules.household_met(1, 1) and not rules.household_met(0, 1) and not rules.household_met(1, 2)
    assert rules.activity_met(2, 30, 2, 30) and not rules.activity_met(1, 40, 2, 30)
    assert not rules.activity_met(3, 29, 2, 30)
    assert rules.duty_owed(date(2026, 4, 1), None, rules.period_of("month", date(2026, 4, 9)))
    assert not rules.duty_owed(date(2026, 4, 2), None, rules.period_of("month", date(2026, 4, 9)))
    assert rules.duty_owed(date(2026, 1, 1), date(2026, 4, 30), rules.period_of("month", date(2026, 4, 9)))
    assert not rules.duty_owed(date(2026, 1, 1), date(2026, 4, 29), rules.period_of("month", date(2026, 4, 9)))


# ---- the default rules on records --------------------------------------------------------------------


def test_the_default_rules_are_rows(db):
    found = {(r.applies_to, r.kind, r.period): r for r in VisitCadence.objects.filter(is_active=True)}
    assert found[("pair", "each_household", "month")].visits_per_household == 1
    assert found[("village", "each_household", "quarter")].visits_per_household == 1
    weekly = found[("village", "cadre_activity", "week")]
    assert (weekly.min_days, weekly.min_households) == (2, 30)


def _visit(household, cadre, at):
    return services.record_visit(None, household, cadre=cadre, visited_at=at, content="走访")


def _figures(user, org, rule, period) -> dict[str, int]:
    page = client_for(user).get(reverse("households:compliance"), {"org": org.pk, "rule": rule.pk, "period": period})
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)"[^>]*>(\d+)<', page.content.decode())}


def test_the_pair_rule_at_the_month_boundary(county):
    household = add_household(county.village_a)
    cadre = add_cadre(county.town_a, "结对干部")
    services.pair(None, household, cadre=cadre, starts_on=date(2026, 1, 1))
    rule = _rule("pair")
    _visit(household, cadre, datetime(2026, 3, 31, 23, 59, tzinfo=SH))
    assert _figures(county.admin_a, county.town_a, rule, "2026-03") == {"owed": 1, "visited": 1, "missing": 0}
    assert _figures(county.admin_a, county.town_a, rule, "2026-04")["missing"] == 1
    _visit(household, cadre, datetime(2026, 4, 1, 0, 0, tzinfo=SH))
    assert _figures(county.admin_a, county.town_a, rule, "2026-04")["visited"] == 1
    # A visit by another cadre does not count for the pair; a pair made in May owes nothing for May.
    other = add_cadre(county.town_a, "别的干部")
    later = add_household(county.village_a)
    services.pair(None, later, cadre=other, starts_on=date(2026, 5, 2))
    _visit(household, other, NOW)
    assert _figures(county.admin_a, county.town_a, rule, "2026-05") == {"owed": 1, "visited": 0, "missing": 1}


def test_the_universal_visit_at_the_quarter_boundary(county):
    village_cadre = add_cadre(county.village_a, "村干部")
    households = [add_household(county.village_a) for _ in range(3)]
    rule = _rule("village")
    _visit(households[0], village_cadre, datetime(2026, 3, 31, 23, 59, tzinfo=SH))
    _visit(households[1], village_cadre, datetime(2026, 4, 1, 0, 0, tzinfo=SH))
    add_cadre(county.town_a, "乡镇干部")  # filed under the township: not a village cadre
    assert _figures(county.admin_a, county.village_a, rule, "2026-Q1") == {"owed": 3, "visited": 1, "missing": 2}
    assert _figures(county.admin_a, county.village_a, rule, "2026-Q2") == {"owed": 3, "visited": 1, "missing": 2}


def test_the_weekly_rule_of_days_and_households_at_the_week_boundary(county):
    services.save_cadence(county.county_admin, _rule("village", "cadre_activity"), min_days=2, min_households=2)
    cadre = add_cadre(county.village_a, "村干部")
    a, b = add_household(county.village_a), add_household(county.village_a)
    sunday = datetime(2026, 5, 3, 23, 59, tzinfo=SH)  # the last minute of 2026-W18
    _visit(a, cadre, sunday)
    _visit(b, cadre, sunday + timedelta(minutes=1))  # Monday 00:00, 2026-W19
    _visit(a, cadre, datetime(2026, 5, 4, 20, tzinfo=SH))  # the same day again: still one day
    rule = _rule("village", "cadre_activity")
    assert _figures(county.admin_a, county.town_a, rule, "2026-W19") == {"owed": 1, "visited": 0, "missing": 1}
    _visit(b, cadre, datetime(2026, 5, 10, 9, tzinfo=SH))  # Sunday of W19: a second day
    assert _figures(county.admin_a, county.town_a, rule, "2026-W19") == {"owed": 1, "visited": 1, "missing": 0}
    assert _figures(county.admin_a, county.town_a, rule, "2026-W18")["visited"] == 0


# ---- every figure is the count of the list it opens ------------------------------------------------------


def _second_village(county):
    return create_organization(
        None, parent=county.town_a, code="TA02", name="甲镇西村党支部", type="branch", domain="rural"
    )


def _scenario(county):
    west = _second_village(county)
    cadres = [add_cadre(county.town_a, f"干部{i}") for i in range(3)]
    village_cadres = [add_cadre(county.village_a, "东村村干部"), add_cadre(west, "西村村干部")]
    made = [add_household(county.village_a if i < 4 else west) for i in range(7)]
    for i, household in enumerate(made[:6]):
        services.pair(None, household, cadre=cadres[i % 3], starts_on=date(2026, 1, 1))
    for i, household in enumerate(made):
        if i % 2:
            _visit(household, cadres[i % 3], NOW - timedelta(days=i))
        if i % 3 == 0:
            _visit(household, village_cadres[0 if i < 4 else 1], NOW - timedelta(days=i))
    add_household(county.branch_b)  # township 乙: never counted for 甲
    services.pair(
        None, add_household(county.branch_b), cadre=add_cadre(county.town_b, "乙乡干部"), starts_on=date(2026, 1, 1)
    )
    return west


def _links(html: str) -> list[tuple[str, int]]:
    found = re.findall(r'<a [^>]*href="(/households/compliance/list/\?[^"]*)"[^>]*>(\d+)</a>', html)
    return [(html_lib.unescape(url), int(n)) for url, n in found]


@pytest.mark.parametrize("root", ["county", "town_a", "village_a"])
@pytest.mark.parametrize("applies_to,kind", [("pair", "each_household"), ("village", "each_household"),
                                             ("village", "cadre_activity")])  # fmt: skip
def test_every_compliance_figure_is_the_count_of_the_list_it_links_to(county, root, applies_to, kind):
    _scenario(county)
    rule = _rule(applies_to, kind)
    c = client_for(county.county_admin)
    org = getattr(county, "root" if root == "county" else root)
    page = c.get(reverse("households:compliance"), {"org": org.pk, "rule": rule.pk}).content.decode()
    links = _links(page)
    assert len(links) >= 6 and any(figure for _url, figure in links)
    if root != "county":
        assert "乙乡" not in page
    for url, figure in links:
        listed = c.get(url).content.decode()
        total = int(re.search(r"data-total>共 (\d+) ", listed).group(1))
        assert total == figure == listed.count("<tr data-duty>"), url


def test_a_village_s_page_has_a_row_per_cadre(county):
    _scenario(county)
    page = client_for(county.admin_a).get(
        reverse("households:compliance"), {"org": county.village_a.pk, "rule": _rule("pair").pk}
    )
    html = page.content.decode()
    assert len(re.findall(r'<tr data-cadre="\d+"', html)) == 3 and "干部0" in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_compliance_table_has_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    cadres = [add_cadre(county.town_a, f"干部{i}") for i in range(n // 4 + 1)]
    village_cadre = add_cadre(county.village_a, "村干部")
    for i in range(n):
        household = add_household(county.village_a)
        services.pair(None, household, cadre=cadres[i // 4], starts_on=date(2026, 1, 1))
        _visit(household, cadres[i // 4] if i % 2 else village_cadre, NOW - timedelta(days=i % 9))
    c = client_for(county.admin_a)
    for rule in VisitCadence.objects.all():
        for org in (county.town_a, county.village_a):
            with django_assert_max_num_queries(12):
                assert c.get(reverse("households:compliance"), {"rule": rule.pk, "org": org.pk}).status_code == 200
        with django_assert_max_num_queries(14):
            assert c.get(reverse("households:compliance_list"), {"rule": rule.pk}).status_code == 200


def test_the_export_has_the_page_s_figures(county):
    _scenario(county)
    rule = _rule("pair")
    response = client_for(county.admin_a).get(reverse("households:compliance_export"), {"rule": rule.pk})
    rows = export_rows_without_formulas(response.content)
    total = next(r for r in rows if str(r["单位"].value).startswith("合计"))
    owed, met = total["应走访（户次）"].value, total["已落实"].value
    assert (owed, met) == (6, len(queries.select_duties(
        queries.duties(county.admin_a, rule, rules.period_of("month", NOW.date()), county.town_a),
        county.town_a, org=None, cadre=None, exact=False, status="visited")))  # fmt: skip


def test_a_period_that_does_not_read_shows_the_current_one(county):
    page = client_for(county.admin_a).get(
        reverse("households:compliance"), {"rule": _rule("pair").pk, "period": "2026-Q2"}
    )
    assert "不是该规则的考核周期" in page.content.decode() and "2026年5月" in page.content.decode()
    other = client_for(county.admin_a).get(reverse("households:compliance"), {"rule": "999999"})
    assert other.status_code == 404


def test_personas_on_the_compliance_table(county):
    _scenario(county)
    assert client_for(county.member_user).get(reverse("households:compliance")).status_code == 403
    assert (
        client_for(county.admin_b).get(reverse("households:compliance"), {"org": county.town_a.pk}).status_code == 404
    )
    html = client_for(county.admin_b).get(reverse("households:compliance")).content.decode()
    assert "甲镇" not in html


# ---- the rules' page -----------------------------------------------------------------------------------


def test_the_county_admin_changes_a_rule_and_the_table_follows(county):
    household = add_household(county.village_a)
    cadre = add_cadre(county.town_a)
    services.pair(None, household, cadre=cadre, starts_on=date(2026, 1, 1))
    _visit(household, cadre, NOW)
    rule = _rule("pair")
    c = client_for(county.county_admin)
    assert rule.name in c.get(reverse("households:cadences")).content.decode()
    values = {"name": rule.name, "applies_to": "pair", "kind": "each_household", "period": "month",
              "visits_per_household": "0", "effective_from": "2020-01-01", "is_active": "on"}  # fmt: skip
    refused = c.post(reverse("households:cadence_edit", args=[rule.pk]), values)
    assert "每户走访次数至少为 1 次" in refused.content.decode()
    values["visits_per_household"] = "2"
    assert c.post(reverse("households:cadence_edit", args=[rule.pk]), values).status_code == 302
    assert _figures(county.admin_a, county.town_a, rule, "2026-05") == {"owed": 1, "visited": 0, "missing": 1}
    new = {**values, "name": "村干部每月走访", "applies_to": "pair", "kind": "cadre_activity", "min_days": "3"}
    assert "只适用于村干部" in c.post(reverse("households:cadence_create"), new).content.decode()
    with pytest.raises(ValidationError, match="走访天数应在 0 到 7 之间"):
        services.save_cadence(county.county_admin, _rule("village", "cadre_activity"), min_days=8)
    for outsider in (county.admin_a, county.member_user):
        with pytest.raises(PermissionDenied):
            services.save_cadence(outsider, rule, visits_per_household=1)
        assert client_for(outsider).get(reverse("households:cadences")).status_code == 403


def test_a_rule_not_yet_in_force_says_so(county):
    rule = _rule("pair")
    services.save_cadence(county.county_admin, rule, effective_from=date(2026, 6, 1))
    html = client_for(county.admin_a).get(reverse("households:compliance"), {"rule": rule.pk}).content.decode()
    assert "起施行，本周期不考核" in html
