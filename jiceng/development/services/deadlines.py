"""Stored deadlines recomputed after a change of the working-day calendar."""

from __future__ import annotations

from datetime import date

from django.db.models import F

from ..models import DevelopmentFile
from .common import file_state, store_state

# ---- deadlines after a change of the working-day calendar --------------------------------

DEADLINE_FIELDS = ("talk_due_on", "review_due_on", "approval_due_on", "approval_limit_on", "probation_due_on")


def refresh_deadlines(years) -> int:
    """Recompute the stored deadlines of open files after holidays or make-up working days of
    `years` changed (`core.calendar.calendar_changed`, connected in `apps.py`); runs in the
    calendar change's transaction. A deadline moves only if it falls on or after a changed day, so
    the files with a deadline on or after 1 January of the earliest year are folded again
    (`file_state`) and saved if anything changed. Closed files keep the deadlines they closed with.
    Returns how many files changed."""
    from django.db.models import Q

    if not years:
        return 0
    since = date(min(years), 1, 1)
    later = Q()
    for name in DEADLINE_FIELDS:
        later |= Q(**{f"{name}__gte": since})
    files = DevelopmentFile.objects.select_for_update().filter(later, status=DevelopmentFile.Status.OPEN)
    changed = 0
    for file in files.order_by("id"):
        state = file_state(file)
        before = {f.attname: getattr(file, f.attname) for f in DevelopmentFile._meta.concrete_fields}
        store_state(file, state)
        fields = [name for name, value in before.items() if getattr(file, name) != value]
        if fields:
            file.revision = F("revision") + 1
            file.save(update_fields=[*fields, "revision", "updated_at"])
            changed += 1
    return changed
