"""Rows of the outsider walk for the cadre pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙 (its village 乙乡秘密村): a secretary with phone 13900009999, a mentor, a
closed assessment round of 2025 Q4 with a score and a streak task, all with 「秘密」 in their text.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def setup(county):
    from jiceng.cadres import services
    from jiceng.cadres.models import Assessment, AssessmentRound, StreakTask
    from jiceng.cadres.testing import add_cadre, manual_scores

    cadre = add_cadre(county.branch_b, "秘密书记", "secretary", phone="13900009999", note="秘密备注")
    mentorship = services.add_mentorship(
        None, cadre, mentor_name="秘密导师", mentor_unit="秘密单位", starts_on=date(2025, 1, 1)
    )
    round = services.open_round(None, county.town_b, year=2025, quarter=4)
    scores = {code: (points, "秘密依据") for code, (points, _) in manual_scores(round.scheme, 95).items()}
    services.score(None, round, cadre, manual=scores, computed={})
    AssessmentRound.objects.filter(pk=round.pk).update(state="closed")
    task = StreakTask.objects.create(
        cadre=cadre, kind="commendation", round=round, quarters="秘密季度", decider=county.admin_b
    )
    assert Assessment.objects.get(cadre=cadre).total >= Decimal(90)
    return {
        "admin_a": county.admin_a.pk,
        "vc_cadre": cadre.pk,
        "vc_mentorship": mentorship.pk,
        "vc_round": round.pk,
        "vc_task": task.pk,
        "vc_assessment": Assessment.objects.get(cadre=cadre).pk,
    }


def samples(county, victim):
    cadre = {"pk": victim["vc_cadre"]}
    return {
        "cadres:list": {},
        "cadres:export": {},
        "cadres:create": {},
        "cadres:detail": cadre,
        "cadres:edit": cadre,
        "cadres:leave": cadre,
        "cadres:delete": cadre,
        "cadres:file": cadre,
        "cadres:reveal": cadre,
        "cadres:mentorship_create": cadre,
        "cadres:mentorship_end": {"pk": victim["vc_mentorship"]},
        "cadres:rounds": {},
        "cadres:round": {"pk": victim["vc_round"]},
        "cadres:score": {"pk": victim["vc_round"], "cadre_pk": victim["vc_cadre"]},
        "cadres:round_close": {"pk": victim["vc_round"]},
        "cadres:scheme": {},
        "cadres:scheme_create": {},
        "cadres:tasks": {},
        "cadres:task_decide": {"pk": victim["vc_task"]},
        "cadres:task_decider": {"pk": victim["vc_task"]},
        "cadres:pay": {},
        "cadres:pay_export": {},
        "cadres:income": {},
        "cadres:coefficients": {},
        "cadre-list": {},
        "cadre-detail": cadre,
        "cadre-assessment-list": {},
        "cadre-assessment-detail": {"pk": victim["vc_assessment"]},
    }


QUERIES = {
    "cadres:list": "?org={town_b}",
    "cadres:export": "?org={town_b}",
    "cadres:create": "?village={branch_b}",
    "cadres:pay": "?org={town_b}&quarter=2025-Q4",
    "cadres:pay_export": "?org={town_b}&quarter=2025-Q4",
    "cadre-list": "?org={town_b}",
}
POSTS = {
    "cadres:create": {
        "village": "{branch_b}",
        "name": "外来干部",
        "id_number": "11010519491231002X",
        "post": "director",
        "term_starts_on": "2026-01-05",
    },
    "cadres:edit": {"village": "{branch_b}", "name": "外来改名", "post": "director", "term_starts_on": "2021-01-01"},
    "cadres:leave": {"on": "2026-01-05", "reason": "外来"},
    "cadres:file": {"filed_on": "2026-01-05", "note": "外来"},
    "cadres:mentorship_create": {"mentor_name": "外来", "mentor_unit": "外来", "starts_on": "2026-01-05"},
    "cadres:mentorship_end": {"ends_on": "2026-01-05"},
    "cadres:rounds": {"township": "{town_b}", "year": "2026", "quarter": "1"},
    "cadres:score": {"party_building-points": "1", "party_building-evidence": "外来"},
    "cadres:task_decide": {"decision": "declined", "note": "外来"},
    "cadres:task_decider": {"decider": "{admin_a}"},
    "cadres:scheme_create": {
        "valid_from": "2030-01-01",
        "name": "外来办法",
        "excellent_from": "90",
        "competent_from": "75",
        "basic_from": "60",
        "streak": "3",
        "party_building-weight": "100",
    },
    "cadres:income": {"year": "2025", "amount": "1"},
    "cadres:coefficients": {"secretary": "2.00"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.cadres.models import (
        Assessment,
        AssessmentRound,
        AssessmentScheme,
        CadreChange,
        CountyIncome,
        Mentorship,
        PostCoefficient,
        Score,
        StreakTask,
        VillageCadre,
    )

    return (
        list(VillageCadre.objects.values_list("name", "post", "state", "filed_on", "revision").order_by("pk")),
        list(Mentorship.objects.values_list("mentor_name", "ends_on", "revision").order_by("pk")),
        list(AssessmentRound.objects.values_list("township_id", "year", "quarter", "state").order_by("pk")),
        list(Assessment.objects.values_list("total", "grade", "revision").order_by("pk")),
        Score.objects.count(),
        CadreChange.objects.count(),
        list(StreakTask.objects.values_list("decision", "decider_id", "revision").order_by("pk")),
        list(CountyIncome.objects.values_list("year", "amount").order_by("pk")),
        list(PostCoefficient.objects.values_list("post", "coefficient").order_by("pk")),
        list(AssessmentScheme.objects.values_list("valid_from", "name").order_by("pk")),
    )
