"""Pairing (结对帮扶): history of pairs, the per-cadre cap, the coverage page whose every figure is
the count of the list it links to, the responsibility chain, and the query budgets."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jiceng.households import services
from jiceng.households.models import HouseholdsSettings, Pair
from jiceng.households.testing import add_cadre, add_household
from jiceng.orgs.services import create_organization
from jiceng.testing import client_for

NOW = "2026-05-10 10:00 +0800"


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_change_of_cadre_ends_the_open_pair_and_keeps_the_history(county):
    household = add_household(county.village_a)
    first, second = add_cadre(county.town_a, "甲干部"), add_cadre(county.town_a, "乙干部")
    services.pair(county.admin_a, household, cadre=first, starts_on=date(2025, 3, 1))
    services.pair(county.admin_a, household, cadre=second, starts_on=date(2026, 2, 1), reason="干部调离")
    history = list(
        household.pairs.order_by("starts_on").values_list("cadre__name", "starts_on", "ends_on", "end_reason")
    )
    assert history == [
        ("甲干部", date(2025, 3, 1), date(2026, 2, 1), "干部调离"),
        ("乙干部", date(2026, 2, 1), None, ""),
    ]
    with pytest.raises(ValidationError, match="已与该户结对"):
        services.pair(county.admin_a, household, cadre=second, starts_on=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="不能早于上一次结对"):
        services.pair(county.admin_a, household, cadre=first, starts_on=date(2025, 1, 1))
    html = client_for(county.admin_a).get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "与 甲干部（县农业农村局）结对" in html and "与 甲干部 的结对结束" in html and "当前" in html


def test_ending_a_pair_leaves_the_household_unpaired(county):
    household = add_household(county.village_a)
    pair = services.pair(county.admin_a, household, cadre=add_cadre(county.town_a), starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="原因"):
        services.end_pair(county.admin_a, pair, ends_on=date(2026, 5, 1), reason="")
    c = client_for(county.admin_a)
    response = c.post(reverse("households:pair_end", args=[pair.pk]), {"ends_on": "2026-05-01", "reason": "风险消除"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.ends_on == date(2026, 5, 1) and pair.end_reason == "风险消除"
    listed = c.get(reverse("households:list"), {"paired": "0"}).content.decode()
    assert household.number in listed
    with pytest.raises(ValidationError, match="已于"):
        services.end_pair(county.admin_a, pair, ends_on=date(2026, 5, 2), reason="again")


def test_the_cap_of_households_per_cadre(county):
    services.update_settings(county.county_admin, pairs_per_cadre=2)
    cadre = add_cadre(county.town_a, "忙干部")
    households = [add_household(county.village_a) for _ in range(3)]
    for household in households[:2]:
        services.pair(county.admin_a, household, cadre=cadre, starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="达到每名干部 2 户的上限"):
        services.pair(county.admin_a, households[2], cadre=cadre, starts_on=date(2026, 1, 1))
    response = client_for(county.admin_a).post(
        reverse("households:pair_create", args=[households[2].pk]), {"cadre": cadre.pk, "starts_on": "2026-01-01"}
    )
    assert "达到每名干部 2 户的上限" in response.content.decode()
    # An ended pair frees a place.
    services.end_pair(county.admin_a, Pair.objects.filter(cadre=cadre).first(), ends_on=date(2026, 2, 1), reason="调整")
    services.pair(county.admin_a, households[2], cadre=cadre, starts_on=date(2026, 3, 1))
    # A lower cap set later does not undo pairs; the cadre shows as over it.
    services.update_settings(county.county_admin, pairs_per_cadre=1)
    html = client_for(county.admin_a).get(reverse("households:coverage")).content.decode()
    row = re.search(rf'data-cadre="{cadre.pk}".*?</tr>', html, re.S).group(0)
    assert ">2</a>" in row and "超过上限" in row


def test_an_inactive_cadre_cannot_be_paired(county):
    cadre = add_cadre(county.town_a, is_active=False)
    with pytest.raises(ValidationError, match="不在岗"):
        services.pair(county.admin_a, add_household(county.village_a), cadre=cadre, starts_on=date(2026, 1, 1))


def test_personas_on_pairing(county):
    household = add_household(county.village_a)
    cadre = add_cadre(county.town_a)
    for outsider in (county.admin_b, county.member_user):
        with pytest.raises(PermissionDenied):
            services.pair(outsider, household, cadre=cadre, starts_on=date(2026, 1, 1))
        with pytest.raises(PermissionDenied):
            services.save_cadre(outsider, organization=county.town_a, name="外来", unit="外来")
    assert not Pair.objects.exists()


# ---- coverage: every figure is the count of its list -------------------------------------------------


def _second_village(county):
    return create_organization(
        None, parent=county.town_a, code="TA02", name="甲镇西村党支部", type="branch", domain="rural"
    )


def _scenario(county):
    west = _second_village(county)
    cadres = [add_cadre(county.town_a, f"干部{i}") for i in range(3)]
    made = []
    for i in range(7):
        village = county.village_a if i < 4 else west
        kind = "monitored" if i % 3 == 0 else "registered"
        made.append(add_household(village, kind=kind, cause=["illness", "skills", "labour"][i % 3]))
    for i, household in enumerate(made[:5]):
        services.pair(None, household, cadre=cadres[i % 2], starts_on=date(2026, 1, 1))
    services.change_status(None, made[1], to_status="out", on=date(2026, 2, 1), reason="达标")
    now = timezone.now()
    services.record_visit(None, made[0], cadre=cadres[0], visited_at=now, content="本月走访")
    services.record_visit(None, made[1], cadre=cadres[1], visited_at=now - timedelta(days=45), content="上次走访")
    add_household(county.branch_b)  # township 乙: never counted for 甲
    return west


def _links(html: str) -> list[tuple[str, int]]:
    """(list URL, figure) of every figure on the page that links to the household list."""
    found = re.findall(r'<a [^>]*href="(/households/\?[^"]*)"[^>]*>(\d+)</a>', html)
    return [(html_lib.unescape(url), int(n)) for url, n in found]


@pytest.mark.parametrize("root", ["county", "town_a", "village_a"])
def test_every_coverage_figure_is_the_count_of_the_list_it_links_to(county, root):
    _scenario(county)
    c = client_for(county.county_admin)
    org = getattr(county, "root" if root == "county" else root)
    page = c.get(reverse("households:coverage"), {"org": org.pk}).content.decode()
    links = _links(page) + _links(c.get(reverse("households:cadres"), {"org": org.pk}).content.decode())
    assert len(links) > 10 and any(figure for url, figure in links if "visits=month" in url)
    assert any(figure for url, figure in links if "visits=overdue" in url and "cadre=" in url)
    for url, figure in links:
        listed = c.get(url).content.decode()
        total = int(re.search(r"data-total>共 (\d+) 户", listed).group(1))
        assert total == figure, url


def test_coverage_figures(county):
    west = _scenario(county)
    page = client_for(county.admin_a).get(reverse("households:coverage")).content.decode()
    assert re.search(r'data-figure="households"[^>]*>7<', page)
    assert re.search(r'data-figure="paired"[^>]*>5<', page)
    assert re.search(r'data-figure="unpaired"[^>]*>2<', page)
    assert "71.4%" in page
    west_row = re.search(rf'data-org="{west.code}".*?</tr>', page, re.S).group(0)
    assert ">3</a>" in west_row and "乙乡" not in page


def test_coverage_page_is_empty_with_a_pointer_when_there_are_no_households(county):
    page = client_for(county.admin_a).get(reverse("households:coverage")).content.decode()
    assert "还没有登记帮扶户" in page


def test_the_list_filters_and_exports_the_same_rows(county):
    _scenario(county)
    c = client_for(county.admin_a)
    query = {"paired": "1", "cause": "illness"}
    listed = c.get(reverse("households:list"), query).content.decode()
    numbers = re.findall(r'data-household="([^"]+)"', listed)
    api = c.get(reverse("household-list"), query).json()
    assert sorted(h["number"] for h in api["results"]) == sorted(numbers) and numbers
    from jiceng.testing import export_rows_without_formulas

    rows = export_rows_without_formulas(c.get(reverse("households:export"), query).content)
    assert sorted(r["户编号"].value for r in rows) == sorted(numbers)


# ---- responsibility chain ----------------------------------------------------------------------------


def test_responsibilities_name_the_right_level(county):
    services.save_responsibility(
        county.county_admin, kind="leader_township", organization=county.town_a, person="张县长", unit="副县长",
        starts_on=date(2026, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="乡镇"):
        services.save_responsibility(
            county.county_admin, kind="leader_township", organization=county.village_a, person="某", unit="某",
            starts_on=date(2026, 1, 1),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="村"):
        services.save_responsibility(
            county.county_admin, kind="department_village", organization=county.town_a, person="某", unit="某",
            starts_on=date(2026, 1, 1),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_responsibility(
            county.admin_b, kind="department_village", organization=county.village_a, person="某", unit="某",
            starts_on=date(2026, 1, 1),
        )  # fmt: skip
    html = client_for(county.admin_a).get(reverse("households:responsibilities")).content.decode()
    assert "张县长" in html and "县级领导包乡镇" in html


# ---- query budgets -------------------------------------------------------------------------------------


def _many(county, n):
    cadres = [add_cadre(county.town_a, f"干部{i}") for i in range(n // 4 + 1)]
    for i in range(n):
        household = add_household(county.village_a, people=2)
        if i % 5:
            services.pair(None, household, cadre=cadres[i // 4], starts_on=date(2026, 1, 1))


@pytest.mark.parametrize("n", [3, 30])
def test_list_and_coverage_pages_have_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    _many(county, n)
    HouseholdsSettings.current()
    c = client_for(county.admin_a)
    with django_assert_max_num_queries(12):
        assert c.get(reverse("households:list")).status_code == 200
    with django_assert_max_num_queries(
        16
    ):  # the figures, the children, the pair rule, the visit figures, the cadres, the flags
        assert c.get(reverse("households:coverage")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("households:cadres")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("household-list")).status_code == 200


def test_the_card_on_the_organization_page_and_the_command_screen(county, django_assert_max_num_queries):
    _scenario(county)
    c = client_for(county.admin_a)
    url = reverse("households:panel") + f"?org={county.town_a.pk}"
    assert f'data-lazy-panel="{url}"' in c.get(reverse("orgs:detail", args=[county.town_a.pk])).content.decode()
    assert f'data-lazy-panel="{url}"' in c.get(reverse("dashboard:command")).content.decode()
    with django_assert_max_num_queries(9):  # the figures, the children, the flags
        card = c.get(url).content.decode()
    assert re.search(r'paired=0" data-count="2">2<', card) and 'data-count="7">7</a>' in card
    # The open relapse flags of the subtree, opening the flag list of as many rows.
    assert re.search(r'flags/\?org=\d+&amp;state=open" data-count="0">0<', card)


def test_the_coverage_page_lists_the_busiest_cadres_and_links_to_all(county, monkeypatch):
    """A county has about 900 cadres: the coverage page shows the busiest, the register pages all."""
    from jiceng.households.views import pairing

    monkeypatch.setattr(pairing, "COVERAGE_CADRES", 2)
    busy = add_cadre(county.town_a, name="忙干部")
    services.pair(county.admin_a, add_household(county.village_a), cadre=busy, starts_on=date(2026, 1, 1))
    idle = [add_cadre(county.town_a, name=f"闲干部{i}") for i in range(2)]
    html = client_for(county.admin_a).get(reverse("households:coverage")).content.decode()
    listed = re.findall(r'<tr data-cadre="(\d+)"', html)
    assert len(listed) == 2 and listed[0] == str(busy.pk)
    assert "全部 3 名帮扶干部" in html
    register = client_for(county.admin_a).get(reverse("households:cadres")).content.decode()
    assert all(f'data-cadre="{c.pk}"' in register for c in [busy, *idle])
