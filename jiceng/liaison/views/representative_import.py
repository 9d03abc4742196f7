"""The Excel import of the register of representatives: the template, then upload and preview,
then confirm (the stored file is checked again)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiceng.core import xlsx
from jiceng.core.scoping import require_manager

IMPORT_SESSION_KEY = "liaison_import"


@login_required
def representative_template(request):
    require_manager(request.user)
    from .. import imports

    return xlsx.xlsx_response("党代表名册导入模板", imports.template())


@login_required
@require_http_methods(["GET", "POST"])
def representative_import(request):
    """Upload → check every row and preview → confirm (the stored file is checked again)."""
    from jiceng.core.importing import ImportFileError, keep_pending, opened_pending, take_pending

    from .. import imports

    require_manager(request.user)
    context = {"active_nav": "liaison", "columns": imports.COLUMNS}
    if request.method == "POST" and request.POST.get("token"):
        item = take_pending(request, IMPORT_SESSION_KEY, request.POST["token"])
        if item is None:
            messages.error(request, "导入已过期，请重新上传文件")
            return redirect("liaison:representatives_import")
        with opened_pending(item) as stored:
            outcome = imports.run(stored, request.user, commit=True)
        if outcome.ok:
            messages.success(request, f"已导入党代表 {outcome.created} 名")
            return redirect("liaison:representatives")
        context["outcome"] = outcome
        return render(request, "liaison/import.html", context)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or not upload.name.lower().endswith(".xlsx") or upload.size > 20 * 1024 * 1024:
            messages.error(request, "请上传不超过 20MB 的 .xlsx 文件（可先下载模板）")
            return redirect("liaison:representatives_import")
        try:
            outcome = imports.run(upload, request.user, commit=False)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("liaison:representatives_import")
        context["outcome"] = outcome
        if outcome.ok and outcome.rows:
            context["token"] = keep_pending(request, IMPORT_SESSION_KEY, upload, "liaison/pending")
    return render(request, "liaison/import.html", context)
