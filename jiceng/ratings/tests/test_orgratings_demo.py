"""The tiny demo county's star ratings of the last full year: every branch rated on its domain's
checklist, each automatic item as the records give it now, stars counted by the rule, the county's
ratings confirmed and demo-township's waiting for its review."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES
from jiceng.ratings import queries, rules
from jiceng.ratings.models import OrgRating
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db


def test_demo_org_ratings_follow_the_records(django_db_setup):
    tiny_demo(3, password="demo-test-2468")
    from django.contrib.auth import get_user_model

    township = get_user_model().objects.get(username="demo-township")
    year = timezone.localdate().year - 1
    ratings = list(OrgRating.objects.filter(year=year).select_related("organization", "checklist"))
    assert len(ratings) == Organization.objects.filter(type__in=BRANCH_TYPES).count() > 0
    in_force = queries.org_checklists_in_force(year)
    components = queries.orgrating_components()
    root = Organization.objects.get(parent=None)
    figures = {code: c.compute(root, year, timezone.localdate()) for code, c in components.items()}
    for rating in ratings:
        assert rating.checklist == in_force[rules.checklist_kind(rating.organization.domain)]
        assert rating.stars == rules.count_stars(rating.items)
        for item in rating.items:
            if item["mode"] == "auto":
                figure = figures[item["component"]].get(rating.organization_id)
                assert item["value"] == (f"{(figure.value * 100).quantize(rules.Decimal('0.1')):f}" if figure else None)
            if item["scored_by"] is not None:
                assert item["note"] and (item["mode"] == "manual" or item["value"] is None)
        waiting = rating.organization.path.startswith(township.organization.path)
        assert rating.state == ("proposed" if waiting else "confirmed")
    page = client_for(township).get(reverse("ratings:orgratings"), {"year": year}).content.decode()
    assert "待评审" in page and "县定目标" in page
