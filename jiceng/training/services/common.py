"""What the training services share: the audited update with its revision bump, the
organization path an audit entry is filed under, snapshots with times of day, and subtree tests."""

from __future__ import annotations

from datetime import time

from django.db.models import F

from jiceng.core import audit
from jiceng.core.tree import path_upper_bound
from jiceng.orgs.models import Organization

from ..models import (
    Attendance,
    Course,
    Enrollment,
    Exam,
    ExamResult,
    OrganizationDemerit,
    Session,
    StudyRecord,
    Venue,
)


def _bump(obj, fields: dict, actor, changes: dict) -> None:
    """Apply an update with its revision bump and audit entry (only when something changed)."""
    if not changes:
        return
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.revision = F("revision") + 1
    obj.save()
    obj.refresh_from_db()
    audit.record(actor, "update", obj, changes=changes, org_path=_org_path(obj))


def _org_path(obj) -> str:
    if isinstance(obj, Course):
        return obj.organizer.path
    if isinstance(obj, (Session, Exam)):
        return obj.course.organizer.path
    if isinstance(obj, (Enrollment, StudyRecord, OrganizationDemerit, Venue)):
        return obj.organization.path
    if isinstance(obj, (Attendance, ExamResult)):
        return obj.enrollment.organization.path
    return ""


def _snapshot(obj, fields: list[str]) -> dict:
    """audit.snapshot, with times of day as text (the shared helper knows dates only)."""
    return {k: v.isoformat() if isinstance(v, time) else v for k, v in audit.snapshot(obj, fields).items()}


def _within(org: Organization, root: Organization) -> bool:
    return root.path <= org.path < path_upper_bound(root.path)
