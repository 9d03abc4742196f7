"""The cadres demo, run on the test county (its two townships' villages) at tiny scale: the rows
it writes behave like the services' (valid ID numbers, posts and history, closed rounds of the
last four quarters, streak tasks as the rule raises them, nothing dated after today), and a pay
sheet can be printed from them."""

from __future__ import annotations

import pytest
import time_machine
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from jiceng.cadres import demo, queries, rules
from jiceng.cadres.models import Assessment, AssessmentRound, StreakTask, VillageCadre
from jiceng.core import idnumbers
from jiceng.demo.context import DemoContext
from jiceng.testing import client_for


@pytest.fixture(params=["2026-12-07 07:00 +0800", "2027-01-04 09:00 +0800"])
def generated(request, county):
    traveller = time_machine.travel(request.param, tick=False)
    traveller.start()
    request.addfinalizer(traveller.stop)
    ctx = DemoContext(
        seed=3,
        scale="tiny",
        today=timezone.localdate(),
        root=county.root,
        township=county.town_a,
        branch=county.branch_a,
        users={"demo-township": county.admin_a},
        say=lambda text: None,
    )
    return demo.generate(ctx)


def test_the_demo_writes_consistent_cadres(county, generated):
    today = timezone.localdate()
    assert generated["村干部"] == VillageCadre.objects.count()
    per_village = VillageCadre.objects.exclude(post="reserve").values("village").annotate(n=Count("pk"))
    assert {row["n"] for row in per_village} <= set(range(4, 8)) and len(per_village) == 2
    reserves = VillageCadre.objects.filter(post="reserve").values("village").annotate(n=Count("pk"))
    assert {row["n"] for row in reserves} <= {1, 2}
    for cadre in VillageCadre.objects.all():
        info = idnumbers.parse(idnumbers.decrypt(cadre.id_number_encrypted))
        assert info.birth_date == cadre.birth_date and info.gender == cadre.gender
        assert cadre.changes.get().to_value == cadre.post
        assert cadre.term_starts_on <= today and (cadre.filed_on is None or cadre.filed_on <= today)
    assert AssessmentRound.objects.filter(state="closed").count() == 8  # two townships × four quarters
    assert not AssessmentRound.objects.exclude(
        year__in=[today.year, today.year - 1]
    ).exists()  # fmt: skip
    assert all(rules.quarter_is_over(r.year, r.quarter, today) for r in AssessmentRound.objects.all())
    assert generated["村干部季度考核"] == Assessment.objects.count()
    for a in Assessment.objects.prefetch_related("scores")[:30]:
        assert a.total == sum(s.points for s in a.scores.all())
    history = queries.grades_of(VillageCadre.objects.values_list("pk", flat=True))
    for task in StreakTask.objects.select_related("round"):
        grade = "excellent" if task.kind == "commendation" else "incompetent"
        assert rules.streak_reached(history[task.cadre_id], task.round.year, task.round.quarter, grade)


def test_a_pay_sheet_prints_from_the_demo(county, generated):
    year, quarter = rules.quarter_of(timezone.localdate())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    sheet = queries.pay_sheet(county.town_a, year, quarter)
    assert sheet.problem == "" and sheet.rows and all(r.pay.points is not None for r in sheet.rows)
    page = client_for(county.admin_a).get(reverse("cadres:pay") + f"?org={county.town_a.pk}&quarter={year}-Q{quarter}")
    assert str(sheet.totals["total"]) in page.content.decode()
