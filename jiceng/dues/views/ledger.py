"""The ledger (台账) and completion (完成率) of an organization for a month and the year to date,
its Excel export, and the completion card of the organization page and the command screen."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from jiceng.core import exports, xlsx
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_manage, is_member_role, page_root, require_staff
from jiceng.members.queries import search
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from .. import queries, rules
from ..models import DuesSettings
from ._common import DUES_STAFF_ONLY, breadcrumbs


def _period(request, today: date) -> tuple[int, int]:
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or (today.month if year == today.year else 12))
    except ValueError:
        year, month = today.year, today.month
    if rules.year_error(year, today) or not 1 <= month <= 12:
        year, month = today.year, today.month
    return year, month


def _listed(request, members, month: date, start):
    """The ledger's rows: the members due in the month, by state and search, in the page's order."""
    state = request.GET.get("state", "")
    state = state if state in queries.STATES else ""
    listed = queries.state_filter(queries.due_in_month(members, month, start), state)
    listed = search(listed, request.GET.get("q", "")).select_related("organization")
    return state, listed.order_by("organization__path", "name_pinyin", "id")


def _ledger_data(request, root: Organization, today: date) -> dict:
    year, month_no = _period(request, today)
    month = date(year, month_no, 1)
    settings = DuesSettings.current()
    start = queries.ledger_start(settings)
    members = queries.subtree_members(request.user, root)
    width = len(root.path) + SEGMENT
    rows, total = queries.by_child(root, queries.month_completion(members, month, start, unit_width=width))
    through = min(month, rules.month_start(today))
    year_rows, year_total = queries.by_child(
        root, queries.year_completion(members, year, through, start, unit_width=width)
    )
    year_by_path = {r.path: r for r in year_rows}
    for r in rows:
        r.year = year_by_path.get(r.path)
    state, listed = _listed(request, members, month, start)
    return {
        "root": root,
        "year": year,
        "month": month,
        "through": through,
        "start": start,
        "completion_rows": rows,
        "total": total,
        "year_total": year_total,
        "state": state,
        "state_label": queries.STATES.get(state, ""),
        "states": queries.STATES,
        "listed": listed,
        "query": request.GET.get("q", ""),
    }


@login_required
def ledger(request):
    if is_member_role(request.user):
        return redirect("dues:mine")
    today = timezone.localdate()
    root = page_root(request)
    data = _ledger_data(request, root, today)
    page = paginate(request, data.pop("listed"))
    grid = queries.year_grid(list(page["rows"]), data["year"], today, data["start"])
    page["grid_rows"] = [(m, grid[m.pk]) for m in page["rows"]]
    params = request.GET.copy()
    for key in ("org", "state", "page"):
        params.pop(key, None)
    return render(
        request,
        "dues/ledger.html",
        {
            **data,
            **page,
            "crumbs": breadcrumbs(request.user, root),
            "period_query": params.urlencode(),
            "months": [date(data["year"], m, 1) for m in range(1, 13)],
            "years": list(range(today.year, max(2008, today.year - 5) - 1, -1)),
            "can_manage": can_manage(request.user),
            "active_nav": "dues",
        },
    )


def _completion_row(label: str, c: queries.Completion) -> list:
    return [
        label,
        c.due,
        c.paid,
        c.unpaid,
        c.no_base,
        c.exempt,
        float(c.rate) if c.rate is not None else "",
        c.due_amount,
        c.paid_amount,
        float(c.amount_rate) if c.amount_rate is not None else "",
    ]


@login_required
@exports.deferrable
def ledger_export(request):
    require_staff(request.user, DUES_STAFF_ONLY)
    today = timezone.localdate()
    root = page_root(request)
    year, month_no = _period(request, today)
    month = date(year, month_no, 1)
    members = queries.subtree_members(request.user, root)
    _state, listed = _listed(request, members, month, queries.ledger_start(DuesSettings.current()))

    def build():
        # The completion of the month and the year is computed when the file is written (in the
        # background for a big ledger), not before the count decides.
        data = _ledger_data(request, root, today)
        wb = xlsx.Book()
        header = xlsx.header

        summary = wb.create_sheet("完成率")
        heads = [
            "党组织",
            "应交人数",
            "已交人数",
            "未交人数",
            "未核定基数",
            "免交人数",
            "完成率（%）",
            "应交金额",
            "实交金额",
            "金额完成率（%）",
        ]
        xlsx.append(summary, [f"{root.name} {month.year}年{month.month}月党费完成情况"])
        header(summary, heads)
        for r in data["completion_rows"]:
            xlsx.append(summary, _completion_row(r.org.name if r.org != root else f"{root.name}（直属）", r))
        xlsx.append(summary, _completion_row("合计", data["total"]))
        xlsx.append(summary, [])
        xlsx.append(summary, [f"{month.year}年1月至{data['through'].month}月（人·月）"])
        header(summary, heads)
        for r in data["completion_rows"]:
            if r.year:
                xlsx.append(summary, _completion_row(r.org.name if r.org != root else f"{root.name}（直属）", r.year))
        xlsx.append(summary, _completion_row("合计", data["year_total"]))

        sheet = wb.create_sheet("台账")
        header(
            sheet,
            ["党员编号", "姓名", "公民身份号码", "所在党组织", "交纳类别", "月应交（元）"]
            + [f"{m}月" for m in range(1, 13)]
            + ["本年实交合计（元）"],
        )
        for row in queries.ledger_rows(data["listed"], data["year"], today, data["start"]):
            xlsx.append(sheet, row)
        notes = wb.create_sheet("说明")
        for line in [
            f"依据：{rules.STATUTE}。",
            "完成率 = 已交人数 ÷ 应交人数；应交人数不含经批准免交的党员；未核定基数的党员计入应交人数。",
            "金额完成率 = Σ min(实交, 应交) ÷ 应交金额（自愿多交部分不抵他人欠交）。",
            "台账中“未交”为该月应交未交，“—”为入党前或台账起始月份前，“免交”为经批准免交。",
            "公民身份号码已脱敏。",
        ]:
            xlsx.append(notes, [line])
        return wb

    return exports.ExportFile(f"党费台账-{root.short_name or root.name}-{month:%Y%m}", rows=listed, build=build)


@login_required
def panel(request):
    """The completion card of the organization page and the command screen (loaded by htmx)."""
    require_staff(request.user, DUES_STAFF_ONLY)
    root = page_root(request)
    from ..panels import completion_figures

    title = "党费收缴" if request.GET.get("where") == "command" else "党费"
    context = completion_figures(request.user, root, timezone.localdate())
    return render(request, "dues/panels/completion.html", {"panel": context, "title": title})
