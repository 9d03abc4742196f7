import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiceng.conftest import client_for
from jiceng.core.models import AuditEntry
from jiceng.orgs import services


def test_audit_is_append_only(county):
    entry = AuditEntry.objects.filter(action="create").first()
    entry.note = "篡改"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_creates_are_logged_with_values(county):
    entry = AuditEntry.objects.get(action="create", object_type="members.Member", object_id=str(county.member_a.pk))
    assert entry.changes["name"] == "张三" and entry.changes["id_number_masked"].count("*") == 10


def test_county_admin_browses_and_filters(county):
    services.update_organization(county.admin_b, county.branch_b, venue="新阵地")
    c = client_for(county.county_admin)
    html = c.get(reverse("core:audit"), {"action": "update"}).content.decode()
    assert "乙乡秘密村党支部" in html and "admin-b" in html
    html = c.get(reverse("core:audit"), {"action": "update", "actor_name": "admin-a"}).content.decode()
    assert "乙乡秘密村党支部" not in html
    assert c.get(reverse("core:audit_export"), {"action": "update"}).status_code == 200
    assert client_for(county.admin_a).get(reverse("core:audit")).status_code == 403


def test_configuration_page_changes_the_lead_time(county):
    from datetime import timedelta

    from django.utils import timezone

    from jiceng.core.models import Configuration
    from jiceng.orgs.services import update_organization

    update_organization(county.admin_b, county.branch_b, term_end=timezone.localdate() + timedelta(days=150))
    c = client_for(county.county_admin)
    assert "任期即将届满" not in c.get(reverse("orgs:detail", args=[county.branch_b.pk])).content.decode()
    c.post(
        reverse("core:configuration"),
        {"term_warning_months": "6", "committee_term_years": "5", "branch_term_years": "3"},
    )
    assert Configuration.current().term_warning_months == 6
    assert "任期即将届满" in c.get(reverse("orgs:detail", args=[county.branch_b.pk])).content.decode()
    assert client_for(county.admin_a).get(reverse("core:configuration")).status_code == 403


def test_database_refuses_audit_updates_on_postgresql(county):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; SQLite relies on the model guard")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().update(note="篡改")
