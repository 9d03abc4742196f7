from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.calendar import working_day_roller
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import (
    can_manage,
    get_visible_or_404,
    in_scope,
    is_member_role,
    require_county_admin,
    require_manager,
    visible,
)
from jiceng.dues.queries import paid_until
from jiceng.members.models import Member
from jiceng.members.queries import search
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .filters import TransferFilter
from .forms import CloseForm, ConfirmForm, ExtendForm, IncomingForm, IssueForm, SettingsForm
from .models import Transfer, TransferSettings


def _get_transfer_or_404(user, pk, queryset=None):
    """Like get_visible_or_404, with the two-sided scope of transfers."""
    try:
        return queries.visible_transfers(user, queryset).get(pk=pk)
    except Transfer.DoesNotExist as exc:
        raise Http404("未找到或无权查看") from exc


def _filtered(request):
    qs = queries.visible_transfers(request.user, Transfer.objects.select_related("from_org", "to_org"))
    f = TransferFilter(request.GET, queryset=queries.with_dues(qs), user=request.user)
    style_form(f.form)
    return f


@login_required
def transfer_list(request):
    f = _filtered(request)
    qs = f.qs if request.GET.get("ordering") else f.qs.order_by("-issued_on", "-id")
    today = timezone.localdate()
    root = request.user.organization
    # A member sees their own transfers, not their organization's figures.
    figures = (
        queries.transit_figures(root.path, today, request.user)
        if root is not None and not is_member_role(request.user)
        else None
    )
    context = {
        "filter": f,
        "export_url": "export/",
        "today": today,
        "figures": figures,
        "root": root,
        "can_manage": can_manage(request.user),
        "active_nav": "transfers",
    }
    context.update(paginate(request, qs))
    return render(request, "transfers/list.html", context)


EXPORT_HEADERS = [
    "介绍信编号",
    "类型",
    "状态",
    "姓名",
    "公民身份号码",
    "党员类别",
    "转出党组织",
    "接收党组织",
    "县外地区",
    "开具日期",
    "有效期至",
    "确认期限",
    "是否超期",
    "重开/延期次数",
    "报到（接收）日期",
    "回执日期",
    "退回/撤销日期",
    "退回/撤销原因",
    "转接原因",
    "党费交至",
]


@login_required
def transfer_export(request):
    f = _filtered(request)
    today = timezone.localdate()
    rows = (
        (
            t.letter_number,
            t.get_kind_display(),
            t.get_state_display(),
            t.member_name,
            t.id_number_masked,
            Member.Status(t.member_status).label if t.member_status else "",
            t.from_label,
            t.to_label,
            t.region,
            t.issued_on,
            t.valid_until,
            t.due_on,
            "是" if t.is_overdue(today) else "否",
            t.reissues,
            t.completed_on,
            t.receipt_on if t.kind == Transfer.Kind.OUT else None,
            t.closed_on,
            t.closed_reason,
            t.get_reason_display(),
            f"{t.dues_month:%Y-%m}" if t.dues_month else "",
        )
        for t in f.qs.order_by("-issued_on", "-id").iterator(chunk_size=2000)
    )
    notes = [
        "公民身份号码已脱敏。",
        "超期：在途且已过确认期限（县内和县外转入为介绍信有效期；转出县外为有效期后再加回执期限）。",
        f"导出日期：{today:%Y-%m-%d}。",
    ]
    return xlsx.xlsx_response("组织关系转接", xlsx.build_workbook("组织关系转接", EXPORT_HEADERS, rows, notes=notes))


@login_required
def overdue(request):
    """Open and overdue transfers for the county and each township (or the level below the
    chosen organization)."""
    if is_member_role(request.user):
        raise PermissionDenied("党员只能查看本人的转接记录")
    root = request.user.organization
    org_id = params.int_or_none(request.GET.get("org"))
    if org_id is not None:
        root = get_visible_or_404(request.user, Organization.objects.all(), pk=org_id)
    if root is None:
        root = Organization.objects.filter(parent=None).order_by("path").first()
        if root is None:
            raise Http404("没有党组织")
    today = timezone.localdate()
    rows, total_open, total_overdue = queries.overdue_by_child(request.user, root, today)
    overdue_rows = [
        (t, (today - t.due_on).days)
        for t in queries.visible_transfers(request.user, Transfer.objects.select_related("from_org", "to_org"))
        .filter(queries.overdue_q(today))
        .filter(queries.either_side_in(root.path))
        .order_by("due_on", "id")[:200]
    ]
    return render(
        request,
        "transfers/overdue.html",
        {
            "root": root,
            "rows": rows,
            "total_open": total_open,
            "total_overdue": total_overdue,
            "overdue_rows": overdue_rows,
            "today": today,
            "active_nav": "transfers_overdue",
        },
    )


@login_required
def transfer_detail(request, pk):
    transfer = _get_transfer_or_404(request.user, pk, Transfer.objects.select_related("from_org", "to_org", "member"))
    today = timezone.localdate()
    roll = working_day_roller()
    steps = {
        step: services.can_take_step(request.user, transfer, step) for step in ("confirm", "return", "cancel", "extend")
    }
    if not transfer.is_open:
        steps = dict.fromkeys(steps, False)
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "today": today,
            "events": transfer.events.select_related("actor"),
            "sides": queries.sides(request.user, transfer),
            "member_link": transfer.member_id and in_scope(request.user, transfer.member),
            "steps": steps,
            "days_left": rules.days_left(transfer.valid_until, today, roll),
            "report_by": rules.last_report_day(transfer.valid_until, roll),
            "confirm_form": ConfirmForm(),
            "close_form": CloseForm(),
            "extend_form": ExtendForm(),
            "member_status_label": Member.Status(transfer.member_status).label if transfer.member_status else "",
            "active_nav": "transfers",
        },
    )


def _step(request, pk, step, form_class, action):
    transfer = _get_transfer_or_404(request.user, pk)
    if not services.can_take_step(request.user, transfer, step):
        raise PermissionDenied("这一步由转接的另一方办理")
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "；".join(
                f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}" for k, v in form.errors.items()
            ),
        )
        return redirect("transfers:detail", pk=pk)
    return pages.button_action(
        request,
        lambda: action(transfer, form.cleaned_data),
        success=lambda message: message,
        to=reverse("transfers:detail", kwargs={"pk": pk}),
    )


@login_required
@require_POST
def transfer_confirm(request, pk):
    def act(t, data):
        services.confirm_transfer(request.user, t, on=data["on"], receipt_on=data.get("receipt_on"))
        if t.kind == Transfer.Kind.OUT:
            return f"已登记回执：{t.member_name}的组织关系已转出县外"
        return f"已确认接收：{t.member_name}的组织关系已转入{t.to_org.name}"

    return _step(request, pk, "confirm", ConfirmForm, act)


@login_required
@require_POST
def transfer_return(request, pk):
    def act(t, data):
        services.return_transfer(request.user, t, reason=data["reason"])
        return (
            f"已退回：{t.member_name}的组织关系仍在原党组织" if t.kind != Transfer.Kind.IN else "已退回县外转入介绍信"
        )

    return _step(request, pk, "return", CloseForm, act)


@login_required
@require_POST
def transfer_cancel(request, pk):
    def act(t, data):
        services.cancel_transfer(request.user, t, reason=data["reason"])
        return (
            f"已撤销：{t.member_name}的组织关系恢复在原党组织" if t.kind != Transfer.Kind.IN else "已撤销县外转入登记"
        )

    return _step(request, pk, "cancel", CloseForm, act)


@login_required
@require_POST
def transfer_extend(request, pk):
    def act(t, data):
        services.extend_transfer(
            request.user,
            t,
            valid_until=data["valid_until"],
            reason=data["reason"],
            letter_number=data.get("letter_number") or "",
            reissued_on=data.get("reissued_on"),
        )
        return f"介绍信有效期已延至{data['valid_until']:%Y-%m-%d}"

    return _step(request, pk, "extend", ExtendForm, act)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_issue(request):
    """The sending side issues a letter for one of its members."""
    require_manager(request.user)
    member = None
    if request.GET.get("member"):
        member = get_visible_or_404(
            request.user, Member.objects.select_related("organization"), pk=request.GET["member"]
        )
        require_manager(request.user, member.organization)
    if member is None:
        q = request.GET.get("q", "").strip()
        candidates = []
        if q:
            candidates = search(
                visible(request.user, Member.objects.select_related("organization")).filter(
                    status__in=Member.ACTIVE_STATUSES
                ),
                q,
            ).order_by("name_pinyin", "id")[:20]
        return render(
            request, "transfers/pick_member.html", {"query": q, "candidates": candidates, "active_nav": "transfers"}
        )
    config = TransferSettings.current()
    form = IssueForm(request.POST or None, validity_days=config.default_validity_days)

    def issue(cleaned):
        data = dict(cleaned)
        data.pop("to_org_code")
        try:
            return services.issue_transfer(request.user, member, **data)
        except ValidationError as exc:
            # The form asks for the receiving organization by its code.
            if hasattr(exc, "error_dict") and "to_org" in exc.error_dict:
                exc.error_dict["to_org_code"] = exc.error_dict.pop("to_org")
            raise

    if done := pages.form_action(
        request,
        form,
        issue,
        success=lambda transfer: (
            f"已开具介绍信{transfer.letter_number}：{member.name}的组织关系在转接途中，等待{transfer.to_label}接收"
        ),
        to=lambda transfer: reverse("transfers:detail", args=[transfer.pk]),
    ):
        return done
    return render(
        request,
        "transfers/issue.html",
        {
            "form": form,
            "member": member,
            "config": config,
            "dues_paid_until": paid_until(member, on=timezone.localdate()),
            "active_nav": "transfers",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_incoming(request):
    """The receiving side records a letter from outside the county."""
    require_manager(request.user)
    orgs = visible(request.user, Organization.objects.exclude(type=Organization.Type.GROUP))
    initial = {}
    if request.GET.get("organization"):
        initial["to_org"] = request.GET["organization"]
    form = IncomingForm(request.POST or None, initial=initial, organizations=orgs)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_incoming(request.user, **data),
        success=lambda transfer: f"已登记县外转入介绍信：{transfer.member_name}，报到后请确认接收",
        to=lambda transfer: reverse("transfers:detail", args=[transfer.pk]),
    ):
        return done
    return render(request, "transfers/incoming.html", {"form": form, "active_nav": "transfers"})


@login_required
@require_GET
def org_options(request):
    """Organizations of the county that can receive a transfer, by name or code (for the
    receiving-organization field). Names and codes only; for managers; at most 20."""
    require_manager(request.user)
    q = request.GET.get("to_org_code", request.GET.get("q", "")).strip()
    orgs = []
    if q:
        orgs = (
            Organization.objects.exclude(type=Organization.Type.GROUP)
            .select_related("parent")
            .filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
            .order_by("path")[:20]
        )
    return render(request, "transfers/_org_options.html", {"orgs": orgs})


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=TransferSettings.current())
    if request.method == "POST" and form.is_valid():
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, "组织关系转接设置已保存（新开具或延期的介绍信按新设置计算）")
        return redirect("transfers:settings")
    return render(request, "transfers/settings.html", {"form": form, "active_nav": "transfer_settings"})


@login_required
def org_panel(request, pk):
    """The organization page's transfer card (loaded by htmx)."""
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    if is_member_role(request.user):
        raise PermissionDenied("党员只能查看本人档案")
    figures = queries.transit_figures(org.path, timezone.localdate(), request.user)
    # A fragment: rendered without the page's context processors (menu, notices).
    html = render_to_string(
        "transfers/panels/transit.html", {"panel": {"figures": figures, "root": org}, "title": "组织关系转接"}
    )
    return HttpResponse(f'<div class="row row-cards mt-3"><div class="col-md-6">{html}</div></div>')
