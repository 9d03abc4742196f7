"""The quarterly assessment: the township scores (a village never scores itself), manual items
need evidence, computed items come from the registered index components, a round keeps its
scheme version, closing raises the streak tasks (exactly three running; a gap breaks the run) and
a named person decides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.cadres import queries, services
from jiceng.cadres.models import AssessmentRound, StreakTask
from jiceng.cadres.testing import add_cadre, manual_scores
from jiceng.testing import client_for, make_user

pytestmark = pytest.mark.django_db
NOW = "2027-01-10 10:00 +0800"


def assess(actor, township, cadre, year, quarter, percent, *, close=True):
    round = AssessmentRound.objects.filter(township=township, year=year, quarter=quarter).first()
    round = round or services.open_round(actor, township, year=year, quarter=quarter)
    services.score(actor, round, cadre, manual=manual_scores(round.scheme, percent), computed={})
    return services.close_round(actor, round) if close else round


@time_machine.travel(NOW)
def test_the_township_scores_and_a_village_never_scores_itself(county):
    cadre = add_cadre(county.village_a, "李书记")
    village_user = make_user("village", county.village_a, "branch_secretary")
    with pytest.raises(PermissionDenied):
        services.open_round(village_user, county.town_a, year=2026, quarter=4)
    with pytest.raises(PermissionDenied):
        services.open_round(county.admin_b, county.town_a, year=2026, quarter=4)
    round = services.open_round(county.admin_a, county.town_a, year=2026, quarter=4)
    with pytest.raises(PermissionDenied) as refused:
        services.score(village_user, round, cadre, manual=manual_scores(round.scheme, 90))
    assert "不能给本村干部评分" in str(refused.value)
    # The round is the township's: the village does not see it at all (404, outside its scope).
    response = client_for(village_user).get(reverse("cadres:score", args=[round.pk, cadre.pk]))
    assert response.status_code == 404
    assessment = services.score(county.admin_a, round, cadre, manual=manual_scores(round.scheme, 90), computed={})
    assert assessment.total == Decimal("90.00") and assessment.grade == "excellent"
    # The village sees its cadre's result, without a link to the township's round.
    page = client_for(village_user).get(reverse("cadres:detail", args=[cadre.pk])).content.decode()
    assert "90.00" in page and "优秀" in page
    assert reverse("cadres:round", args=[round.pk]) not in page


@time_machine.travel(NOW)
def test_manual_items_need_evidence_and_stay_within_their_weight(county):
    cadre = add_cadre(county.village_a, "李书记")
    round = services.open_round(county.admin_a, county.town_a, year=2026, quarter=4)
    scores = manual_scores(round.scheme, 80, evidence="")
    with pytest.raises(ValidationError) as error:
        services.score(county.admin_a, round, cadre, manual=scores, computed={})
    assert "请填写「村级集体经济」的评分依据" in str(error.value)
    scores = manual_scores(round.scheme, 80)
    scores["industry"] = (Decimal("15.5"), "超过分值")
    with pytest.raises(ValidationError) as error:
        services.score(county.admin_a, round, cadre, manual=scores, computed={})
    assert "「产业发展」的得分应在 0 至 15 分之间" in str(error.value)


@time_machine.travel(NOW)
def test_computed_items_come_from_the_records_and_the_form_leaves_them_out(county):
    cadre = add_cadre(county.village_a, "李书记")
    round = services.open_round(county.admin_a, county.town_a, year=2026, quarter=4)
    computed = {"party_building": (Decimal("15.00"), "组织生活落实：落实 3/4 个周期")}
    scores = manual_scores(round.scheme, 100)
    scores["party_building"] = (Decimal("1"), "不应采用")
    a = services.score(county.admin_a, round, cadre, manual=scores, computed=computed)
    party = a.scores.get(dimension__code="party_building")
    assert party.computed and party.points == Decimal("15.00") and "3/4" in party.evidence
    assert a.total == Decimal("95.00")
    # The real computation runs through the registry (jiceng.core.indices) without error, and a
    # component that cannot judge the village leaves the dimension to the township.
    figures = queries.computed_points(round)
    assert all(set(v) <= {"party_building", "public_services"} for v in figures.values())
    page = client_for(county.admin_a).get(reverse("cadres:score", args=[round.pk, cadre.pk])).content.decode()
    assert "industry-points" in page and "评分依据" in page


@time_machine.travel(NOW)
def test_a_round_keeps_its_scheme_version(county):
    cadre = add_cadre(county.village_a, "李书记")
    old = assess(county.admin_a, county.town_a, cadre, 2026, 3, 80, close=False)
    dims = [{"code": "all", "name": "综合", "weight": 100, "source": ""}]
    with pytest.raises(ValidationError):  # a round of 2026 Q3 already uses the old version
        services.create_scheme(county.county_admin, valid_from=date(2026, 7, 1), dimensions=dims)
    with pytest.raises(PermissionDenied):
        services.create_scheme(county.admin_a, valid_from=date(2026, 10, 1), dimensions=dims)
    with pytest.raises(ValidationError):
        services.create_scheme(
            county.county_admin, valid_from=date(2026, 10, 1), dimensions=[{**dims[0], "weight": 90}]
        )
    new = services.create_scheme(county.county_admin, valid_from=date(2026, 10, 1), dimensions=dims, excellent_from=95)
    later = services.open_round(county.admin_a, county.town_a, year=2026, quarter=4)
    assert old.scheme != new and later.scheme == new
    assert queries.scheme_for(2026, 3) == old.scheme
    page = client_for(county.admin_a).get(reverse("cadres:scheme")).content.decode()
    assert "优秀 ≥ 95" in page and "党的建设" in page


@time_machine.travel(NOW)
def test_exactly_three_excellent_quarters_running_list_the_cadre_for_commendation(county):
    cadre = add_cadre(county.village_a, "李书记", starts_on=date(2020, 1, 1))
    assert assess(county.admin_a, county.town_a, cadre, 2026, 1, 95) == []
    assert assess(county.admin_a, county.town_a, cadre, 2026, 2, 92) == []
    [task] = assess(county.admin_a, county.town_a, cadre, 2026, 3, 90)
    assert task.kind == "commendation" and task.decider == county.admin_a
    assert task.quarters == "2026年第1季度、2026年第2季度、2026年第3季度"
    assert assess(county.admin_a, county.town_a, cadre, 2026, 4, 99) == []  # the same run: nothing new
    assert StreakTask.objects.count() == 1


@time_machine.travel(NOW)
def test_a_gap_breaks_the_incompetent_run(county):
    cadre = add_cadre(county.village_a, "周主任", "director", starts_on=date(2020, 1, 1))
    other = add_cadre(county.village_a, "吴委员", "committee_member", starts_on=date(2020, 1, 1))
    assess(county.admin_a, county.town_a, cadre, 2025, 4, 50, close=False)
    assess(county.admin_a, county.town_a, other, 2025, 4, 50)
    # 2026 Q1: the director is not in the round's results (a gap), the other is.
    round = services.open_round(county.admin_a, county.town_a, year=2026, quarter=1)
    services.score(county.admin_a, round, other, manual=manual_scores(round.scheme, 50), computed={})
    with pytest.raises(ValidationError) as error:
        services.close_round(county.admin_a, round)
    assert "还有 1 名村干部未评分：周主任" in str(error.value)
    AssessmentRound.objects.filter(pk=round.pk).update(state="closed")
    for quarter in (2, 3):
        for c in (cadre, other):
            assess(county.admin_a, county.town_a, c, 2026, quarter, 50, close=False)
        tasks = services.close_round(county.admin_a, AssessmentRound.objects.get(year=2026, quarter=quarter))
    assert [(t.cadre, t.kind) for t in StreakTask.objects.all()] == [(other, "replacement")]
    # The other's run 2025 Q4, 2026 Q1, Q2 reaches three at Q2; Q3 is its fourth (nothing new). The
    # director's 2026 Q1 is missing: Q2 and Q3 are two running.
    assert StreakTask.objects.get().round.quarter == 2
    assert tasks == []


@time_machine.travel(NOW)
def test_the_named_decider_decides_once(county):
    cadre = add_cadre(county.village_a, "李书记", starts_on=date(2020, 1, 1))
    for quarter in (2, 3, 4):
        assess(county.admin_a, county.town_a, cadre, 2026, quarter, 40)
    task = StreakTask.objects.get()
    assert task.kind == "replacement"
    other_admin = make_user("admin-a2", county.town_a, "township_admin")
    with pytest.raises(PermissionDenied):
        services.decide(other_admin, task, decision="agreed", note="越权")
    services.assign_decider(county.admin_a, task, decider=other_admin)
    task.refresh_from_db()
    response = client_for(other_admin).post(
        reverse("cadres:task_decide", args=[task.pk]), {"decision": "agreed", "note": "经乡镇党委会议研究，按程序调整"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.decision == "agreed" and task.decided_by == other_admin and task.decided_on == date(2027, 1, 10)
    with pytest.raises(ValidationError):
        services.decide(county.county_admin, task, decision="declined", note="再议")
    page = client_for(county.admin_a).get(reverse("cadres:tasks") + "?decision=agreed").content.decode()
    assert "按程序调整" in page and "经乡镇党委会议研究" in page


@time_machine.travel(NOW)
def test_a_quarter_is_closed_only_when_it_is_over(county):
    cadre = add_cadre(county.village_a, "李书记")
    round = services.open_round(county.admin_a, county.town_a, year=2027, quarter=1)
    services.score(county.admin_a, round, cadre, manual=manual_scores(round.scheme, 80), computed={})
    with pytest.raises(ValidationError) as error:
        services.close_round(county.admin_a, round)
    assert "尚未结束" in str(error.value)
    with pytest.raises(ValidationError):
        services.open_round(county.admin_a, county.town_a, year=2027, quarter=2)


@time_machine.travel(NOW)
def test_the_round_page_shows_every_cadre_in_post_and_its_figures(county, django_assert_max_num_queries):
    for i in range(5):
        add_cadre(county.village_a, f"干部{i}", "committee_member")
    add_cadre(county.village_a, "后备甲", "reserve")
    round = services.open_round(county.admin_a, county.town_a, year=2026, quarter=4)
    client = client_for(county.admin_a)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("cadres:round", args=[round.pk])).content.decode()
    assert "已评分 0 / 5 人" in page and "后备甲" not in page
    response = client.post(reverse("cadres:rounds"), {"township": county.town_a.pk, "year": "2026", "quarter": "4"})
    assert "已开展2026年第4季度的考核" in response.content.decode()


@time_machine.travel(NOW)
def test_a_county_admin_writes_a_new_version_on_the_page(county):
    url = reverse("cadres:scheme_create")
    assert client_for(county.admin_a).get(url).status_code == 403
    client = client_for(county.county_admin)
    assert "党的建设分值" in client.get(url).content.decode()
    body = {"valid_from": "2027-04-01", "name": "2027年办法", "excellent_from": "92", "competent_from": "75",
            "basic_from": "60", "streak": "3", "note": ""}  # fmt: skip
    weights = {"party_building": 30, "village_economy": 10, "industry": 10, "poverty": 20, "environment": 20}
    weights["public_services"] = 10
    for code, weight in weights.items():
        body[f"{code}-weight"] = str(weight)
        body[f"{code}-source"] = "life.compliance" if code == "party_building" else ""
    wrong = client.post(url, {**body, "industry-weight": "11"})
    assert "各维度分值合计应为 100 分" in wrong.content.decode()
    assert client.post(url, body).status_code == 302
    scheme = queries.scheme_for(2027, 2)
    assert scheme.name == "2027年办法" and scheme.excellent_from == 92
    assert dict(scheme.dimensions.values_list("code", "weight")) == {k: Decimal(v) for k, v in weights.items()}
    assert scheme.dimensions.get(code="public_services").source == ""
    assert queries.scheme_for(2027, 1).name == "村干部季度考核办法（默认）"


@time_machine.travel(NOW)
def test_a_township_admin_names_another_decider_on_the_page(county):
    cadre = add_cadre(county.village_a, "李书记", starts_on=date(2020, 1, 1))
    for quarter in (2, 3, 4):
        assess(county.admin_a, county.town_a, cadre, 2026, quarter, 95)
    task = StreakTask.objects.get()
    village_user = make_user("village", county.village_a, "branch_secretary")
    with pytest.raises(ValidationError):
        services.assign_decider(county.admin_a, task, decider=village_user)
    secretary = make_user("admin-a2", county.town_a, "township_admin")  # the township's secretary
    response = client_for(county.admin_a).post(
        reverse("cadres:task_decider", args=[task.pk]), {"decider": secretary.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.decider == secretary
    assert client_for(county.admin_b).post(reverse("cadres:task_decider", args=[task.pk]), {}).status_code == 404
