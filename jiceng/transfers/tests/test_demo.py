"""The transfers part of the demo county (tiny scale)."""

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.members.models import Member
from jiceng.testing import client_for
from jiceng.transfers import queries
from jiceng.transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_demo_has_transfers_in_flight_overdue_and_done():
    result = tiny_demo(3, password="demo-test-2468")
    today = timezone.localdate()
    figures = dict(dict(result["apps"])["transfers"])
    kinds = {(r["kind"], r["state"]) for r in Transfer.objects.values("kind", "state").annotate(n=Count("id"))}
    assert {("within", "in_transit"), ("out", "in_transit"), ("in", "in_transit")} <= kinds
    assert {("within", "completed"), ("out", "completed"), ("in", "completed")} <= kinds
    overdue = Transfer.objects.filter(queries.overdue_q(today))
    assert overdue.filter(kind="within").exists() and overdue.filter(kind="out").exists()
    assert figures["其中超期"] == overdue.count()
    # Counted + in transit is the generator's member count: nobody lost or counted twice.
    assert result["members"] == Member.objects.filter(status__in=["full", "probationary", "in_transit"]).count()
    in_transit = set(Member.objects.filter(status="in_transit").values_list("id", flat=True))
    open_out = Transfer.objects.filter(state="in_transit").exclude(kind="in")
    assert in_transit == set(open_out.values_list("member_id", flat=True))
    for t in open_out.select_related("member"):
        assert t.member.organization_id == t.from_org_id and t.member_status in ("full", "probationary")
    for t in Transfer.objects.filter(state="completed", kind="within").select_related("member"):
        assert t.completed_on <= today and t.valid_until >= t.completed_on
    # Open development files followed their members (as confirm_transfer does).
    from jiceng.development.models import DevelopmentFile

    files = DevelopmentFile.objects.filter(status="open", member__isnull=False)
    for file in files.select_related("member__organization", "organization"):
        # The member is in the file's branch or one of its party groups (step 19), or still in transit.
        in_branch = file.member.organization.path.startswith(file.organization.path)
        assert file.member.status == "in_transit" or in_branch
    numbers = list(Transfer.objects.exclude(kind="in").values_list("letter_number", flat=True))
    assert len(numbers) == len(set(numbers))
    # The demo accounts see their part.
    township = client_for(result_user("demo-township"))
    assert township.get(reverse("transfer-list")).json()["count"] >= 1
    branch = client_for(result_user("demo-branch"))
    assert branch.get(reverse("transfer-list"), {"direction": "in", "state": "in_transit"}).json()["count"] >= 1


def result_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
