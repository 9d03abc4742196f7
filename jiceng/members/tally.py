"""Member tallies (党员分组计数): per organization, how many of its *own* members fall in each
status, and of its active members (probationary and full) in each gender, education, whether
mobile, without a post, and the month they joined. ADR 0019.

The county-wide and city-wide figures (the command screen, the structure warnings, the members
per child, the transfers and care cards) are sums of these rows over a subtree, one path range:
a city's 14,671 organizations have 222,870 small rows against 349,080 members, a province's
3.8 million members become sums over its organizations' rows.

**Kept by the database, in the writing transaction.** Triggers on ``members_member`` apply every
insert, update and delete to the tally, whatever wrote it (the services, the importer and its
undo, the demo's bulk loader, a queryset ``update()``, the SQL copy of a city): on PostgreSQL
three statement-level triggers with transition tables (one set-based upsert per statement, so a
bulk insert of 20,000 members is one aggregate), on SQLite row-level triggers (a delete there
only lowers existing rows: Django's flush of a test database empties the tally first). The triggers are
(re)installed after every ``migrate`` (``install``, from the app's ``post_migrate``) because
SQLite drops a table's triggers when a migration rebuilds the table. Rows are upserted in the
order of (organization, dimension, value), so concurrent writers lock them in the same order.

``manage.py member_tally --check`` compares the table with a recount of the members (a test does
too, after every kind of write); ``--rebuild`` rewrites it.

The age bands of the command screen are not tallied: they move with the calendar (a member
changes band on a birthday), so they are counted from the members (``birth_date`` is indexed).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Substr

from jiceng.core.scoping import path_q

from .models import Member, MemberTally

ACTIVE_SQL = "({r}.status IN ('probationary', 'full'))"
# (dimension, value expression, condition or None); {r} is the row (NEW/OLD or a table alias).
# join_month: the month of the year the member joined ("01".."12"), for this month's political
# birthdays (政治生日).
DIMENSIONS = (
    ("status", "{r}.status", None),
    ("gender", "{r}.gender", ACTIVE_SQL),
    ("education", "{r}.education", ACTIVE_SQL),
    ("mobile", "''", ACTIVE_SQL + " AND {r}.is_mobile"),
    ("no_post", "''", ACTIVE_SQL + " AND {r}.post = ''"),
    ("join_month", "{month}", ACTIVE_SQL + " AND {r}.join_date IS NOT NULL"),
)
MONTH_SQL = {"postgresql": "to_char({r}.join_date, 'MM')", "sqlite": "strftime('%m', {r}.join_date)"}
COLUMNS = ("organization_id", "status", "gender", "education", "is_mobile", "post", "join_date")
TABLE = "members_membertally"


def _contributions(vendor: str, row: str, sign: int, source: str = "") -> str:
    """One SELECT per dimension, UNION ALL: (organization_id, dimension, value, delta)."""
    month = MONTH_SQL[vendor].format(r=row)
    parts = []
    for dimension, value, condition in DIMENSIONS:
        part = (
            f"SELECT {row}.organization_id AS organization_id, '{dimension}' AS dimension, "
            f"{value.format(r=row, month=month)} AS value, {sign} AS delta{source}"
        )
        if condition:
            part += f" WHERE {condition.format(r=row)}"
        parts.append(part)
    return " UNION ALL ".join(parts)


def _upsert(vendor: str, contributions: str) -> str:
    excluded = "EXCLUDED" if vendor == "postgresql" else "excluded"
    target = f"{TABLE}.n" if vendor == "postgresql" else "n"
    return (
        f"INSERT INTO {TABLE} (organization_id, dimension, value, n) "
        f"SELECT organization_id, dimension, value, SUM(delta) FROM ({contributions}) AS contributions "
        "WHERE true GROUP BY organization_id, dimension, value HAVING SUM(delta) <> 0 "
        "ORDER BY organization_id, dimension, value "
        f"ON CONFLICT (organization_id, dimension, value) DO UPDATE SET n = {target} + {excluded}.n"
    )


def _postgresql_statements() -> list[str]:
    out = []
    for event, body in (
        ("INSERT", _contributions("postgresql", "r", 1, " FROM new_rows r")),
        ("DELETE", _contributions("postgresql", "r", -1, " FROM old_rows r")),
        (
            "UPDATE",
            _contributions("postgresql", "r", -1, " FROM old_rows r")
            + " UNION ALL "
            + _contributions("postgresql", "r", 1, " FROM new_rows r"),
        ),
    ):
        name = f"jiceng_member_tally_{event.lower()}"
        refs = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}.get(
            event, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
        )
        out.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {_upsert('postgresql', body)}; "
            "RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        out.append(f"DROP TRIGGER IF EXISTS {name} ON members_member")
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON members_member REFERENCING {refs} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return out


def _sqlite_decrement() -> str:
    """A deleted member only lowers rows that exist: an UPDATE, never an insert (a flush that
    empties the tally before the members must not re-create rows for organizations it deletes
    next)."""
    month = MONTH_SQL["sqlite"].format(r="OLD")
    groups = []
    for dimension, value, condition in DIMENSIONS:
        group = f"(dimension = '{dimension}' AND value = {value.format(r='OLD', month=month)}"
        if condition:
            group += f" AND {condition.format(r='OLD')}"
        groups.append(group + ")")
    return f"UPDATE {TABLE} SET n = n - 1 WHERE organization_id = OLD.organization_id AND ({' OR '.join(groups)})"


def _sqlite_statements() -> list[str]:
    out = []
    for event, body in (
        ("INSERT", _upsert("sqlite", _contributions("sqlite", "NEW", 1))),
        ("DELETE", _sqlite_decrement()),
        (
            f"UPDATE OF {', '.join(COLUMNS)}",
            _upsert("sqlite", _contributions("sqlite", "OLD", -1) + " UNION ALL " + _contributions("sqlite", "NEW", 1)),
        ),
    ):
        name = f"jiceng_member_tally_{event.split()[0].lower()}"
        out.append(f"DROP TRIGGER IF EXISTS {name}")
        out.append(f"CREATE TRIGGER {name} AFTER {event} ON members_member FOR EACH ROW BEGIN {body}; END")
    return out


TRIGGER_NAMES = ("jiceng_member_tally_insert", "jiceng_member_tally_delete", "jiceng_member_tally_update")


def install(using=None) -> None:
    """Create (or re-create) the triggers; idempotent. Other databases are not supported."""
    from django.db import connections

    conn = connections[using or "default"]
    statements = {"postgresql": _postgresql_statements, "sqlite": _sqlite_statements}[conn.vendor]()
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(using=None) -> None:
    from django.db import connections

    conn = connections[using or "default"]
    with conn.cursor() as cursor:
        for name in TRIGGER_NAMES:
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON members_member")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def installed(using=None) -> set[str]:
    """Names of the tally triggers present in the database."""
    from django.db import connections

    conn = connections[using or "default"]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'members_member'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'members_member'")
        return {name for (name,) in cursor.fetchall()} & set(TRIGGER_NAMES)


# ---- recount, rebuild, check --------------------------------------------------------------------


def _recount_sql(vendor: str | None = None) -> str:
    vendor = vendor or connection.vendor
    return (
        "SELECT organization_id, dimension, value, SUM(delta) FROM ("
        + _contributions(vendor, "m", 1, " FROM members_member m")
        + ") AS contributions WHERE true GROUP BY organization_id, dimension, value HAVING SUM(delta) <> 0"
    )


def recount() -> dict[tuple[int, str, str], int]:
    """The tally as the members say it is now (no zero rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_recount_sql())
        return {(org, dim, value): n for org, dim, value, n in cursor.fetchall()}


def stored() -> dict[tuple[int, str, str], int]:
    return {
        (org, dim, value): n
        for org, dim, value, n in MemberTally.objects.exclude(n=0).values_list(
            "organization_id", "dimension", "value", "n"
        )
    }


def rebuild(using: str | None = None) -> int:
    """Rewrite the tally from the members (in one transaction); rows written."""
    from django.db import connections

    conn = connections[using or "default"]
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} (organization_id, dimension, value, n) " + _recount_sql(conn.vendor))
        return cursor.rowcount


def differences(limit: int = 20) -> list[str]:
    """Lines naming the rows where the tally and a recount differ (empty when equal)."""
    have, want = stored(), recount()
    out = []
    for key in sorted(set(have) | set(want)):
        if have.get(key, 0) != want.get(key, 0):
            org, dim, value = key
            out.append(f"组织 {org} {dim}={value or '（空）'}：汇总 {have.get(key, 0)}，重新统计 {want.get(key, 0)}")
            if len(out) >= limit:
                break
    return out


# ---- reads --------------------------------------------------------------------------------------


def _rows(root_path: str):
    return MemberTally.objects.filter(path_q("organization__path", root_path))


# One read per screen: the command screen's figures and the cards it shows (the care and
# transfer cards of jiceng.transfers) are sums over the same rows of the same subtree. Inside
# `one_read_per_screen()` the first read of a subtree's figures is kept and later reads of that
# subtree are answered from it (a province's tally is 2.4 million rows: one scan instead of two).
_screen_reads: ContextVar[dict | None] = ContextVar("member_tally_screen_reads", default=None)


@contextmanager
def one_read_per_screen():
    """Reads of `figures` inside the block share one read per subtree. For pages that only read:
    a member written inside the block would not show in a kept read."""
    token = _screen_reads.set({})
    try:
        yield
    finally:
        _screen_reads.reset(token)


def figures(root_path: str, join_month: int | None = None, *, everything: bool = False) -> dict[str, dict[str, int]]:
    """{dimension: {value: members}} over the subtree of `root_path` (one query). Of the
    join months only `join_month` (1–12) is read, none when it is None. Inside
    `one_read_per_screen()`, a kept read of the same subtree answers (a read with a join month
    also answers the same read without one). `everything`: the caller knows that no organization
    lies outside the subtree (`orgs.queries.subtree_is_everything`), so every row is read without
    joining the organizations' paths (a province's top: a third of the statement's time)."""
    kept = _screen_reads.get()
    if kept is not None:
        if (root_path, join_month) in kept:
            return _copy(kept[(root_path, join_month)])
        if join_month is None:
            for (path, _month), read in kept.items():
                if path == root_path:
                    out = _copy(read)
                    out.pop("join_month", None)
                    return out
    every = MemberTally.objects.all() if everything else _rows(root_path)
    rows = every.exclude(dimension="join_month")
    if join_month is not None:
        rows = every.filter(~Q(dimension="join_month") | Q(value=f"{join_month:02d}"))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows.values("dimension", "value").annotate(total=Sum("n")).order_by():
        out[row["dimension"]][row["value"]] = row["total"]
    if kept is not None:
        kept[(root_path, join_month)] = _copy(out)
    return out


def _copy(read: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """A kept read is handed out as a copy: a reader may change what it gets."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for dimension, values in read.items():
        out[dimension] = dict(values)
    return out


def active_total(by_dimension: dict[str, dict[str, int]]) -> int:
    statuses = by_dimension.get("status", {})
    return sum(statuses.get(s, 0) for s in Member.ACTIVE_STATUSES)


def by_organization(root_path: str) -> dict[int, dict[str, int]]:
    """{organization id: {status: members}} for the organizations under `root_path` (one query)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, value, n in (
        _rows(root_path).filter(dimension="status").exclude(n=0).values_list("organization_id", "value", "n")
    ):
        out[org_id][value] = n
    return out


def direct_counts_query(root_path: str):
    """The active members attached to each organization under `root_path`, as a values
    queryset for SQL that embeds it (``org_path``, ``full_n``, ``members_n``): one row per
    organization and active status (at most two per organization; a caller sums them), read
    from the tally's status rows (``member_tally_status_idx`` holds every column named)."""
    return (
        _rows(root_path)
        .filter(dimension="status", value__in=Member.ACTIVE_STATUSES)
        .annotate(
            org_path=F("organization__path"),
            full_n=Case(When(value=Member.Status.FULL, then="n"), default=Value(0)),
            members_n=F("n"),
        )
        .values("org_path", "full_n", "members_n")
        .order_by()
    )


def active_by_prefix(root_path: str, width: int) -> dict[str, int]:
    """Active members under `root_path` by the first `width` characters of their organization's path."""
    rows = (
        _rows(root_path)
        .filter(dimension="status", value__in=Member.ACTIVE_STATUSES)
        .annotate(prefix=Substr("organization__path", 1, width))
        .values("prefix")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {r["prefix"]: r["total"] for r in rows if r["total"]}
