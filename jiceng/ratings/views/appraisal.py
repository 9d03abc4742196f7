"""The secretaries' annual report and appraisal (书记抓基层党建述职评议考核): rounds, the
secretary's report form, the reviewers' voting page (for a phone), results, Excel and Word.

Who sees what: the organizer's staff see their rounds (scope of the organizer); a secretary
sees and edits their own report (scope of their organization, and `appraisal.can_file`);
reviewers see the reports of the rounds they vote in; everybody else gets 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.pages import style_form
from jiceng.core.scoping import (
    can_manage,
    get_visible_or_404,
    in_scope,
    is_member_role,
    page_root,
    require_manager,
    require_staff,
    visible,
)

from .. import appraisal_docx, rules
from ..models import AppraisalReport, AppraisalRound
from ..services import appraisal
from .points import crumbs

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class RoundForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    vote_from = forms.DateField(label="测评开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    vote_until = forms.DateField(label="测评截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    good_at_least = forms.IntegerField(label="「好」票比例不低于（%）评为好", min_value=0, max_value=100, initial=50)
    fair_at_least = forms.IntegerField(label="满意率不低于（%）评为较好", min_value=0, max_value=100, initial=70)
    poor_over = forms.IntegerField(label="「差」票比例超过（%）评为差", min_value=0, max_value=100, initial=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ReportForm(forms.Form):
    """The four sections of 述职报告; saving a draft may leave some empty, submitting may not."""

    work_done = forms.CharField(
        label="履职情况及成效",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="抓基层党建的主要做法和成效，可结合下方自动附带的工作数据",
    )
    problems = forms.CharField(
        label="存在的问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="对照职责找差距，写实写具体",
    )
    causes = forms.CharField(
        label="原因分析", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="从主观和客观两方面分析"
    )
    plans = forms.CharField(
        label="下一步工作打算",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="明年抓基层党建的思路和具体措施",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def _round_or_404(user, pk) -> AppraisalRound:
    """The organizer's staff (scope of the organizer)."""
    require_staff(user)
    return get_visible_or_404(user, AppraisalRound.objects.select_related("organizer"), pk=pk)


def _report_or_404(user, pk) -> AppraisalReport:
    """Staff whose scope holds the report's organization (the secretary and the levels above),
    and the round's reviewers; anybody else gets 404."""
    report = (
        AppraisalReport.objects.select_related("round__organizer", "organization")
        .filter(pk=params.int_or_none(pk) or 0)
        .first()
    )
    if report is None:
        raise Http404("未找到或无权查看")
    if appraisal.can_file(user, report) or (not is_member_role(user) and in_scope(user, report)):
        return report
    if appraisal.is_reviewer(user, report.round):
        return report
    raise Http404("未找到或无权查看")


@login_required
def round_list(request):
    user = request.user
    staff = not is_member_role(user)
    root = page_root(request) if staff else None
    rounds = []
    if staff:
        rounds = list(
            visible(user, AppraisalRound.objects.filter(root.subtree_filter("organizer__")))
            .select_related("organizer")
            .order_by("-year", "organizer__path")
        )
    today = timezone.localdate()
    form = None
    if staff and can_manage(user, root):
        form = RoundForm(
            initial={"year": today.year, "vote_from": today, "vote_until": today, **appraisal.county_rule()}
        )
    context = {
        "root": root,
        "crumbs": crumbs(user, root) if root else [],
        "rounds": rounds,
        "mine": list(appraisal.reports_to_file(user).order_by("-round__year", "pk")),
        "reviewing": list(appraisal.rounds_reviewed_by(user).order_by("-year", "pk")),
        "form": form,
        "active_nav": "ratings-appraisal",
    }
    return render(request, "ratings/appraisal_list.html", context)


@login_required
@require_POST
def round_create(request):
    require_staff(request.user)
    root = page_root(request, posted=True)
    require_manager(request.user, root)
    form = RoundForm(request.POST)
    if done := pages.form_action(
        request,
        form,
        lambda data: appraisal.create_round(request.user, root, **data),
        success=lambda r: f"已建立 {r.year} 年度述职评议，请添加评议人",
        to=lambda r: reverse("ratings:appraisal_round", args=[r.pk]),
    ):
        return done
    reasons = [
        f"{form.fields[k].label if k in form.fields else ''}：{e}" for k, errors in form.errors.items() for e in errors
    ]
    messages.error(request, "；".join(reasons) or "请检查填写的内容")
    return redirect(f"{reverse('ratings:appraisal')}?org={root.pk}")


@login_required
def round_detail(request, pk):
    round_ = _round_or_404(request.user, pk)
    rows = appraisal.results(round_)
    online = appraisal.online_counts([r.pk for r, _ in rows]) if round_.is_open else {}
    for report, _tally in rows:
        report.online_votes = sum(online.get(report.pk, {}).values())
    manager = can_manage(request.user, round_.organizer) and round_.is_open
    context = {
        "round": round_,
        "rows": rows,
        "reviewers": list(round_.reviewers.select_related("user").order_by("pk")),
        "manager": manager,
        "grades": [(g, rules.GRADE_LABELS[g]) for g in rules.GRADES],
        "submitted": sum(1 for r, _ in rows if r.state == AppraisalReport.State.SUBMITTED),
        "active_nav": "ratings-appraisal",
    }
    return render(request, "ratings/appraisal_round.html", context)


@login_required
@require_POST
def round_reviewer(request, pk):
    round_ = _round_or_404(request.user, pk)
    username = (request.POST.get("username") or "").strip()
    user = get_user_model().objects.filter(username=username).first() if username else None
    back = reverse("ratings:appraisal_round", args=[round_.pk])
    return pages.button_action(
        request,
        lambda: appraisal.add_reviewer(request.user, round_, user),
        success=lambda r: f"已添加评议人 {r.user}",
        to=back,
    )


@login_required
@require_POST
def round_close(request, pk):
    round_ = _round_or_404(request.user, pk)
    back = reverse("ratings:appraisal_round", args=[round_.pk])
    return pages.button_action(
        request,
        lambda: appraisal.close_round(request.user, round_),
        success="述职评议已结束，评议结果已保存",
        to=back,
    )


@login_required
def round_export(request, pk):
    round_ = _round_or_404(request.user, pk)
    headers = ["党组织", "书记", "职务", "述职状态", "好", "较好", "一般", "差", "合计", "满意率（%）", "评议等次"]
    data = [
        [
            r.organization.name,
            r.secretary_name,
            r.post,
            r.get_state_display(),
            *(t.counts[g] for g in rules.GRADES),
            t.total,
            t.satisfaction,
            rules.GRADE_LABELS.get(t.grade, ""),
        ]
        for r, t in appraisal.results(round_)
    ]
    note = "已结束，结果已保存" if not round_.is_open else "进行中，票数为当前统计"
    return xlsx.xlsx_response(
        f"书记述职评议-{round_.organizer.name}-{round_.year}",
        xlsx.build_workbook("评议结果", headers, data, [f"{round_}（{note}）"]),
    )


def _docx_response(content: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.docx"
    return response


@login_required
def round_docx(request, pk):
    round_ = _round_or_404(request.user, pk)
    return _docx_response(appraisal_docx.render(appraisal.results(round_)), f"{round_.year}年度书记述职评议考核表")


@login_required
def vote_page(request, pk):
    """The reviewer's page, for a phone: each submitted report with four buttons."""
    round_ = AppraisalRound.objects.select_related("organizer").filter(pk=params.int_or_none(pk) or 0).first()
    if round_ is None or not appraisal.is_reviewer(request.user, round_):
        raise Http404("未找到或无权查看")
    reports = list(round_.reports.select_related("organization").order_by("organization__path"))
    mine = appraisal.votes_of(request.user, [r.pk for r in reports])
    for r in reports:
        r.my_vote = rules.GRADE_LABELS.get(mine.get(r.pk, ""), "")
    today = timezone.localdate()
    context = {
        "round": round_,
        "reports": reports,
        "grades": [(g, rules.GRADE_LABELS[g]) for g in rules.GRADES],
        "window": round_.is_open and round_.vote_from <= today <= round_.vote_until,
        "active_nav": "ratings-appraisal",
    }
    return render(request, "ratings/appraisal_vote.html", context)


@login_required
def report_detail(request, pk):
    report = _report_or_404(request.user, pk)
    round_ = report.round
    reviewer = appraisal.is_reviewer(request.user, round_)
    manager = round_.is_open and not is_member_role(request.user) and can_manage(request.user, round_.organizer)
    context = {
        "report": report,
        "round": round_,
        "sections": [(AppraisalReport._meta.get_field(n).verbose_name, getattr(report, n)) for n in appraisal.SECTIONS],
        "can_file": appraisal.can_file(request.user, report) and round_.is_open and report.state == "draft",
        "reviewer": reviewer,
        "my_vote": appraisal.votes_of(request.user, [report.pk]).get(report.pk) if reviewer else None,
        "grades": [(g, rules.GRADE_LABELS[g]) for g in rules.GRADES],
        "manager": manager,
        "can_return": manager and report.state == AppraisalReport.State.SUBMITTED and not appraisal.has_votes(report),
        "tally": None if round_.is_open else appraisal.stored_tally(report),
        "grade_labels": rules.GRADE_LABELS,
        "active_nav": "ratings-appraisal",
    }
    return render(request, "ratings/appraisal_report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk):
    report = _report_or_404(request.user, pk)
    if not appraisal.can_file(request.user, report):
        raise PermissionDenied("只有述职书记本人可以填写述职报告")
    back = reverse("ratings:appraisal_report", args=[report.pk])
    if not report.round.is_open or report.state == AppraisalReport.State.SUBMITTED:
        messages.info(request, "述职报告已提交或本轮已结束，不能再修改")
        return redirect(back)
    form = ReportForm(request.POST or None, initial={n: getattr(report, n) for n in appraisal.SECTIONS})
    submit = request.POST.get("action") == "submit"
    if done := pages.form_action(
        request,
        form,
        lambda data: appraisal.save_report(request.user, report, submit=submit, **data),
        success="述职报告已提交，工作数据已按今天的记录固定" if submit else "已保存草稿",
        to=back,
    ):
        return done
    return render(
        request,
        "ratings/appraisal_form.html",
        {"report": report, "form": form, "active_nav": "ratings-appraisal"},
    )


@login_required
@require_POST
def report_vote(request, pk):
    report = _report_or_404(request.user, pk)
    to = request.POST.get("next") == "round" and reverse("ratings:appraisal_vote", args=[report.round_id])
    return pages.button_action(
        request,
        lambda: appraisal.cast_vote(request.user, report, request.POST.get("grade", "")),
        success=lambda v: f"已投票：{report.secretary_name} — {rules.GRADE_LABELS[v.grade]}",
        to=to or reverse("ratings:appraisal_report", args=[report.pk]),
    )


@login_required
@require_POST
def report_return(request, pk):
    """The organizer's staff return a submitted report to its secretary (before any vote)."""
    report = _report_or_404(request.user, pk)
    return pages.button_action(
        request,
        lambda: appraisal.return_report(request.user, report, reason=request.POST.get("reason", "")),
        success=f"已退回 {report.secretary_name} 的述职报告，书记修改后重新提交",
        to=reverse("ratings:appraisal_report", args=[report.pk]),
    )


@login_required
@require_POST
def report_paper(request, pk):
    report = _report_or_404(request.user, pk)
    return pages.button_action(
        request,
        lambda: appraisal.record_paper_votes(request.user, report, {g: request.POST.get(g) for g in rules.GRADES}),
        success=f"已录入 {report.secretary_name} 的纸质票",
        to=reverse("ratings:appraisal_round", args=[report.round_id]),
    )


@login_required
def report_docx(request, pk):
    report = _report_or_404(request.user, pk)
    tally = appraisal.results(report.round, [report])[0][1]
    return _docx_response(
        appraisal_docx.render([(report, tally)]), f"{report.round.year}年度述职评议考核表-{report.secretary_name}"
    )
