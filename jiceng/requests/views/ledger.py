"""The ledger (台账): the staff inbox with its filters, and its export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import exports, xlsx
from jiceng.core.pages import paginate, style_form

from .. import queries
from ..filters import RequestFilter
from ..models import Request
from ._common import LIST_RELATED, entry_organizations, require_request_staff


def _ledger(request) -> RequestFilter:
    require_request_staff(request.user)
    qs = queries.visible_requests(request.user, Request.objects.select_related(*LIST_RELATED))
    f = RequestFilter(request.GET, queryset=qs, user=request.user)
    style_form(f.form)
    return f


def _ordered(request, f: RequestFilter):
    return f.qs if request.GET.get("ordering") else f.qs.order_by("-received_at", "-id")


@login_required
def inbox(request):
    f = _ledger(request)
    now = timezone.now()
    context = {
        "filter": f,
        "export_url": reverse("requests:export"),
        "now": now,
        "box": request.GET.get("box", ""),
        "can_create": entry_organizations(request.user).exists(),
        "active_nav": "requests",
    }
    context.update(paginate(request, _ordered(request, f).select_related(*LIST_RELATED)))
    for item in context["rows"]:
        item.overdue_now = item.overdue_stages(now)
    # A filter that cannot be read is left out; the page says which and why.
    return render(request, "requests/inbox.html", context, status=400 if f.form.errors else 200)


LEDGER_HEADERS = [
    "受理编号",
    "受理时间",
    "渠道",
    "类型",
    "类别",
    "紧急程度",
    "办理方式",
    "受理地",
    "群众",
    "电话",
    "诉求内容",
    "地点",
    "状态",
    "所在层级",
    "承办单位",
    "经办人",
    "签收时限",
    "签收时间",
    "反馈时限",
    "联系群众时间",
    "办结时限",
    "办结时间",
    "签收超期",
    "反馈超期",
    "办结超期",
    "办结层级",
    "办理结果",
    "评价",
    "群众认为已解决",
    "评价方式",
    "上报次数",
    "重办次数",
]


def _yes(value) -> str:
    return "是" if value else ""


@login_required
@exports.deferrable
def ledger_export(request):
    f = _ledger(request)
    rows = (
        (
            r.ticket,
            r.received_at,
            r.get_channel_display(),
            r.get_kind_display(),
            r.category.name,
            r.get_priority_display(),
            r.get_tier_display(),
            r.organization.name,
            r.masked_name,
            r.masked_phone,
            r.description,
            r.place,
            r.get_state_display(),
            r.get_level_display(),
            r.holder_label,
            str(r.holder_user or ""),
            r.assign_due_at,
            r.accepted_at,
            r.response_due_at,
            r.responded_at,
            r.done_due_at,
            r.resolved_at,
            _yes(r.assign_late),
            _yes(r.response_late),
            _yes(r.done_late),
            r.get_resolved_level_display() if r.resolved_level else "",
            r.result,
            r.get_rating_display() if r.rating else "",
            "" if r.solved is None else ("是" if r.solved else "否"),
            r.get_rating_channel_display() if r.rating_channel else "",
            r.escalations,
            r.reopen_count,
        )
        for r in _ordered(request, f).select_related(*LIST_RELATED).iterator(chunk_size=2000)
    )
    notes = [
        "群众诉求台账，按当前筛选条件导出；群众姓名和电话已脱敏。",
        "“超期”为冻结标记：某环节一旦超期，即使此后转办、上报重新计时，标记也保留（见 docs/decisions/0012）。",
    ]
    # 32 columns from model instances: a row costs about 2.5 plain ones (docs/performance.md).
    return exports.ExportFile(
        "群众诉求台账",
        rows=f.qs,
        build=lambda: xlsx.build_workbook("群众诉求台账", LEDGER_HEADERS, rows, notes=notes),
        weight=2.5,
    )
