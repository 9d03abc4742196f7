"""Copy a generated county, with everything every app recorded in it, under new county roots,
in SQL: how the demo builds a city (15 counties) or a province (168 counties) in minutes.

Which tables are copied is decided from the models, so a new app's tables are copied without
being listed here: a table is *owned* by the county when it has a foreign key to an owned table
(organizations are owned); the rest (calendar, categories, activity types, settings, content
types, permissions) is shared by all counties and stays as it is. A few owned tables are left
out on purpose (`SKIP`: the audit log, whose hash chain would not hold for copied rows; sessions,
tokens and login attempts; the member tallies, which triggers keep as the members are copied).

Each copy k (1, 2, …) of a row gets the id `id + k × span` where `span` is one more than the
table's largest id, and every foreign key to a copied row is moved the same way, so the copies
are as connected as the original. Organizations are copied from the county's subtree only, with
the path and code of the new root; users only when they belong to the county (or to none, like
department handlers; never superusers); notifications only to copied users. Columns that must
stay unique get a per-copy tag (`UNIQUE`); a unique column that is not listed there stops the
copy with an error, so a new one cannot be copied wrongly in silence.

Works on PostgreSQL and SQLite (plain `INSERT … SELECT` with `||`, `substr` and `CASE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction

from jiceng.core.tree import path_upper_bound
from jiceng.orgs.models import Organization

# members_membertally is not copied: the database's triggers count the copied members as they
# are inserted (jiceng.members.tally).
# ratings_pointsscheme and ratings_pointitem are the installation's points scheme, and
# ratings_orgchecklist its organization checklists (one for every county); they reach the users
# only through `created_by`, which would make them look owned. So do cadres_assessmentscheme and
# its cadres_dimension (the installation's village-cadre assessment scheme versions).
SKIP = {
    "core_auditentry",
    "django_session",
    "authtoken_token",
    "django_admin_log",
    "members_membertally",
    "ratings_pointsscheme",
    "ratings_pointitem",
    "ratings_orgchecklist",
    "cadres_assessmentscheme",
    "cadres_dimension",
}
SKIP_PREFIXES = ("axes_",)

# How a unique text column is made unique in a copy: "path" (the new root's path), "code"
# (the new root's organization code), "digest" (the first four characters replaced by "r" and the
# copy's number in hex: the same width, never equal to a real digest), "suffix" (the tag appended),
# "tail" ("0" and the tag appended: three characters longer, never equal to a real ticket, whose
# alphabet has no 0).
UNIQUE = {
    ("orgs_organization", "path"): "path",
    ("orgs_organization", "code"): "code",
    ("members_member", "id_number_digest"): "digest",
    ("development_developmentfile", "id_number_digest"): "digest",
    ("transfers_transfer", "id_number_digest"): "digest",
    ("transfers_transfer", "letter_number"): "suffix",
    ("accounts_user", "username"): "suffix",
    ("requests_department", "code"): "suffix",
    ("requests_request", "ticket"): "tail",
    ("wishes_wish", "ticket"): "tail",
    ("households_household", "number"): "suffix",
    ("households_householdmember", "id_number_digest"): "digest",
    ("cadres_villagecadre", "id_number_digest"): "digest",
}


@dataclass(frozen=True)
class Target:
    """Where copy k goes: the new county root's parent, path, code and names."""

    parent: Organization | None  # None: a root of its own (a second county side by side)
    path: str
    code: str
    name: str
    short_name: str


class ReplicationError(RuntimeError):
    pass


def _tables() -> dict[str, type[models.Model]]:
    out = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        out[meta.db_table] = model
    return out


def owned_tables() -> dict[str, type[models.Model]]:
    """Tables holding the county's own rows (see the module doc), by table name."""
    tables = _tables()
    owned = {Organization._meta.db_table}
    changed = True
    while changed:
        changed = False
        for table, model in tables.items():
            if table in owned:
                continue
            for field in model._meta.local_fields:
                if field.is_relation and field.related_model._meta.db_table in owned:
                    owned.add(table)
                    changed = True
                    break
    return {t: tables[t] for t in sorted(owned) if t not in SKIP and not t.startswith(SKIP_PREFIXES)}


def _unique_columns(model: type[models.Model]) -> list[str]:
    """Unique text columns that no copied foreign key makes unique on its own."""
    meta = model._meta
    columns = [f.column for f in meta.local_fields if f.unique and not f.primary_key and not f.is_relation]
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = [meta.get_field(name) for name in constraint.fields]
            if not any(f.is_relation for f in fields):
                columns += [f.column for f in fields]
    for together in meta.unique_together:
        fields = [meta.get_field(name) for name in together]
        if not any(f.is_relation for f in fields):
            columns += [f.column for f in fields]
    return columns


def replicate(source: Organization, targets: list[Target], say: Callable[[str], None] = lambda _: None) -> int:
    """Copy `source`'s county (its subtree and every owned row) once per target; returns the
    number of rows written. Runs in one transaction."""
    if not targets:
        return 0
    owned = owned_tables()
    for table, model in owned.items():
        for column in _unique_columns(model):
            if (table, column) not in UNIQUE:
                raise ReplicationError(f"{table}.{column} 必须唯一，但没有复制规则（jiceng/demo/replicate.py UNIQUE）")
    qn = connection.ops.quote_name
    src_path, src_upper = source.path, path_upper_bound(source.path)
    user_table = get_user_model()._meta.db_table
    org_table = Organization._meta.db_table
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS demo_copies")
        cursor.execute(
            "CREATE TEMP TABLE demo_copies (k integer PRIMARY KEY, path varchar(64), code varchar(32), "
            "parent_id bigint, depth_delta integer, name varchar(100), short_name varchar(50), "
            "tag varchar(8), hexk varchar(8))"
        )
        cursor.executemany(
            "INSERT INTO demo_copies VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    k,
                    t.path,
                    t.code,
                    t.parent.pk if t.parent else None,
                    (t.parent.depth + 1 if t.parent else 0) - source.depth,
                    t.name,
                    t.short_name,
                    f"{k + 1:02d}",
                    f"r{k:03x}",  # "r" is not a hex digit: a copy never equals an original digest
                )
                for k, t in enumerate(targets, start=1)
            ],
        )
        # Rows copied from the partly copied tables (the rest is copied whole).
        filters = {
            org_table: f"src.path >= '{src_path}' AND src.path < '{src_upper}'",
            user_table: f"(src.organization_id IN (SELECT id FROM demo_copied_{org_table}) "
            "OR src.organization_id IS NULL) AND NOT src.is_superuser",
            "core_notification": f"src.recipient_id IN (SELECT id FROM demo_copied_{user_table})",
        }
        spans = {}
        for table in owned:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {qn(table)}")
            spans[table] = cursor.fetchone()[0]
        for table in (org_table, user_table, "core_notification"):
            cursor.execute(f"DROP TABLE IF EXISTS demo_copied_{table}")
            cursor.execute(
                f"CREATE TEMP TABLE demo_copied_{table} AS SELECT src.id FROM {qn(table)} src WHERE {filters[table]}"
            )
        for table, model in owned.items():
            columns, values = [], []
            for field in model._meta.local_fields:
                columns.append(qn(field.column))
                values.append(_value(table, field, spans, filters, source, src_path, src_upper))
            sql = (
                f"INSERT INTO {qn(table)} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"FROM {qn(table)} src CROSS JOIN demo_copies c"
            )
            if table in filters:
                sql += f" WHERE src.id IN (SELECT id FROM demo_copied_{table})"
            cursor.execute(sql)
            written += max(cursor.rowcount, 0)
            say(f"  复制 {table}：{max(cursor.rowcount, 0):,} 行")
        for table in (org_table, user_table, "core_notification"):
            cursor.execute(f"DROP TABLE demo_copied_{table}")
        cursor.execute("DROP TABLE demo_copies")
        for statement in connection.ops.sequence_reset_sql(no_style(), list(owned.values())):
            cursor.execute(statement)
    return written


def _value(table, field, spans, filters, source, src_path, src_upper) -> str:
    col = f"src.{connection.ops.quote_name(field.column)}"
    org_table = Organization._meta.db_table
    if field.primary_key:
        return f"{col} + c.k * {spans[table]}"
    if field.is_relation:
        target = field.related_model._meta.db_table
        if target not in spans:
            return col  # shared (a category, an activity type) or not copied (the audit log)
        moved = f"{col} + c.k * {spans[target]}"
        if table == org_table and field.column == "parent_id":
            return f"CASE WHEN src.id = {source.pk} THEN c.parent_id ELSE {moved} END"
        if target in filters:
            return f"CASE WHEN {col} IN (SELECT id FROM demo_copied_{target}) THEN {moved} ELSE {col} END"
        return moved
    if field.column == "path" or field.column.endswith("_path"):
        return (
            f"CASE WHEN {col} >= '{src_path}' AND {col} < '{src_upper}' "
            f"THEN c.path || substr({col}, {len(src_path) + 1}) ELSE {col} END"
        )
    if table == org_table:
        if field.column == "code":
            return f"c.code || substr({col}, {len(source.code) + 1})"
        if field.column in ("name", "short_name"):
            return f"CASE WHEN src.id = {source.pk} THEN c.{field.column} ELSE {col} END"
        if field.column == "depth":
            return f"{col} + c.depth_delta"
    rule = UNIQUE.get((table, field.column))
    if rule == "digest":
        return f"CASE WHEN {col} = '' THEN {col} ELSE c.hexk || substr({col}, 5) END"
    if rule == "suffix":
        return f"CASE WHEN {col} = '' THEN {col} ELSE {col} || '-' || c.tag END"
    if rule == "tail":
        return f"{col} || '0' || c.tag"
    return col
