"""Writing to the append-only audit log. Services call `record()` inside their transaction."""

from __future__ import annotations

import datetime
import decimal

from django.db.models import Model

from .models import AuditEntry


def _plain(value):
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: Model, fields: list[str]) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def org_path_of(obj) -> str:
    if obj is None:
        return ""
    if hasattr(obj, "path") and obj._meta.label == "orgs.Organization":
        return obj.path
    org = getattr(obj, "organization", None) or getattr(obj, "township", None)
    return getattr(org, "path", "") or ""


def record(
    actor,
    action: str,
    obj: Model | None = None,
    *,
    changes: dict | None = None,
    note: str = "",
    object_type: str | None = None,
    object_id: str = "",
    object_repr: str = "",
    org_path: str | None = None,
) -> AuditEntry:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else "系统",
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=(str(obj) if obj is not None else object_repr)[:255],
        org_path=org_path if org_path is not None else org_path_of(obj),
        changes={k: [_plain(a) for a in v] if isinstance(v, list) else _plain(v) for k, v in (changes or {}).items()},
        note=note[:255],
    )
