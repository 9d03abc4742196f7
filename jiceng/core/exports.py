"""Whole-list downloads too big to write inside a request: written in the background, offered on
我的导出 (docs/decisions/0024-background-exports.md).

An export view returns what to write instead of the response, and is marked `deferrable`::

    from jiceng.core import exports, xlsx

    @login_required
    @exports.deferrable
    def pledge_export(request):
        root, qs = ...  # the access checks and the scoped queryset, as before
        return exports.ExportFile(
            f"党员承诺-{year}", rows=qs, build=lambda: xlsx.build_workbook("承诺践诺", headers, data(qs))
        )

The decorator counts `rows` (one COUNT of the scoped queryset). Up to
``settings.JICENG_EXPORT_THRESHOLD`` rows the file is written at once, as before. Above it, the
view records an `Export` (who asked, the URL and query string, the requester's subtree) and
redirects to 我的导出; a runner then *replays the same view function* as the same user with the
same query string (`run`), so the access checks and the scope are exactly those of the
synchronous download, evaluated again when the file is written. The URL is the registry: the
runner finds the view by resolving the stored path, and only views marked `deferrable` can run.

Who runs it (`settings.JICENG_EXPORT_RUNNER`): a Celery task where a broker is configured, else a
thread of the web process started when the request's transaction commits (`make run` needs no
extra step). The periodic job ``core.exports`` (scheduler or Celery beat) is the safety net:
it runs exports left queued (a lost thread or task), marks runs cut off by a restart as failed,
and deletes expired files. Each run is claimed with a conditional UPDATE, so two runners never
write the same export.

Files go to the private ``exports`` storage (settings.STORAGES; a directory no URL serves) and
are downloaded only through `download`, by the user who asked, with an audit entry.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from . import audit, xlsx
from .jobs import periodic
from .models import Export

log = logging.getLogger(__name__)

FAILED_ACCESS = "导出时您已无权查看这份清单（数据范围或角色已变更），请回到清单页重新导出。"
FAILED_UNKNOWN = "这份清单不支持后台导出，请回到清单页重新导出。"
FAILED_ERROR = "生成文件时出错，请稍后重新导出；如仍失败，请联系管理员（错误已记录）。"
FAILED_STALE = "导出被中断（服务重启或超时），请回到清单页重新导出。"


@dataclass
class ExportFile:
    """What a deferrable export view returns: the file's name (without date or extension), the
    scoped rows whose count decides, and how to write the workbook (a `core.xlsx` book)."""

    filename: str
    rows: object  # a QuerySet (or anything with count()) or an int
    build: Callable[[], object]
    # What a row costs next to a plain one of about 12 columns: a wide ledger built from model
    # instances weighs more (the request ledger, 32 columns: 2.5), so the threshold stays a time.
    weight: float = 1.0

    def count(self) -> int:
        return self.rows if isinstance(self.rows, int) else self.rows.count()


def threshold() -> int:
    return settings.JICENG_EXPORT_THRESHOLD


def storage():
    return storages["exports"]


def deferrable(view):
    """Mark an export view that returns an `ExportFile`: small lists answer at once, big ones
    become an `Export` written in the background. The view may also return a response."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        result = view(request, *args, **kwargs)
        if not isinstance(result, ExportFile):
            return result
        count = result.count()
        if count * result.weight <= threshold():
            return xlsx.xlsx_response(result.filename, result.build())
        export = pending_twin(request)
        if export is not None:  # asked twice (a double click): one file is enough
            messages.info(request, f"「{export.title}」正在后台生成，完成后在本页下载。")
            return redirect(reverse("core:exports"))
        export = queue(request, result, count)
        messages.info(
            request,
            f"「{export.title}」共 {count:,} 行，数据较多，已转为后台生成；完成后在本页下载（也会发通知）。",
        )
        return redirect(reverse("core:exports"))

    wrapper.export_view = view  # found again by `run`, through the URL resolver
    return wrapper


def pending_twin(request) -> Export | None:
    """The user's export of the same list and filters still queued or running, if any."""
    return (
        own(request.user)
        .filter(
            path=request.path,
            query=request.GET.urlencode(),
            state__in=(Export.State.QUEUED, Export.State.RUNNING),
        )
        .first()
    )


def queue(request, result: ExportFile, count: int) -> Export:
    user = request.user
    org = getattr(user, "organization", None)
    export = Export.objects.create(
        requester=user,
        title=result.filename,
        view_name=request.resolver_match.view_name,
        path=request.path,
        query=request.GET.urlencode(),
        org_path=getattr(org, "path", "") or "",
        row_count=count,
    )
    # robust: a broker that cannot be reached must not fail the request; the sweep runs it later.
    transaction.on_commit(lambda: start(export.pk), robust=True)
    return export


def start(pk: int) -> None:
    runner = settings.JICENG_EXPORT_RUNNER
    if runner == "celery":
        from .tasks import run_export

        run_export.delay(pk)
    elif runner == "thread":
        threading.Thread(target=_run_in_thread, args=(pk,), name=f"export-{pk}", daemon=True).start()
    # "sweep": the periodic job core.exports runs it


def _run_in_thread(pk: int) -> None:
    try:
        run(pk)
    finally:
        connection.close()  # the thread's own connection


def _claim(pk: int, now: datetime) -> bool:
    return bool(
        Export.objects.filter(pk=pk, state=Export.State.QUEUED).update(state=Export.State.RUNNING, started_at=now)
    )


def replayed_request(export: Export, user) -> HttpRequest:
    """A GET of the export's URL by its requester, as the view saw it (user and query string)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = export.path
    request.GET = QueryDict(export.query)
    request.user = user
    request.META["QUERY_STRING"] = export.query
    return request


def run(pk: int, now: datetime | None = None) -> str | None:
    """Write the file of a queued export (claimed first; None when another runner has it)."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return None
    export = Export.objects.select_related("requester").get(pk=pk)
    # Inside a caller's transaction (the sweep job), a savepoint, so that a failed statement does
    # not spoil it; else no transaction at all: on SQLite (BEGIN IMMEDIATE) one would hold the
    # write lock for the whole file and stop every other writer.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            result = _replay(export)
            content = xlsx.workbook_bytes(result.build())
            row_count = result.count()
    except (PermissionDenied, Http404):
        return _fail(export, FAILED_ACCESS)
    except _Unknown:
        return _fail(export, FAILED_UNKNOWN)
    except Exception:
        log.exception("export %s (%s) failed", export.pk, export.path)
        return _fail(export, FAILED_ERROR)
    name = storage().save(f"{export.requester_id}/{export.pk}.xlsx", ContentFile(content))
    finished = timezone.now()
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.DONE,
        row_count=row_count,
        file_name=name,
        download_name=xlsx.download_name(result.filename),
        size=len(content),
        finished_at=finished,
        expires_at=finished + timedelta(days=settings.JICENG_EXPORT_DAYS),
    )
    _notify(
        export,
        "导出文件已生成",
        f"「{export.title}」已生成，可在“我的导出”下载（保留 {settings.JICENG_EXPORT_DAYS} 天）。",
    )
    return "done"


class _Unknown(Exception):
    pass


def _replay(export: Export) -> ExportFile:
    try:
        match = resolve(export.path)
    except Resolver404 as exc:
        raise _Unknown from exc
    view = getattr(match.func, "export_view", None)
    if view is None or match.view_name != export.view_name:
        raise _Unknown
    user = export.requester
    if not user.is_active:
        raise PermissionDenied
    request = replayed_request(export, user)
    request.resolver_match = match
    result = view(request, *match.args, **match.kwargs)
    if not isinstance(result, ExportFile):
        raise _Unknown
    return result


def _fail(export: Export, message: str) -> str:
    Export.objects.filter(pk=export.pk).update(state=Export.State.FAILED, error=message, finished_at=timezone.now())
    _notify(export, "导出失败", f"「{export.title}」{message}")
    return "failed"


def _notify(export: Export, title: str, body: str) -> None:
    from .notifications import notify

    notify(
        export.requester,
        kind="export",
        title=f"{title}：{export.title}",
        body=body,
        key=f"export:{export.pk}",
        url=reverse("core:exports"),
        org_path=export.org_path,
    )


# ---- reading and downloading: the requester only -----------------------------------------


def own(user):
    """The user's own exports: nobody else's, whatever their role (a county admin included)."""
    if not getattr(user, "is_authenticated", False):
        return Export.objects.none()
    return Export.objects.filter(requester=user)


def downloadable_or_404(user, pk, now: datetime | None = None) -> Export:
    now = now or timezone.now()
    export = own(user).filter(pk=pk, state=Export.State.DONE, expires_at__gt=now).exclude(file_name="").first()
    if export is None or not storage().exists(export.file_name):
        raise Http404("没有这份导出文件（可能已过期）")
    return export


def record_download(user, export: Export) -> None:
    audit.record(
        user,
        "export",
        export,
        note=f"下载后台导出：{export.title}（{export.row_count or 0} 行）",
        org_path=export.org_path,
    )


# ---- the periodic job: leftovers, cut-off runs, expiry ------------------------------------


@periodic("core.exports", every=timedelta(minutes=1), description="运行未启动的后台导出，清理过期导出文件")
def sweep(now: datetime) -> str:
    ran = failed = 0
    # Queued for a minute: its thread or task was lost (a restart, a broker outage).
    for pk in Export.objects.filter(state=Export.State.QUEUED, created_at__lte=now - timedelta(minutes=1)).values_list(
        "pk", flat=True
    ):
        if run(pk) is not None:
            ran += 1
    stale = now - timedelta(minutes=settings.JICENG_EXPORT_STALE_MINUTES)
    for export in Export.objects.filter(state=Export.State.RUNNING, started_at__lt=stale):
        if Export.objects.filter(pk=export.pk, state=Export.State.RUNNING).update(
            state=Export.State.FAILED, error=FAILED_STALE, finished_at=now
        ):
            _notify(export, "导出失败", f"「{export.title}」{FAILED_STALE}")
            failed += 1
    removed = delete_expired(now)
    return f"运行 {ran} 个，中断 {failed} 个，删除过期文件 {removed} 个"


def delete_expired(now: datetime) -> int:
    """Delete the files of exports past their expiry (the rows stay, as the list's history)."""
    removed = 0
    for export in Export.objects.filter(expires_at__lte=now).exclude(file_name=""):
        storage().delete(export.file_name)
        Export.objects.filter(pk=export.pk).update(file_name="")
        removed += 1
    return removed
