"""Exams (考试) of a course: new / edit / delete, and the exam page where scores are typed in.
The Excel import of scores is in `exam_import`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, scoping
from jiceng.core.scoping import require_manager

from .. import queries, rules, services
from ..forms import ExamForm, UploadForm
from ..models import Enrollment, Exam
from ._common import NAV, course_or_404, exam_or_404, form_page


def _exam_url(exam_pk) -> str:
    return reverse("training:exam_detail", args=[exam_pk])


@login_required
@require_http_methods(["GET", "POST"])
def exam_create(request, pk):
    course = course_or_404(request, pk)
    require_manager(request.user, course.organizer)
    form = ExamForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_exam(request.user, course, **data),
        success=lambda exam: f"已新建考试：{exam.title}。可逐个录入成绩，或下载模板用 Excel 导入。",
        to=lambda exam: _exam_url(exam.pk),
    ):
        return done
    return form_page(request, form, f"新建考试：{course.title}", reverse("training:course_detail", args=[course.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def exam_edit(request, pk):
    exam = exam_or_404(request, pk)
    require_manager(request.user, exam.course.organizer)
    form = ExamForm(request.POST or None, instance=Exam.objects.get(pk=exam.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_exam(request.user, exam, **data),
        success="已保存",
        to=_exam_url(exam.pk),
    ):
        return done
    return form_page(request, form, f"编辑考试：{exam.title}", _exam_url(exam.pk))


@login_required
@require_POST
def exam_delete(request, pk):
    exam = exam_or_404(request, pk)
    return pages.button_action(
        request,
        lambda: services.delete_exam(request.user, exam),
        success=f"已删除考试：{exam.title}",
        to=reverse("training:course_detail", args=[exam.course_id]),
        back=_exam_url(exam.pk),
    )


def _parse_score(raw: str) -> Decimal | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(f"「{raw}」不是数字") from exc
    if not value.is_finite():
        raise ValidationError(f"「{raw}」不是数字")
    return value


@login_required
@require_http_methods(["GET", "POST"])
def exam_detail(request, pk):
    """The exam page; managers type scores into it. A refusal shows the page again with what
    was typed (not the glue of core.pages, which would redirect and lose it)."""
    exam = exam_or_404(request, pk)
    can_manage = scoping.can_manage(request.user, exam.course.organizer)
    enrollments = list(
        queries.visible_training(request.user, Enrollment.objects.filter(course_id=exam.course_id)).select_related(
            "member", "organization"
        )
    )
    results = {r.enrollment_id: r for r in exam.results.all()}
    typed = {}
    if request.method == "POST":
        require_manager(request.user, exam.course.organizer)
        scores, errors = {}, []
        for e in enrollments:
            raw = request.POST.get(f"score{e.pk}", "")
            typed[e.pk] = raw
            try:
                scores[e.pk] = _parse_score(raw)
            except ValidationError as exc:
                errors.append(f"{e.member.name}：{exc.messages[0]}")
        try:
            if errors:
                raise ValidationError(errors)
            changed = services.record_results(request.user, exam, scores)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, f"已保存成绩（变更 {changed} 条）")
            return redirect("training:exam_detail", pk=exam.pk)
    rows = []
    for e in enrollments:
        r = results.get(e.pk)
        rows.append(
            {
                "enrollment": e,
                "result": r,
                "passed": r is not None and rules.passed(r.score, exam.pass_mark),
                "typed": typed.get(e.pk, f"{r.score.normalize():f}" if r else ""),
            }
        )
    taken = [row for row in rows if row["result"] is not None]
    return render(
        request,
        "training/exam_detail.html",
        {
            "exam": exam,
            "course": exam.course,
            "rows": rows,
            "taken": len(taken),
            "passed": sum(1 for row in taken if row["passed"]),
            "pass_rate": rules.rate(sum(1 for row in taken if row["passed"]), len(taken)),
            "can_manage": can_manage,
            "upload_form": UploadForm(),
            "active_nav": NAV,
        },
    )
