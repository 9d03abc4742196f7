"""`manage.py audit_db_role ROLE [--apply]`: the SQL that lets the application run under a
PostgreSQL role that does not own the tables, and may only add to the audit log.

The owner (the role in DATABASE_URL when migrating) keeps the schema; the application's role gets
read and write on every table except the audit log, where it may only read and insert. A role
that does not own a table can neither disable its triggers nor truncate it, so only the owner
can touch the log — and the hash chain (verify_audit) shows if anyone did.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

AUDIT_TABLE = "core_auditentry"


def statements(role: str, database: str) -> list[sql.Composable]:
    r = sql.Identifier(role)
    return [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), r),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(r),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
            sql.Identifier(AUDIT_TABLE), r
        ),
        # Tables that later migrations create: the same grants (run this command again after
        # a migration that adds tables, or rely on these defaults for the owner's new tables).
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(r),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}").format(r),
    ]


class Command(BaseCommand):
    help = "生成（或执行）让应用以不拥有数据表的数据库角色运行的授权语句：审计日志只能读取和追加。"

    def add_arguments(self, parser):
        parser.add_argument(
            "role", help="应用使用的数据库角色（须已创建，例如 CREATE ROLE jiceng_app LOGIN PASSWORD '…'）"
        )
        parser.add_argument(
            "--apply", action="store_true", help="以当前 DATABASE_URL 的角色（表的所有者）执行，而不只是打印"
        )

    def handle(self, *args, role: str, apply: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("仅适用于 PostgreSQL：SQLite 没有数据库角色")
        database = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"数据库角色 {role} 不存在：先 CREATE ROLE {role} LOGIN PASSWORD '…'")
            for statement in statements(role, database):
                text = statement.as_string(connection.connection)
                self.stdout.write(text + ";")
                if apply:
                    cursor.execute(text)
        if apply:
            self.stdout.write(self.style.SUCCESS(f"已授权：应用以 {role} 运行时，审计日志只能读取和追加"))
