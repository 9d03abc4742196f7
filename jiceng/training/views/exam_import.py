"""The Excel import of an exam's scores: the template, then upload and preview, then confirm.
The only training page module that uses the shared import machinery (`jiceng.core.importing`)."""

from __future__ import annotations

import base64
import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiceng.core import xlsx
from jiceng.core.importing import ImportFileError
from jiceng.core.scoping import require_manager

from .. import imports
from ._common import NAV, exam_or_404

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_SESSION_KEY = "training_pending_imports"


@login_required
def exam_template(request, pk):
    exam = exam_or_404(request, pk)
    require_manager(request.user, exam.course.organizer)
    return xlsx.xlsx_response(f"{exam.title}-成绩导入模板", imports.template(exam))


@login_required
@require_POST
def exam_import(request, pk):
    """Step 1: validate the file and show a preview (or every error, by row and column)."""
    exam = exam_or_404(request, pk)
    require_manager(request.user, exam.course.organizer)
    upload = request.FILES.get("file")
    if upload is None or upload.size > IMPORT_MAX_BYTES or not upload.name.lower().endswith(".xlsx"):
        messages.error(request, "请上传不超过 2MB 的 .xlsx 文件（可先下载模板）")
        return redirect("training:exam_detail", pk=exam.pk)
    data = upload.read()
    try:
        cleaned, errors, _ = imports.run(request.user, exam, io.BytesIO(data), upload.name, commit=False)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("training:exam_detail", pk=exam.pk)
    token = ""
    if not errors:
        token = uuid.uuid4().hex
        pending = request.session.get(IMPORT_SESSION_KEY, {})
        pending[token] = {"exam": exam.pk, "name": upload.name, "data": base64.b64encode(data).decode()}
        request.session[IMPORT_SESSION_KEY] = pending
    existing = set(exam.results.values_list("enrollment_id", flat=True))
    return render(
        request,
        "training/exam_import.html",
        {
            "exam": exam,
            "course": exam.course,
            "cleaned": cleaned,
            "errors": errors,
            "existing": existing,
            "token": token,
            "file_name": upload.name,
            "active_nav": NAV,
        },
    )


@login_required
@require_POST
def exam_import_confirm(request, pk):
    """Step 2: validate the stored file again (the roster may have changed) and save."""
    exam = exam_or_404(request, pk)
    require_manager(request.user, exam.course.organizer)
    pending = request.session.get(IMPORT_SESSION_KEY, {})
    item = pending.pop(request.POST.get("token", ""), None)
    request.session[IMPORT_SESSION_KEY] = pending
    if item is None or item["exam"] != exam.pk:
        messages.error(request, "导入已过期，请重新上传文件")
        return redirect("training:exam_detail", pk=exam.pk)
    try:
        cleaned, errors, changed = imports.run(
            request.user, exam, io.BytesIO(base64.b64decode(item["data"])), item["name"]
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("training:exam_detail", pk=exam.pk)
    if errors:
        for e in errors:
            messages.error(request, str(e))
        messages.error(request, "文件有误，未导入任何成绩")
    else:
        messages.success(request, f"已导入 {len(cleaned)} 条成绩（变更 {changed} 条）")
    return redirect("training:exam_detail", pk=exam.pk)
