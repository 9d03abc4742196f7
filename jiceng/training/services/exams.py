"""Tests (考试) of a course and their scores."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from jiceng.core import audit
from jiceng.core.scoping import require_manager

from .. import rules
from ..models import Course, Exam, ExamResult
from .common import _bump

EXAM_FIELDS = ["title", "held_on", "full_mark", "pass_mark"]


def _check_exam(exam: Exam) -> None:
    if exam.pass_mark is not None and exam.full_mark is not None and exam.pass_mark > exam.full_mark:
        raise ValidationError({"pass_mark": "及格分不能高于满分"})


@transaction.atomic
def create_exam(actor, course: Course, **fields) -> Exam:
    require_manager(actor, course.organizer)
    exam = Exam(course=course, **fields)
    exam.full_clean()
    _check_exam(exam)
    exam.save()
    audit.record(actor, "create", exam, changes=audit.snapshot(exam, EXAM_FIELDS))
    return exam


@transaction.atomic
def update_exam(actor, exam: Exam, **fields) -> Exam:
    require_manager(actor, exam.course.organizer)
    exam = Exam.objects.select_for_update().select_related("course__organizer").get(pk=exam.pk)
    before = audit.snapshot(exam, EXAM_FIELDS)
    for name, value in fields.items():
        if name not in EXAM_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(exam, name, value)
    exam.full_clean()
    _check_exam(exam)
    top = max(exam.results.values_list("score", flat=True), default=None)
    if top is not None and top > exam.full_mark:
        raise ValidationError({"full_mark": f"已有成绩 {top} 分，满分不能低于此分"})
    _bump(exam, fields, actor, audit.diff(before, audit.snapshot(exam, EXAM_FIELDS)))
    return exam


@transaction.atomic
def delete_exam(actor, exam: Exam) -> None:
    require_manager(actor, exam.course.organizer)
    if exam.results.exists():
        raise ValidationError("该考试已有成绩，不能删除")
    audit.record(actor, "delete", exam, changes=audit.snapshot(exam, EXAM_FIELDS))
    exam.delete()


@transaction.atomic
def record_results(actor, exam: Exam, scores: dict[int, Decimal | None]) -> int:
    """Scores by enrollment id (None clears a score). All or nothing; returns rows changed."""
    require_manager(actor, exam.course.organizer)
    exam = Exam.objects.select_related("course__organizer").get(pk=exam.pk)
    roster = {e.pk: e for e in exam.course.enrollments.select_related("member", "organization")}
    errors = []
    for eid, score in scores.items():
        if eid not in roster:
            errors.append(f"第 {eid} 号学员不在本班名单中")
        elif score is not None:
            error = rules.score_error(score, exam.full_mark)
            if error:
                errors.append(f"{roster[eid].member.name}：{error}")
    if errors:
        raise ValidationError(errors)
    existing = {r.enrollment_id: r for r in ExamResult.objects.select_for_update().filter(exam=exam)}
    by = actor if getattr(actor, "is_authenticated", False) else None
    changed = 0
    for eid, score in scores.items():
        r = existing.get(eid)
        if score is None:
            if r is not None:
                audit.record(actor, "delete", r, changes={"score": str(r.score)})
                r.delete()
                changed += 1
            continue
        if r is None:
            r = ExamResult.objects.create(exam=exam, enrollment=roster[eid], score=score, recorded_by=by)
            audit.record(actor, "create", r, changes={"exam": exam.pk, "score": str(score)})
        elif r.score != score:
            old = r.score
            ExamResult.objects.filter(pk=r.pk).update(score=score, recorded_by=by, revision=F("revision") + 1)
            audit.record(actor, "update", r, changes={"score": [str(old), str(score)]})
        else:
            continue
        changed += 1
    return changed
