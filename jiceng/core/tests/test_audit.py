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
