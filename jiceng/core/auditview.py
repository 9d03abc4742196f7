"""The audit log as people read it: the object's kind by name, each field by its label, choice
values by their labels, references by the referenced object's name — 「状态：办理中 → 已升级」
instead of ``state: ['in_progress', 'escalated']``.

References into the organization tree are named only where the reader may see the referenced
object (their data scope); elsewhere they stay 「#id」.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

from .audit import masked
from .scoping import scope_fields, visible

EMPTY = "（空）"


@dataclass
class Change:
    label: str
    new: str
    old: str | None = None  # None: not a change of value (a created object's value)

    def __str__(self) -> str:
        return f"{self.label}：{self.old} → {self.new}" if self.old is not None else f"{self.label}：{self.new}"


@dataclass
class ReadableEntry:
    entry: Model
    kind: str
    changes: list[Change]

    @property
    def text(self) -> str:
        return "；".join(str(c) for c in self.changes)


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return _moved().get(label)


@cache
def _moved() -> dict[str, type[Model]]:
    """Models that moved to another app (e.g. members → dual): entries written before the move
    name them by the label they had, which the model lists in ``former_labels``."""
    return {old: model for model in apps.get_models() for old in getattr(model, "former_labels", ())}


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _pairs(entry) -> list[tuple[str, object, object, bool]]:
    """(field name, old, new, is a change) for each recorded value."""
    out = []
    for name, value in (entry.changes or {}).items():
        if entry.action == "update" and isinstance(value, list) and len(value) == 2:
            out.append((name, value[0], value[1], True))
        else:
            out.append((name, None, value, False))
    return out


def readable(user, entries) -> list[ReadableEntry]:
    """Readable entries for `user`, with one query per kind of referenced object on the page."""
    entries = list(entries)
    wanted: dict[type, set] = {}
    for entry in entries:
        model = _model(entry.object_type)
        for name, old, new, _ in _pairs(entry):
            field = _field(model, name)
            if field is not None and field.many_to_one and field.related_model is not None:
                wanted.setdefault(field.related_model, set()).update(v for v in (old, new) if v not in (None, ""))
    names: dict[tuple[type, str], str] = {}
    for related, ids in wanted.items():
        keys = {str(i) for i in ids}
        numeric = [int(i) for i in keys if i.isdigit()]
        found = related._default_manager.filter(pk__in=numeric)
        # Records of the organization tree are named within the reader's scope; shared reference
        # data (categories, departments, activity types: no scope_path) is named for everyone.
        if scope_fields(related):
            found = visible(user, found)
        for obj in found:
            names[(related, str(obj.pk))] = str(obj)

    def show(name, field, value) -> str:
        value = masked(name, value)
        if value is None or value == "":
            return EMPTY
        if field is None:
            return str(value)
        if field.many_to_one and field.related_model is not None:
            return names.get((field.related_model, str(value)), f"#{value}")
        if field.flatchoices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    out = []
    for entry in entries:
        model = _model(entry.object_type)
        changes = []
        for name, old, new, is_change in _pairs(entry):
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None and getattr(field, "verbose_name", None) else name
            changes.append(Change(label, show(name, field, new), show(name, field, old) if is_change else None))
        kind = str(model._meta.verbose_name) if model is not None else entry.object_type
        out.append(ReadableEntry(entry, kind, changes))
    return out
