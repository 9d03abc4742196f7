from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiceng.core import pages, xlsx
from jiceng.core.importing import ImportFileError, keep_pending, opened_pending, take_pending
from jiceng.core.scoping import require_manager, visible

from . import services
from .models import ImportBatch

SESSION_KEY = "pending_imports"


@login_required
def index(request):
    require_manager(request.user)
    batches = visible(request.user, ImportBatch.objects.select_related("created_by"))[:20]
    return render(
        request,
        "imports/index.html",
        {
            "batches": batches,
            "last": services.last_batch(request.user),
            "kinds": [(kind, importer.title) for kind, importer in services.importers().items()],
            "other_pages": services.other_pages(),
            "active_nav": "imports",
        },
    )


@login_required
def template(request, kind):
    require_manager(request.user)
    if kind not in services.importers():
        raise Http404
    wb = services.template(kind, request.user)
    return xlsx.xlsx_response(f"{services.kind_label(kind)}导入模板", wb)


@login_required
@require_POST
def preview(request):
    require_manager(request.user)
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    if kind not in services.importers() or upload is None:
        messages.error(request, "请选择导入类型并上传 .xlsx 文件")
        return redirect("imports:index")
    if upload.size > services.max_bytes() or not upload.name.lower().endswith(".xlsx"):
        messages.error(request, f"只接受不超过 {services.max_bytes() // (1024 * 1024)}MB 的 .xlsx 文件")
        return redirect("imports:index")
    try:
        outcome = services.run_import(kind, upload, actor=request.user, file_name=upload.name, commit=False)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("imports:index")
    token = keep_pending(request, SESSION_KEY, upload, "imports/pending", kind=kind) if outcome.ok else ""
    return render(
        request,
        "imports/preview.html",
        {
            "outcome": outcome,
            "token": token,
            "file_name": upload.name,
            "kind_label": services.kind_label(kind),
            "active_nav": "imports",
        },
    )


@login_required
@require_POST
def confirm(request):
    require_manager(request.user)
    item = take_pending(request, SESSION_KEY, request.POST.get("token", ""))
    if item is None:
        messages.error(request, "导入预览已失效，请重新上传")
        return redirect("imports:index")
    try:
        with opened_pending(item) as fh:
            outcome = services.run_import(item["kind"], fh, actor=request.user, file_name=item["name"])
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("imports:index")
    if outcome.ok:
        messages.success(request, f"已导入 {outcome.rows} 行（批次 #{outcome.batch_id}）")
    else:
        messages.error(
            request,
            f"数据已变化，发现 {len(outcome.errors)} 处错误，未导入：" + "；".join(str(e) for e in outcome.errors[:5]),
        )
    return redirect("imports:index")


@login_required
@require_POST
def undo(request):
    return pages.button_action(
        request, lambda: services.undo_last(request.user), success=lambda batch: f"已撤销 {batch}", to="imports:index"
    )
