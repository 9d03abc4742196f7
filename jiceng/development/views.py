"""Pages of 发展党员: file list, file page with its timeline and step forms, due/overdue lists,
counts by stage, the ledger of branches that admitted nobody, and the county settings.

Plain members never see development files (they hold the details of people who are not
members); every other user sees the files of their own subtree only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, scoping, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import (
    get_visible_or_404,
    page_root,
    path_q,
    require_manager,
    require_staff,
    visible,
)
from jiceng.core.uploads import file_response
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .filters import DevelopmentFileFilter
from .forms import DocumentForm, EditFileForm, OpenFileForm, RejectForm, RevokeForm, SettingsForm, StepForm
from .models import DevelopmentFile, DevelopmentSettings, Document, Step


def _get_file(request, pk) -> DevelopmentFile:
    require_staff(request.user)
    return get_visible_or_404(request.user, DevelopmentFile.objects.select_related("organization", "member"), pk=pk)


def _ancestors(user, org: Organization) -> list[Organization]:
    """Breadcrumbs from the user's scope root down to `org` (one query)."""
    paths = [org.path[:end] for end in range(4, len(org.path), 4)]
    return list(visible(user, Organization.objects.filter(path__in=paths)).order_by("path"))


# ---- the file list -----------------------------------------------------------------------


def _filtered(request):
    require_staff(request.user)
    qs = queries.visible_files(request.user, DevelopmentFile.objects.select_related("organization"))
    f = DevelopmentFileFilter(request.GET, queryset=qs, request=request)
    style_form(f.form)
    return f


def _ordered(request, f):
    return f.qs if request.GET.get("ordering") else f.qs.order_by("organization__path", "name_pinyin", "id")


@login_required
def file_list(request):
    f = _filtered(request)
    today = timezone.localdate()
    soon = DevelopmentSettings.current().due_soon_days
    context = {
        "filter": f,
        "export_url": reverse("development:export"),
        "active_nav": "development",
        "can_create": getattr(request.user, "can_manage", False) or request.user.is_superuser,
    }
    context.update(paginate(request, _ordered(request, f)))
    context["rows"] = list(context["rows"])
    for row in context["rows"]:
        row.due_items = queries.items_of(row, today, soon)
    return render(request, "development/list.html", context)


EXPORT_HEADERS = [
    "姓名",
    "性别",
    "公民身份号码",
    "出生日期",
    "手机号码",
    "学历",
    "党支部编码",
    "党支部",
    "阶段",
    "身份",
    "当前步骤",
    "最近一步日期",
    "状态",
    "递交申请书",
    "确定积极分子",
    "确定发展对象",
    "支部大会接收（入党日期）",
    "上级审批",
    "预备期满",
    "转正日期",
    "逾期事项",
]


@login_required
def file_export(request):
    f = _filtered(request)
    today = timezone.localdate()
    soon = DevelopmentSettings.current().due_soon_days

    def rows():
        for d in _ordered(request, f).iterator(chunk_size=2000):
            overdue = [i.kind_label for i in queries.items_of(d, today, soon) if i.is_overdue]
            yield (
                d.name,
                d.get_gender_display(),
                d.id_number_masked,
                d.birth_date,
                d.masked_phone,
                d.get_education_display(),
                d.organization.code,
                d.organization.name,
                d.stage_name,
                d.identity_display,
                f"{d.last_step}. {d.last_step_name}",
                d.last_step_on,
                d.get_status_display(),
                d.applied_on,
                d.activist_on,
                d.candidate_on,
                d.vote_on,
                d.approved_on,
                d.probation_end_on,
                d.full_on,
                "、".join(overdue),
            )

    wb = xlsx.build_workbook(
        "发展党员",
        EXPORT_HEADERS,
        rows(),
        notes=[f"导出日期：{today:%Y-%m-%d}；公民身份号码和手机号码已脱敏。", "逾期事项按导出当日计算。"],
    )
    return xlsx.xlsx_response("发展党员档案", wb)


# ---- opening and editing a file ----------------------------------------------------------


def _developing_orgs(user):
    return visible(user, Organization.objects.filter(type__in=services.DEVELOPING_TYPES)).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def file_create(request):
    require_staff(request.user)
    require_manager(request.user)
    initial = {}
    org_id = params.int_or_none(request.GET.get("organization"))
    if org_id is not None:
        initial["organization"] = org_id
    form = OpenFileForm(
        request.POST or None, request.FILES or None, initial=initial, organizations=_developing_orgs(request.user)
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.open_file(request.user, **data),
        success=lambda file: f"已为{file.name}建立发展党员档案（第1步「递交入党申请书」）",
        to=lambda file: reverse("development:detail", args=[file.pk]),
    ):
        return done
    return render(request, "development/create.html", {"form": form, "active_nav": "development"})


@login_required
@require_http_methods(["GET", "POST"])
def file_edit(request, pk):
    file = _get_file(request, pk)
    require_manager(request.user, file.organization)
    form = EditFileForm(request.POST or None, instance=DevelopmentFile.objects.get(pk=file.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_file(request.user, file, **data),
        success="已保存",
        to=reverse("development:detail", args=[file.pk]),
    ):
        return done
    return render(request, "development/edit.html", {"form": form, "file": file, "active_nav": "development"})


# ---- the file page -----------------------------------------------------------------------


def _timeline(file: DevelopmentFile, steps: list[Step]) -> list[dict]:
    by_number: dict[int, list[Step]] = {}
    for s in steps:
        by_number.setdefault(s.number, []).append(s)
    stages = []
    for stage, name in rules.STAGES.items():
        rows = [
            {"number": n, "name": rules.STEPS[n], "records": by_number.get(n, [])}
            for n in rules.STEPS
            if rules.STEP_STAGE[n] == stage
        ]
        stages.append(
            {
                "number": stage,
                "label": f"{rules.STAGE_NUMERALS[stage]}、{name}",
                "steps": rows,
                "current": stage == file.stage,
            }
        )
    return stages


@login_required
def file_detail(request, pk):
    file = _get_file(request, pk)
    today = timezone.localdate()
    steps = list(
        file.steps.select_related("recorded_by", "revoked_by", "group").prefetch_related("people", "documents")
    )
    state = services.file_state(file)
    can_manage = scoping.can_manage(request.user, file.organization) and file.status == DevelopmentFile.Status.OPEN
    last = next((s for s in sorted(steps, key=lambda s: s.pk, reverse=True) if s.revoked_at is None), None)
    context = {
        "file": file,
        "timeline": _timeline(file, steps),
        "next_steps": rules.next_steps(state, today),
        "dues": queries.items_of(file, today, DevelopmentSettings.current().due_soon_days),
        "documents": file.documents.select_related("step", "uploaded_by"),
        "moves": file.moves.select_related("from_org", "to_org"),
        "can_manage": can_manage,
        "can_upload": scoping.can_manage(request.user, file.organization),
        "last_step": last,
        "can_revoke": can_manage and last is not None and last.number not in (1, 17, 24),
        "can_reject": can_manage and file.last_step < 17,
        "reject_form": RejectForm(),
        "revoke_form": RevokeForm(),
        "document_form": DocumentForm(),
        "today": today,
        "active_nav": "development",
    }
    return render(request, "development/detail.html", context)


# A step may be recorded after the day: whoever was a full member on the step's date may be named,
# also if they are in transit, have died or have left the county since (the rules check the date).
PICKABLE_STATUSES = (
    *Member.ACTIVE_STATUSES,
    Member.Status.IN_TRANSIT,
    Member.Status.DECEASED,
    Member.Status.TRANSFERRED_OUT,
)


def _step_form(request, file: DevelopmentFile, number: int, data=None, files=None) -> StepForm:
    branch = file.organization
    members = (
        visible(request.user, Member.objects.filter(path_q("organization__path", branch.path)))
        .filter(status__in=PICKABLE_STATUSES)
        .select_related("organization")
        .annotate(gone=Case(When(status__in=Member.ACTIVE_STATUSES, then=0), default=1))
        .order_by("gone", "name_pinyin", "id")
    )
    groups = Organization.objects.filter(path_q("path", branch.path), type=Organization.Type.GROUP)
    entitled = 0
    if number in (15, 23):
        entitled = Member.objects.filter(path_q("organization__path", branch.path), status=Member.Status.FULL).count()
    return StepForm(data, files, number=number, file=file, members=members, groups=groups, entitled=entitled)


@login_required
@require_http_methods(["GET", "POST"])
def step_record(request, pk, number):
    file = _get_file(request, pk)
    require_manager(request.user, file.organization)
    if number not in rules.STEPS or number == 1:
        raise Http404("没有这个步骤")
    today = timezone.localdate()
    state = services.file_state(file)
    options = [s for s in rules.next_steps(state, today) if s.number == number]
    form = _step_form(request, file, number, request.POST or None, request.FILES or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_step(request.user, file, number, **form.service_kwargs()),
        success=lambda step: f"已记录{step.label}（{step.on:%Y-%m-%d}）",
        to=reverse("development:detail", args=[file.pk]),
    ):
        return done
    blocked = []
    if not options:
        probe = rules.StepFact(number=number, on=today, outcome=rules.TO_FULL if number == 23 else "")
        blocked = [r.message for r in rules.check_step(state, probe, today) if r.field in (None, "on")]
    context = {
        "file": file,
        "form": form,
        "number": number,
        "step_name": rules.STEPS[number],
        "stage_label": f"{rules.STAGE_NUMERALS[rules.STEP_STAGE[number]]}、{rules.STAGES[rules.STEP_STAGE[number]]}",
        "options": options,
        "blocked": blocked,
        "today": today,
        "active_nav": "development",
    }
    return render(request, "development/step_form.html", context)


@login_required
@require_POST
def file_reject(request, pk):
    file = _get_file(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写日期和不予发展的原因")
        return redirect("development:detail", pk=file.pk)
    return pages.button_action(
        request,
        lambda: services.reject_file(request.user, file, **form.cleaned_data),
        success="已作不予发展处理，档案保留备查",
        to=reverse("development:detail", args=[file.pk]),
    )


@login_required
@require_POST
def step_revoke(request, pk):
    file = _get_file(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写撤销原因")
        return redirect("development:detail", pk=file.pk)
    return pages.button_action(
        request,
        lambda: services.revoke_last_step(request.user, file, **form.cleaned_data),
        success=lambda step: f"已撤销{step.label}，记录保留并标明原因",
        to=reverse("development:detail", args=[file.pk]),
    )


@login_required
@require_POST
def document_upload(request, pk):
    file = _get_file(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请填写材料名称并选择文件")
        return redirect("development:detail", pk=file.pk)
    return pages.button_action(
        request,
        lambda: services.add_document(
            request.user, file, form.cleaned_data["document"], title=form.cleaned_data["title"]
        ),
        success="材料已上传",
        to=reverse("development:detail", args=[file.pk]),
    )


@login_required
def document_download(request, pk, doc_pk):
    file = _get_file(request, pk)
    doc = get_object_or_404(Document, pk=doc_pk, file=file)
    return file_response(doc.upload, download_name=doc.original_name or f"{doc.title}", as_attachment=True)


# ---- due and overdue -----------------------------------------------------------------------


def _due_context(request):
    require_staff(request.user)
    root = page_root(request)
    today = timezone.localdate()
    soon = DevelopmentSettings.current().due_soon_days
    items = queries.due_items(request.user, root, today, soon)
    children = list(visible(request.user, Organization.objects.filter(parent=root)).order_by("path"))
    summary = queries.summarize(root, items, children)
    kind, state = request.GET.get("kind", ""), request.GET.get("state", "")
    shown = [i for i in items if (not kind or i.kind == kind) and (not state or i.is_overdue == (state == "overdue"))]
    return {
        "root": root,
        "today": today,
        "soon_days": soon,
        "items": items,
        "shown": shown,
        "summary": summary,
        "show_summary": any(row.organization is not None for row in summary),
        "kinds": queries.DUE_KINDS,
        "kind": kind,
        "state": state,
        "cards": [
            (
                k,
                label,
                sum(1 for i in items if i.kind == k),
                sum(1 for i in items if i.kind == k and i.is_overdue),
            )
            for k, label in queries.DUE_KINDS.items()
        ],
    }


@login_required
def due_page(request):
    context = _due_context(request)
    page = Paginator(context["shown"], 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        {
            "page_obj": page,
            "query_without_page": params.urlencode(),
            "ancestors": _ancestors(request.user, context["root"]),
            "active_nav": "development_due",
        }
    )
    return render(request, "development/due.html", context)


@login_required
def due_export(request):
    context = _due_context(request)
    rows = (
        (
            i.state_label,
            i.kind_label,
            i.due_on,
            i.limit_on,
            i.file.name,
            i.file.organization.name,
            f"{i.file.last_step}. {i.file.last_step_name}",
            i.message,
        )
        for i in context["shown"]
    )
    wb = xlsx.build_workbook(
        "发展党员待办",
        ["情况", "事项", "期限", "最迟期限", "姓名", "党支部", "当前步骤", "说明"],
        rows,
        notes=[
            f"{context['root'].name}，按{context['today']:%Y-%m-%d}计算；即将到期指{context['soon_days']}天内到期。"
        ],
    )
    return xlsx.xlsx_response("发展党员待办", wb)


# ---- counts by stage ---------------------------------------------------------------------


@login_required
def panel_figures(request, org_pk):
    """The figures of the organization-page and command-screen cards (loaded by htmx)."""
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=org_pk)
    figures = queries.panel_figures(org.path, timezone.localdate())
    from .panels import stage_links

    # A fragment: rendered without the page's context processors (menu, notices), so it costs
    # only the scope check and one aggregate query.
    html = render_to_string(
        "development/panel_figures.html",
        {
            "org": org,
            "kind": request.GET.get("kind", ""),
            "stages": stage_links(org.pk, figures["stages"]),
            "total": sum(figures["stages"].values()),
            "overdue_total": sum(figures["overdue"].values()),
            "probation_month": figures["probation_month"],
        },
    )
    return HttpResponse(html)


@login_required
def stats_page(request):
    require_staff(request.user)
    root = page_root(request)
    today = timezone.localdate()
    rows, total = queries.stage_table(root, today)
    return render(
        request,
        "development/stats.html",
        {
            "root": root,
            "rows": rows,
            "total": total,
            "stages": [
                (n, f"{rules.STAGE_NUMERALS[n]}、{rules.STAGE_SHORT[n]}", f"{rules.STAGE_NUMERALS[n]}、{name}")
                for n, name in rules.STAGES.items()
            ],
            "year": today.year,
            "ancestors": _ancestors(request.user, root),
            "active_nav": "development_stats",
        },
    )


# ---- branches that admitted nobody ---------------------------------------------------------


def _idle_context(request):
    require_staff(request.user)
    root = page_root(request)
    today = timezone.localdate()
    years = DevelopmentSettings.current().idle_years
    year_param = params.int_or_none(request.GET.get("year"))
    end_year = year_param if year_param is not None and 1950 <= year_param <= today.year else today.year - 1
    first, last = queries.idle_window(end_year, years)
    return {
        "root": root,
        "rows": queries.idle_branches(root, end_year, years),
        "years": years,
        "end_year": end_year,
        "first_year": first,
        "year_choices": list(range(today.year, today.year - 8, -1)),
    }


@login_required
def idle_page(request):
    context = _idle_context(request)
    context.update({"ancestors": _ancestors(request.user, context["root"]), "active_nav": "development_idle"})
    return render(request, "development/idle.html", context)


@login_required
def idle_export(request):
    c = _idle_context(request)
    rows = (
        (
            r.under.name if r.under else "",
            r.organization.code,
            r.organization.name,
            r.full_members,
            r.last_join_date,
            r.open_files,
            r.candidates,
        )
        for r in c["rows"]
    )
    wb = xlsx.build_workbook(
        "连续未发展党员",
        ["所属组织", "党支部编码", "党支部", "正式党员", "最近一次发展（入党日期）", "在培养人数", "其中发展对象以后"],
        rows,
        notes=[
            f"{c['root'].name}：{c['first_year']}—{c['end_year']}年连续{c['years']}年没有发展党员的党支部。",
            "发展人数按入党日期（支部大会通过之日）计算，记在接收其入党的党支部；转入的党员不算转入支部的发展，"
            "从县外转入的不计入本县；期间新成立的党支部不列入。",
        ],
    )
    return xlsx.xlsx_response("连续未发展党员台账", wb)


# ---- county settings [C] -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    from jiceng.core.scoping import require_county_admin

    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=DevelopmentSettings.current())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **data),
        success="配置已保存",
        to="development:settings",
    ):
        return done
    return render(request, "development/settings.html", {"form": form, "active_nav": "development_settings"})
