"""Courses (培训班) and their rosters: enrollment (the course row locked) and withdrawal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jiceng.core import audit
from jiceng.core.scoping import path_q, require_manager
from jiceng.members.models import Member

from .. import queries, rules
from ..models import Course, Enrollment
from .common import _bump, _within

COURSE_FIELDS = ["title", "kind", "organizer", "year", "class_size_limit", "credits_per_class_hour", "description"]


def _check_course(course: Course, rule_set: rules.RuleSet) -> None:
    error = rules.course_limit_error(course.kind, course.class_size_limit, rule_set)
    if error:
        raise ValidationError({"class_size_limit": error})
    if course.pk and course.class_size_limit is not None:
        enrolled = course.enrollments.count()
        if enrolled > course.class_size_limit:
            raise ValidationError({"class_size_limit": f"本班已有 {enrolled} 名学员，上限不能低于此数"})


@transaction.atomic
def create_course(actor, **fields) -> Course:
    require_manager(actor, fields["organizer"])
    course = Course(**fields)
    course.full_clean()
    _check_course(course, queries.current_settings())
    course.save()
    audit.record(actor, "create", course, changes=audit.snapshot(course, COURSE_FIELDS))
    return course


@transaction.atomic
def update_course(actor, course: Course, **fields) -> Course:
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = audit.snapshot(course, COURSE_FIELDS)
    new_organizer = fields.get("organizer")
    if new_organizer is not None and new_organizer != course.organizer:
        require_manager(actor, new_organizer)
        if course.enrollments.exclude(path_q("organization__path", new_organizer.path)).exists():
            raise ValidationError({"organizer": "已有学员不在新的主办组织范围内，不能更换主办组织"})
    for name, value in fields.items():
        if name not in COURSE_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(course, name, value)
    course.full_clean()
    _check_course(course, queries.current_settings())
    _bump(course, fields, actor, audit.diff(before, audit.snapshot(course, COURSE_FIELDS)))
    return course


@transaction.atomic
def delete_course(actor, course: Course) -> None:
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.sessions.exists() or course.enrollments.exists() or course.exams.exists():
        raise ValidationError("该培训班已有课次、学员或考试，不能删除；请先删除它们")
    audit.record(actor, "delete", course, changes=audit.snapshot(course, COURSE_FIELDS))
    course.delete()


@transaction.atomic
def enroll(actor, course: Course, members: list[Member]) -> list[Enrollment]:
    """Enroll members, all or none. Refuses inactive members, members outside the organizer's
    subtree, duplicates and anything beyond the class limit. The course row is locked first,
    so concurrent enrollments are counted one after the other and never pass the limit."""
    require_manager(actor, course.organizer)
    course = Course.objects.select_for_update().select_related("organizer").get(pk=course.pk)
    members = list({m.pk: m for m in members}.values())
    if not members:
        raise ValidationError("请至少选择一名党员")
    errors = []
    for m in members:
        if m.status not in Member.ACTIVE_STATUSES:
            errors.append(f"{m.name}：{m.get_status_display()}，不能报名")
        elif not _within(m.organization, course.organizer):
            errors.append(f"{m.name}：不在主办组织（{course.organizer.name}）范围内")
    already = list(Enrollment.objects.filter(course=course, member__in=members).values_list("member__name", flat=True))
    if already:
        errors.append("已在本班名单中，不能重复报名：" + "、".join(already))
    limit_error = rules.class_size_error(course.enrollments.count(), len(members), course.class_size_limit)
    if limit_error:
        errors.append(limit_error)
    if errors:
        raise ValidationError(errors)
    by = actor if getattr(actor, "is_authenticated", False) else None
    created = []
    try:
        with transaction.atomic():
            for m in members:
                e = Enrollment.objects.create(course=course, member=m, organization=m.organization, enrolled_by=by)
                audit.record(
                    actor,
                    "create",
                    e,
                    changes={"course": course.pk, "member": m.pk, "organization": m.organization_id},
                )
                created.append(e)
    except IntegrityError as exc:  # a concurrent request enrolled one of them first
        raise ValidationError("部分党员刚刚已被报名，请刷新后重试") from exc
    return created


@transaction.atomic
def withdraw(actor, enrollment: Enrollment) -> None:
    require_manager(actor, enrollment.course.organizer)
    enrollment = Enrollment.objects.select_for_update().select_related("organization").get(pk=enrollment.pk)
    if enrollment.attendances.exists() or enrollment.exam_results.exists():
        raise ValidationError(f"{enrollment.member.name} 已有出勤或成绩记录，不能移出名单")
    audit.record(actor, "delete", enrollment, changes={"course": enrollment.course_id, "member": enrollment.member_id})
    enrollment.delete()
