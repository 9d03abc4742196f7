"""The demo county generator on an empty database: the same seed gives the same county, and
the command prints its summary. (The checks of one generated county are in test_demo_county.py,
which keeps its county for the whole module.)"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from jiceng.demo.generator import generate
from jiceng.members.models import LeadHousehold, Member
from jiceng.orgs.models import Enterprise, Organization

pytestmark = pytest.mark.django_db

PASSWORD = "demo-test-2468"


def snapshot() -> dict:
    return {
        "orgs": list(
            Organization.objects.order_by("path").values_list(
                "code", "name", "type", "domain", "path", "depth", "term_end", "secretary_name", "has_committee"
            )
        ),
        "members": list(
            Member.objects.order_by("organization__path", "id_number_masked", "name").values_list(
                "name",
                "id_number_masked",
                "id_number_digest",
                "birth_date",
                "gender",
                "phone",
                "join_date",
                "status",
                "post",
                "organization__code",
            )
        ),
        "enterprises": list(
            Enterprise.objects.order_by("name").values_list(
                "name", "credit_code", "township__code", "party_organization__code", "instructor_name"
            )
        ),
        "leads": sorted(LeadHousehold.objects.values_list("member__id_number_digest", "households", "area")),
        "users": list(
            get_user_model()
            .objects.order_by("username")
            .values_list("username", "role", "organization__code", "display_name", "member__id_number_digest")
        ),
    }


def generate_and_snapshot(seed: int) -> tuple[dict, dict]:
    """Run in a savepoint that is rolled back, so each run starts from an empty database."""
    with transaction.atomic():
        result = generate(seed, scale="tiny", password=PASSWORD)
        data = snapshot()
        transaction.set_rollback(True)
    return result, data


def test_same_seed_gives_same_county():
    first_result, first = generate_and_snapshot(11)
    assert not Organization.objects.exists()
    second_result, second = generate_and_snapshot(11)
    assert first_result == second_result
    assert first == second
    _, other = generate_and_snapshot(12)
    assert other["members"] != first["members"]


def test_command_on_empty_database_prints_summary():
    out = StringIO()
    call_command("demo_county", "--seed", "5", "--scale", "tiny", stdout=out)
    text = out.getvalue()
    assert "demo-county" in text and "demo-member" in text and "demo12345" in text
    assert get_user_model().objects.get(username="demo-branch").check_password("demo12345")
