import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiceng.core.models import AuditEntry
from jiceng.orgs import services
from jiceng.testing import client_for, export_rows_without_formulas


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
    export = c.get(reverse("core:audit_export"), {"action": "update"})
    assert export.status_code == 200
    rows = export_rows_without_formulas(export.content)
    assert {r["操作"].value for r in rows} == {"修改"}
    assert ("admin-b", "乙乡秘密村党支部") in {(r["操作人"].value, r["对象"].value) for r in rows}
    assert client_for(county.admin_a).get(reverse("core:audit")).status_code == 403


def test_settings_page_changes_the_lead_time(county):
    from datetime import timedelta

    from django.utils import timezone

    from jiceng.core.models import CountySettings
    from jiceng.orgs.services import update_organization

    update_organization(county.admin_b, county.branch_b, term_end=timezone.localdate() + timedelta(days=150))
    c = client_for(county.county_admin)
    assert "任期即将届满" not in c.get(reverse("orgs:detail", args=[county.branch_b.pk])).content.decode()
    c.post(
        reverse("core:settings"),
        {"term_warning_months": "6", "committee_term_years": "5", "branch_term_years": "3"},
    )
    assert CountySettings.current().term_warning_months == 6
    assert "任期即将届满" in c.get(reverse("orgs:detail", args=[county.branch_b.pk])).content.decode()
    assert client_for(county.admin_a).get(reverse("core:settings")).status_code == 403


def test_database_refuses_audit_updates_on_postgresql(county):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; SQLite relies on the model guard")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().update(note="篡改")


def test_the_log_reads_as_labels_and_names(county):
    """Issue 11 item 9: field labels, choice labels and object names instead of raw values."""
    from jiceng.core import audit, auditview

    services.update_organization(county.admin_b, county.branch_b, venue="新阵地")
    audit.record(
        county.admin_a,
        AuditEntry.Action.UPDATE,
        county.member_a,
        changes={"status": ["full", "in_transit"], "organization": [county.branch_a.pk, county.branch_b.pk]},
    )
    html = client_for(county.county_admin).get(reverse("core:audit"), {"action": "update"}).content.decode()
    assert "活动阵地" in html and "新阵地" in html
    assert '状态</b>：<span class="text-secondary">正式党员</span> → 转接途中' in html
    assert "东村第一党支部</span> → 乙乡秘密村党支部" in html
    assert "members.Member#" not in html and "in_transit" not in html
    # A reader outside branch B's township sees its id, not its name.
    entry = AuditEntry.objects.filter(object_type="members.Member", action="update").latest("id")
    (row,) = auditview.readable(county.admin_a, [entry])
    assert row.text == f"状态：正式党员 → 转接途中；所在党组织：东村第一党支部 → #{county.branch_b.pk}"
    export = client_for(county.county_admin).get(reverse("core:audit_export"), {"action": "update"})
    changes = [r["变更"].value for r in export_rows_without_formulas(export.content)]
    assert "状态：正式党员 → 转接途中；所在党组织：东村第一党支部 → 乙乡秘密村党支部" in changes


def test_entries_from_before_the_settings_renames_read_the_same(county):
    """Configuration became CountySettings and TrainingRules became TrainingSettings (issue 12
    item 7): entries written under the old labels keep their kind and field labels."""
    from jiceng.core import audit, auditview

    changes = {"term_warning_months": [3, 6]}
    old = audit.record(None, "update", object_type="core.Configuration", object_id="1", changes=changes)
    new = audit.record(None, "update", object_type="core.CountySettings", object_id="1", changes=changes)
    training = audit.record(
        None, "update", object_type="training.TrainingRules", object_id="1", changes={"absence_limit": [2, 3]}
    )
    rows = auditview.readable(county.county_admin, [old, new, training])
    assert rows[0].kind == rows[1].kind == "县级配置"
    assert rows[0].text == rows[1].text == "换届提前提醒（月）：3 → 6"
    assert (rows[2].kind, rows[2].text) == ("教育培训规则", "一年内无故缺课超过几次通报：2 → 3")


def test_the_log_never_holds_a_whole_phone_number(county):
    """A member's phone changed: the entry keeps 138****5678-style values, the page and the export
    show them so, and an entry written before the masking (a raw number) is shown masked too."""
    from jiceng.core import audit
    from jiceng.members import services as members

    members.update_member(county.admin_a, county.member_a, phone="13912345678")
    entry = AuditEntry.objects.filter(action="update", object_type="members.Member").latest("pk")
    assert entry.changes["phone"] == ["138****1234", "139****5678"]
    create = AuditEntry.objects.get(action="create", object_type="members.Member", object_id=str(county.member_a.pk))
    assert create.changes["phone"] == "138****1234"
    assert not AuditEntry.objects.filter(changes__icontains="13912345678").exists()
    # An entry of an older release, written with the raw number (bypassing record()).
    AuditEntry.objects.create(
        actor=county.admin_a,
        actor_name="admin-a",
        action="update",
        object_type="members.Member",
        object_id=str(county.member_a.pk),
        object_repr="张三",
        org_path=county.branch_a.path,
        changes={"phone": ["13700001111", "13912345678"]},
    )
    c = client_for(county.county_admin)
    html = c.get(reverse("core:audit"), {"action": "update"}).content.decode()
    assert "139****5678" in html and "137****1111" in html
    assert "13912345678" not in html and "13700001111" not in html
    export = c.get(reverse("core:audit_export"), {"action": "update"})
    text = " ".join(str(r["变更"].value) for r in export_rows_without_formulas(export.content))
    assert "139****5678" in text and "13912345678" not in text and "13700001111" not in text
    assert audit.masked("contact_phone", "02088886666") == "020****6666"
    assert audit.masked("name", "13912345678") == "13912345678"
