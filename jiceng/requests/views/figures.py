"""Figures: the command-screen cards (loaded by htmx) and the ranking, its period and export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import pages, params, xlsx
from jiceng.core.scoping import get_visible_or_404, has_full_scope, home_root, path_q
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Request, RequestSettings
from ._common import require_request_staff

# ---- the command-screen card (loaded by htmx) -----------------------------------------------------


@login_required
def command_panel(request, org):
    from .. import panels

    root = get_visible_or_404(request.user, Organization.objects.all(), pk=org)
    if not panels._shows_card(request.user):
        raise PermissionDenied("无权查看")
    return render(request, "requests/panel_command_body.html", panels.command_card(root, timezone.localdate()))


@login_required
def org_panel(request, org):
    from .. import panels

    require_request_staff(request.user)
    organization = get_visible_or_404(request.user, Organization.objects.all(), pk=org)
    return render(request, "requests/panel_org_body.html", panels.org_card(organization))


# ---- ranking ----------------------------------------------------------------------------------


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(value: str, today: date) -> date:
    """?month=YYYY-MM; last month when it is empty or unreadable. A year outside 2000–2100
    is a ValidationError (its month bounds would overflow, and no request is from then)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return previous_month(today)
    year = int(match.group(1))
    if not params.year_in_range(year):
        raise ValidationError({"month": params.YEAR_MESSAGE})
    return date(year, int(match.group(2)), 1)


def ranking_root(user, org_pk) -> Organization:
    pk = params.int_or_none(org_pk)
    if pk is not None:
        return get_visible_or_404(user, Organization.objects.all(), pk=pk)
    root = home_root(user)
    if root is None:
        raise Http404("没有可排名的组织")
    return root


@dataclass(frozen=True)
class Period:
    """A calendar month (the monthly ranking) or any span of days (per-period figures)."""

    first: date
    last: date
    month: date | None

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.month.year}年{self.month.month}月"
        return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    @property
    def ledger_param(self) -> str:
        """The same requests in the ledger."""
        if self.month:
            return f"month={self.month:%Y-%m}"
        return f"received_from={self.first:%Y-%m-%d}&received_to={self.last:%Y-%m-%d}"

    @property
    def self_param(self) -> str:
        if self.month:
            return f"month={self.month:%Y-%m}"
        return f"from={self.first:%Y-%m-%d}&to={self.last:%Y-%m-%d}"


def parse_period(query, today: date) -> Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (at most a year), else ?month=YYYY-MM, else last month.

    Unreadable, reversed or over-long values fall back to the month; a readable date or month
    outside the years 2000–2100 is a ValidationError naming the parameter (the pages show it,
    the API answers 400)."""
    try:
        first, last = date.fromisoformat(query.get("from", "")), date.fromisoformat(query.get("to", ""))
    except (ValueError, TypeError):
        first = last = None
    if first is not None and last is not None:
        for name, day in (("from", first), ("to", last)):
            if not params.date_in_range(day):
                raise ValidationError({name: params.YEAR_MESSAGE})
        if first <= last and (last - first).days <= 366:
            return Period(first, last, None)
    month = parse_month(query.get("month", ""), today)
    return Period(month, (queries.month_bounds(month)[1] - timedelta(days=1)).date(), month)


def period_or_message(request, today: date) -> tuple[Period, str]:
    """The period of a ranking page, or last month and the Chinese message saying why."""
    try:
        return parse_period(request.GET, today), ""
    except ValidationError as exc:
        return parse_period({}, today), pages.refusal_text(exc)


def ranking_data(user, root: Organization, period: Period, by: str) -> dict:
    start, end = queries.period_bounds(period.first, period.last)
    now = timezone.now()
    config = RequestSettings.current()
    weights = config.weights
    if by == "department":
        if not (has_full_scope(user) or (user.can_manage and root.depth < config.township_depth)):
            raise PermissionDenied("县直部门排名仅县级可看")
        rows = queries.ranking_departments(root, start, end, now, weights)
    elif by == "handler":
        rows = queries.ranking_handlers(user, root, start, end, now, weights)
    else:
        rows = queries.ranking_children(root, start, end, now, weights)
    if by == "org":  # the children's rows already hold every count of the territory
        total = queries.children_total(root, rows, start, end, now)
    else:
        base = Request.objects.filter(path_q("organization__path", root.path))
        total = queries.figures_total(queries.metric_base(base, start, end), now, durations=False)
    return {"rows": rows, "weights": weights, "start": start, "end": end, "total": total, "rates": rules.rates(total)}


def _filter_param(by: str, row) -> str:
    if by == "department":
        return f"department={row['key']}"
    if by == "handler":
        return f"handler={row['key']}"
    return f"organization={row['obj'].pk}"


@login_required
def ranking(request):
    require_request_staff(request.user)
    if queries.department_of(request.user) is not None and not request.user.can_manage:
        raise PermissionDenied("部门经办人请在诉求台账查看本部门的诉求")
    today = timezone.localdate()
    root = ranking_root(request.user, request.GET.get("org"))
    period, problem = period_or_message(request, today)
    if problem:
        messages.error(request, f"{problem}；下面是上个月的排名")
    by = request.GET.get("by") if request.GET.get("by") in ("department", "handler") else "org"
    data = ranking_data(request.user, root, period, by)
    for row in data["rows"]:
        row["param"] = _filter_param(by, row)
    chart = [{"name": row["label"], "value": float(row["score"])} for row in data["rows"] if row["score"] is not None]
    months, m = [], today.replace(day=1)
    for _ in range(13):
        months.append(m)
        m = previous_month(m)
    context = {
        **data,
        "root": root,
        "period": period,
        "months": months,
        "by": by,
        "chart": chart,
        "show_departments": has_full_scope(request.user)
        or (request.user.can_manage and root.depth < queries.township_depth()),
        "parent": root.parent if root.parent_id and queries.in_user_subtree(request.user, root.parent) else None,
        "labels": rules.METRIC_LABELS,
        "active_nav": "requests_ranking",
    }
    return render(request, "requests/ranking.html", context, status=400 if problem else 200)


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@login_required
def ranking_export(request):
    require_request_staff(request.user)
    today = timezone.localdate()
    root = ranking_root(request.user, request.GET.get("org"))
    period, problem = period_or_message(request, today)
    if problem:  # the page says what is wrong with the period
        return redirect(reverse("requests:ranking") + "?" + request.GET.urlencode())
    by = request.GET.get("by") if request.GET.get("by") in ("department", "handler") else "org"
    data = ranking_data(request.user, root, period, by)
    headers = [
        "名次",
        "单位",
        "综合得分",
        "受理",
        "应响应",
        "按时响应",
        "响应率",
        "回访",
        "群众认为已解决",
        "解决率",
        "满意和基本满意",
        "满意率",
        "已办结",
        "应办结",
        "按时办结",
        "按时办结率",
        "村级办结",
        "村级化解率",
        "办结用时中位数（小时）",
        "当前超期",
    ]
    rows = []
    for row in data["rows"]:
        f, r = row["figures"], row["rates"]
        rows.append(
            [
                row["rank"] or "",
                row["label"],
                row["score"] if row["score"] is not None else "",
                f.received,
                f.response_settled,
                f.response_ok,
                _pct(r["response"]),
                f.rated,
                f.solved,
                _pct(r["resolution"]),
                f.satisfied,
                _pct(r["satisfaction"]),
                f.resolved,
                f.done_settled,
                f.done_ok,
                _pct(r["ontime"]),
                f.village_resolved,
                _pct(r["village"]),
                row["median_hours"] if row["median_hours"] is not None else "",
                f.overdue_open,
            ]
        )
    w = data["weights"]
    notes = [
        f"{root.name} · {period.label} 受理的群众诉求（不含不予受理）",
        f"综合得分 = 响应率×{w['response']}% + 解决率×{w['resolution']}% + 满意率×{w['satisfaction']}%（某项无数据时，其权重按比例分给其余各项）",
        "响应率 = 按时响应（签收并按时联系群众）÷ 应响应（已联系或已过反馈时限）",
        "解决率 = 回访中群众认为已解决 ÷ 回访（网上评价和电话回访）",
        "满意率 = 满意和基本满意 ÷ 回访",
        "按时办结率 = 按时办结 ÷ 应办结（已办结或已过办结时限）；村级化解率 = 村级办结 ÷ 已办结（目标 80% 以上）",
        "定义见 docs/decisions/0013-request-metrics-and-ranking.md",
    ]
    title = {"org": "下级组织排名", "department": "县直部门排名", "handler": "经办人排名"}[by]
    name = (
        f"诉求{title}-{period.month:%Y-%m}"
        if period.month
        else f"诉求{title}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    )
    return xlsx.xlsx_response(name, xlsx.build_workbook(title, headers, rows, notes=notes))
