"""The attendance report (出勤统计): per member and per organization over a period, and its export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from jiceng.core import exports, xlsx
from jiceng.core.pages import paginate
from jiceng.core.scoping import is_member_role, page_root, visible

from .. import queries
from ..models import Record
from ._common import period_choices, refused, window_asked


def _attendance_data(request, *, strict: bool = False):
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看出勤统计")
    root = page_root(request, posted=True)
    window = window_asked(request, "year", strict=strict)
    records = queries.held_records(
        visible(request.user, Record.objects.filter(root.subtree_filter("organization__"))), window
    )
    return root, window, records


@login_required
def attendance_report(request):
    root, window, records = _attendance_data(request)
    # Only the page's members are read and counted (a city's year is 340,000 members).
    rows = queries.member_attendance_rows(root, records, window)
    context = {
        "root": root,
        "window": window,
        "totals": queries.org_attendance(records),
        "periods": period_choices(timezone.localdate()),
        "active_nav": "life_attendance",
    }
    context.update(paginate(request, rows))
    return render(request, "life/attendance.html", context)


@login_required
@exports.deferrable
def attendance_export(request):
    try:
        root, window, records = _attendance_data(request, strict=True)
    except ValueError as exc:
        return refused(exc)
    headers = ["姓名", "所在组织", "应到次数", "出席", "请假", "缺席", "迟到", "早退", "出席率%"]

    def rows():
        # Read when the file is written, not before the count decides.
        for r in queries.member_attendance(records):
            yield (
                r["member__name"],
                r["member__organization__name"],
                r["expected"],
                r["present"],
                r["leave"],
                r["absent"],
                r["late"],
                r["early"],
                r["rate"],
            )

    return exports.ExportFile(
        f"组织生活出勤{window.code}",
        rows=queries.member_attendance_rows(root, records, window),
        build=lambda: xlsx.build_workbook(
            f"出勤{window.code}", headers, rows(), notes=[f"{root.name} · {window.label}"]
        ),
    )
