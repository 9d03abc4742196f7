"""Figures by organization: the training summary of an organization's subtree (and its export),
the register of notices and demerits (通报扣分), and the two panels the organization page and
the command screen load by htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jiceng.core import xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import get_visible_or_404, page_root, require_staff
from jiceng.orgs.models import Organization

from .. import queries
from ..filters import DemeritFilter
from ..models import OrganizationDemerit
from ._common import year_asked, years_around


@login_required
def summary_home(request):
    require_staff(request.user)
    return redirect("training:org_summary", pk=page_root(request, choose=False).pk)


@login_required
def org_summary(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    year = year_asked(request)
    rule_set = queries.current_settings()
    summary = queries.org_summary(request.user, org, year, rule_set)
    root = page_root(request, choose=False)
    parent = org.parent if org.parent_id and org.pk != root.pk else None
    return render(
        request,
        "training/org_summary.html",
        {
            "org": org,
            "parent": parent,
            "year": year,
            "years": years_around(year),
            "summary": summary,
            "people": summary.people[:200],
            "more_people": max(0, len(summary.people) - 200),
            "rules": rule_set,
            "active_nav": "training_summary",
        },
    )


@login_required
def org_summary_export(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    year = year_asked(request)
    rule_set = queries.current_settings()
    summary = queries.org_summary(request.user, org, year, rule_set)
    headers = [
        "姓名",
        "所在党组织",
        "登记课次",
        "出勤课次",
        "出勤率(%)",
        "迟到早退",
        "请假",
        "无故缺课",
        "缺课（含折算）",
        "通报计数",
        "超限通报",
        "合计学时",
        "总学分",
    ]
    rows = (
        (
            p.name,
            p.org_name,
            p.card.sessions_recorded,
            p.card.sessions_attended,
            p.card.attendance_rate if p.card.attendance_rate is not None else "",
            p.card.lateness,
            p.card.excused,
            p.card.unexcused,
            p.card.missed_lessons,
            p.card.notice_count,
            "是" if p.card.over_limit else "",
            p.card.total_hours,
            p.card.total_credits,
        )
        for p in summary.people
    )
    t = summary.totals
    notes = [
        f"{org.name} {year}年教育培训统计",
        f"学员 {t.trainees} 人，登记出勤 {t.recorded} 人次，出勤 {t.attended} 人次，出勤率 {t.attendance_rate or '—'}%",
        f"迟到早退 {t.lateness} 次，请假 {t.excused} 次，无故缺课 {t.unexcused} 次，缺课（含折算）{t.missed_lessons} 次",
        f"超限通报 {t.over_limit} 人；扣分记录 {sum(1 for d in summary.demerits if d.active)} 条",
    ]
    return xlsx.xlsx_response(f"{org.name}-{year}年培训统计", xlsx.build_workbook("培训统计", headers, rows, notes))


# ---- demerits -----------------------------------------------------------------------------


def _demerits(request):
    require_staff(request.user)
    qs = queries.visible_training(request.user, OrganizationDemerit.objects.select_related("organization", "member"))
    f = DemeritFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


@login_required
def demerit_list(request):
    f = _demerits(request)
    context = {"filter": f, "export_url": reverse("training:demerit_export"), "active_nav": "training_demerits"}
    context.update(paginate(request, f.qs))
    return render(request, "training/demerit_list.html", context)


@login_required
def demerit_export(request):
    f = _demerits(request)
    rows = (
        (
            d.year,
            d.organization.name,
            d.member.name,
            d.get_source_display(),
            d.count,
            d.reason,
            d.created_at,
            "已撤销" if d.withdrawn_at else "有效",
            d.withdrawn_reason,
        )
        for d in f.qs
    )
    headers = ["年度", "党组织", "党员", "来源", "计入次数", "事由", "记录时间", "状态", "撤销原因"]
    return xlsx.xlsx_response("培训通报扣分记录", xlsx.build_workbook("通报扣分记录", headers, rows))


# ---- panels (loaded by htmx from the organization page and the command screen) --------------


@login_required
def panel_org(request, pk):
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    year = timezone.localdate().year
    figures = queries.panel_figures(request.user, org, year)
    return render(
        request,
        "training/panels/organization.html",
        {"title": f"{year}年教育培训", "panel": {"org": org, "year": year, **figures}},
    )


@login_required
def panel_command(request, pk):
    require_staff(request.user)
    root = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    figures = queries.command_figures(request.user, root, timezone.localdate())
    return render(
        request,
        "training/panels/command.html",
        {"title": f"{figures['year']}年教育培训", "panel": {"root": root, **figures}},
    )
