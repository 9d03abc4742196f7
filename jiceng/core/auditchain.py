"""The audit log's hash chain: each entry stores the hash of the one before it and a hash of
itself over that and its own content, so deleting, changing or inserting an entry anywhere
breaks every link after it. `manage.py verify_audit` walks the chain and names the first
broken link (tamper-evident); the database trigger and role keep it from being changed at all
(tamper-resistant, docs/deployment.md "The audit log").

Entries are chained in id order. On PostgreSQL an insert takes a transaction-scoped advisory
lock before it reads the last hash, so concurrent writers chain one after the other (their ids
follow the same order); on SQLite writers are serialised by the database already.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import connection

GENESIS = "0" * 64
LOCK_KEY = 0x4A4943454E47  # "JICENG": the advisory lock of the audit chain


def canonical(entry) -> str:
    at = entry.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    fields = [
        at,
        entry.actor_id,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.org_path,
        entry.changes,
        entry.note,
    ]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(prev_hash: str, entry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def lock_chain() -> None:
    """Call inside the transaction that inserts an entry, before reading the last hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


@dataclass
class Break:
    entry_id: int
    reason: str


@dataclass
class Verdict:
    checked: int
    last_hash: str
    broken: Break | None


def verify(entries) -> Verdict:
    """Walk `entries` (in id order) and stop at the first broken link."""
    prev, prev_id, checked = GENESIS, None, 0
    for entry in entries:
        if entry.prev_hash != prev:
            after = f"第 {prev_id} 条之后" if prev_id is not None else "日志开头"
            return Verdict(checked, prev, Break(entry.pk, f"{after}、第 {entry.pk} 条之前的记录被删除、插入或改动"))
        if digest(entry.prev_hash, entry) != entry.hash:
            return Verdict(checked, prev, Break(entry.pk, f"第 {entry.pk} 条的内容被改动"))
        prev, prev_id, checked = entry.hash, entry.pk, checked + 1
    return Verdict(checked, prev, None)
