"""The tiny demo county's inspections: two closed rounds of demo-township's township, the branch
scored low in both flagged by the bottom-3-twice rule, and an open county round half scored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiceng.demo.testing import tiny_demo
from jiceng.ratings import rules
from jiceng.ratings.models import Accountability, InspectionResult, InspectionRound
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db


def test_demo_inspections_fire_the_rule_and_show(django_db_setup):
    tiny_demo(3, password="demo-test-2468")
    from django.contrib.auth import get_user_model

    township = get_user_model().objects.get(username="demo-township")
    closed = list(InspectionRound.objects.filter(state="closed").order_by("ends_on"))
    assert len(closed) == 2 and {r.organizer_id for r in closed} == {township.organization_id}
    (open_round,) = InspectionRound.objects.filter(state="open")
    scored = open_round.results.exclude(total=None).count()
    assert 0 < scored < open_round.results.count()
    # The records opened are exactly the rule's verdict over the two rounds' stored totals.
    rounds = [
        (r.pk, dict(InspectionResult.objects.filter(round=r).values_list("organization_id", "total"))) for r in closed
    ]
    expected = {(org, later) for org, _, later in rules.bottom_three_twice(rounds)}
    opened = set(Accountability.objects.values_list("organization_id", "round_id"))
    assert opened == expected and opened
    page = client_for(township).get(reverse("ratings:accountability")).content.decode()
    assert "连续排名后三位" in page
