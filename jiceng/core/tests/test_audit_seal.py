"""The audit log is tamper-evident (hash chain, verify_audit) and, on PostgreSQL, tamper-resistant:
no UPDATE, DELETE or TRUNCATE, and an application role that does not own the table may only
read and append."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jiceng.core import audit, auditchain
from jiceng.core.models import AuditEntry
from jiceng.orgs import services as org_services


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def _raw(sql: str, params=()) -> None:
    """Tamper as someone with direct database access would (on PostgreSQL: a superuser who
    switches the triggers off for the transaction)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_every_entry_is_chained_to_the_one_before(county):
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) > 5
    assert entries[0].prev_hash == auditchain.GENESIS
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    assert "审计日志完好" in _verify() and entries[-1].hash in _verify()


def test_a_changed_entry_is_found(county):
    org_services.update_organization(county.admin_b, county.branch_b, venue="新阵地")
    victim = AuditEntry.objects.order_by("id")[3]
    _raw("UPDATE core_auditentry SET note = %s WHERE id = %s", ["改过了", victim.pk])
    with pytest.raises(CommandError, match=f"第 {victim.pk} 条的内容被改动"):
        _verify()


def test_a_deleted_entry_is_found_at_the_next_link(county):
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    _raw("DELETE FROM core_auditentry WHERE id = %s", [ids[4]])
    with pytest.raises(CommandError, match=f"第 {ids[3]} 条之后、第 {ids[5]} 条之前"):
        _verify()


def test_a_forged_entry_with_a_recomputed_hash_still_breaks_the_next_link(county):
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    target = AuditEntry.objects.get(pk=ids[2])
    target.note = "伪造"
    forged = auditchain.digest(target.prev_hash, target)
    _raw("UPDATE core_auditentry SET note = %s, hash = %s WHERE id = %s", ["伪造", forged, target.pk])
    with pytest.raises(CommandError, match=f"第 {ids[2]} 条之后、第 {ids[3]} 条之前"):
        _verify()


def test_entries_written_later_continue_the_chain(county):
    last = AuditEntry.objects.order_by("-id").first()
    entry = audit.record(county.admin_a, AuditEntry.Action.UPDATE, county.branch_a, note="再写一条")
    assert entry.prev_hash == last.hash and entry.hash == auditchain.digest(last.hash, entry)
    entry.refresh_from_db()  # what the database gives back hashes the same
    assert auditchain.digest(entry.prev_hash, entry) == entry.hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers and roles: PostgreSQL only")
def test_truncate_is_refused_on_postgresql(county):
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's pending FK checks first
            cursor.execute("TRUNCATE core_auditentry")
    assert AuditEntry.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers and roles: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_application_role_may_only_read_and_append(county):
    import psycopg

    role = f"jiceng_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        out = io.StringIO()
        call_command("audit_db_role", role, "--apply", stdout=out)
        assert "REVOKE UPDATE, DELETE, TRUNCATE" in out.getvalue()
        params = connection.get_connection_params()
        params = {k: v for k, v in params.items() if k in {"host", "port", "dbname"}}
        with psycopg.connect(**params, user=role, autocommit=True) as app:
            assert app.execute("SELECT count(*) FROM core_auditentry").fetchone()[0] > 0
            app.execute("UPDATE orgs_organization SET venue = 'ok' WHERE id = %s", [county.branch_a.pk])
            for statement in (
                "UPDATE core_auditentry SET note = 'x'",
                "DELETE FROM core_auditentry",
                "TRUNCATE core_auditentry",
                "ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only",
                "DROP TRIGGER core_auditentry_no_truncate ON core_auditentry",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
    assert "审计日志完好" in _verify()


def test_the_role_command_needs_postgresql(db):
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="不存在"):
            call_command("audit_db_role", "no_such_role_here", stdout=io.StringIO())
    else:
        with pytest.raises(CommandError, match="仅适用于 PostgreSQL"):
            call_command("audit_db_role", "jiceng_app", stdout=io.StringIO())
