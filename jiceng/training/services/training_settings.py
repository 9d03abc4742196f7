"""The county's training settings (class limits, the absence notice, credits), set by the county admin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.scoping import require_county_admin

from ..models import TrainingSettings
from .absences import check_absences

SETTINGS_FIELDS = [
    "class_size_max",
    "lateness_per_missed_lesson",
    "absence_limit",
    "lateness_counts_toward_notice",
    "credits_per_class_hour",
    "credits_per_study_hour",
    "credits_per_passed_exam",
    "annual_hours_target",
]


@transaction.atomic
def update_settings(actor, **fields) -> TrainingSettings:
    require_county_admin(actor)
    row = TrainingSettings.for_update()
    before = audit.snapshot(row, SETTINGS_FIELDS)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(row, name, value)
    row.full_clean()
    row.save()
    changes = audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS))
    if changes:
        audit.record(actor, "update", row, changes=changes, org_path="")
    if {"lateness_per_missed_lesson", "absence_limit", "lateness_counts_toward_notice"} & set(changes):
        check_absences(timezone.localdate().year)  # the new limit applies to this year at once
    return row
