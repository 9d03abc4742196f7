"""The Excel import of payments: the page with the recent batches, the template (the month's unpaid
members), upload and preview, confirm, and undoing the last batch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl.styles import Font

from jiceng.core import pages, xlsx
from jiceng.core.importing import ImportFileError, keep_pending, opened_pending, take_pending, template_workbook
from jiceng.core.scoping import page_root, require_manager, visible

from .. import imports, queries, rules
from ..forms import UploadForm
from ..models import DuesImportBatch

SESSION_KEY = "pending_dues_imports"


@login_required
def import_index(request):
    require_manager(request.user)
    today = timezone.localdate()
    root = page_root(request)
    batches = visible(request.user, DuesImportBatch.objects.select_related("created_by"))[:20]
    return render(
        request,
        "dues/import.html",
        {
            "form": UploadForm(),
            "root": root,
            "month": request.GET.get("month") or f"{today:%Y-%m}",
            "batches": batches,
            "last": imports.last_batch(request.user),
            "columns": imports.COLUMNS,
            "notes": imports.NOTES,
            "active_nav": "dues",
        },
    )


@login_required
def import_template(request):
    require_manager(request.user)
    root = page_root(request)
    today = timezone.localdate()
    try:
        month = rules.parse_month(request.GET.get("month") or today)
    except ValueError:
        month = rules.month_start(today)
    if rules.year_error(month.year, today):
        month = rules.month_start(today)
    members = queries.subtree_members(request.user, root)
    unpaid = (
        queries.state_filter(queries.due_in_month(members, month, queries.ledger_start()), "unpaid")
        .select_related("organization")
        .order_by("organization__path", "name_pinyin", "id")
    )
    wb = template_workbook("党费交纳", imports.COLUMNS, imports.NOTES)
    ws = wb.active
    first_info = len(imports.COLUMNS) + 1
    for i, title in enumerate(imports.INFO_COLUMNS):
        cell = xlsx.put(ws, 1, first_info + i, title)
        cell.font = Font(bold=True, color="888888")
        ws.column_dimensions[cell.column_letter].width = 22
    for m in unpaid:
        xlsx.append(
            ws,
            [
                m.pk,
                m.name,
                f"{month:%Y-%m}",
                None,
                None,
                None,
                None,
                None,
                m.id_number_masked,
                m.organization.name,
                m.expected,
            ],
        )
    return xlsx.xlsx_response(f"党费交纳导入-{root.short_name or root.name}-{month:%Y%m}", wb)


@login_required
@require_POST
def import_preview(request):
    require_manager(request.user)
    form = UploadForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    max_bytes = _max_bytes()
    if not form.is_valid() or upload is None or not upload.name.lower().endswith(".xlsx") or upload.size > max_bytes:
        messages.error(request, f"请上传不超过 {max_bytes // (1024 * 1024)}MB 的 .xlsx 文件")
        return redirect("dues:import")
    try:
        outcome = imports.run_import(upload, actor=request.user, file_name=upload.name, commit=False)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("dues:import")
    token = keep_pending(request, SESSION_KEY, upload, "imports/pending/dues") if outcome.ok else ""
    return render(
        request,
        "dues/import_preview.html",
        {"outcome": outcome, "token": token, "file_name": upload.name, "active_nav": "dues"},
    )


@login_required
@require_POST
def import_confirm(request):
    require_manager(request.user)
    item = take_pending(request, SESSION_KEY, request.POST.get("token", ""))
    if item is None:
        messages.error(request, "导入预览已失效，请重新上传")
        return redirect("dues:import")
    try:
        with opened_pending(item) as fh:
            outcome = imports.run_import(fh, actor=request.user, file_name=item["name"])
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("dues:import")
    if outcome.ok:
        messages.success(
            request, f"已导入 {outcome.count} 条党费记录，合计 {outcome.total} 元（批次 #{outcome.batch_id}）"
        )
    else:
        messages.error(
            request,
            f"数据已变化，发现 {len(outcome.errors)} 处错误，未导入：" + "；".join(str(e) for e in outcome.errors[:5]),
        )
    return redirect("dues:import")


@login_required
@require_POST
def import_undo(request):
    return pages.button_action(
        request, lambda: imports.undo_last(request.user), success=lambda batch: f"已撤销{batch}", to="dues:import"
    )


def _max_bytes() -> int:
    from django.conf import settings

    return settings.IMPORT_MAX_BYTES
