"""Writing to the append-only audit log. Services call `record()` inside their transaction."""

from __future__ import annotations

import datetime
import decimal

from django.db.models import Model

from .masking import mask_phone
from .models import AuditEntry


def is_phone(field_name: str) -> bool:
    """The audit log never holds a whole phone number: a field named ``phone`` or ``…_phone``
    (a member's, a household's, a cadre's, an applicant's, an office's) is written masked,
    ``138****5678``, the way lists show it. The change is still seen, with the last four digits."""
    return field_name == "phone" or field_name.endswith("_phone")


def masked(field_name: str, value):
    """The value as the log keeps and shows it (entries written before masking are shown masked)."""
    if isinstance(value, str) and value and is_phone(field_name):
        return mask_phone(value)
    return value


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
        changes={
            k: [masked(k, _plain(a)) for a in v] if isinstance(v, list) else masked(k, _plain(v))
            for k, v in (changes or {}).items()
        },
        note=note[:255],
    )
