"""Dues pages: ledger and completion, a member's dues, recording, bases, consent, import,
calculator and the county's settings. Reads go through visible()/get_visible_or_404(),
writes through services."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl.styles import Font

from jiceng.core import pages, xlsx
from jiceng.core.importing import ImportFileError, template_workbook
from jiceng.core.navigation import is_staff
from jiceng.core.pages import paginate
from jiceng.core.scoping import can_manage, get_visible_or_404, is_member_role, page_root, require_manager, visible
from jiceng.members.models import Member
from jiceng.members.queries import search
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from . import imports, queries, rules, services
from .forms import (
    BaseForm,
    CalculatorForm,
    ConsentForm,
    DeletePaymentForm,
    PaymentForm,
    SettingsForm,
    UploadForm,
)
from .models import DuesBase, DuesConsent, DuesImportBatch, DuesPayment, DuesSettings

SESSION_KEY = "pending_dues_imports"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not is_staff(user):
        raise PermissionDenied("党员本人请在“我的党费”查看自己的记录")


def _period(request, today: date) -> tuple[int, int]:
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or (today.month if year == today.year else 12))
    except ValueError:
        year, month = today.year, today.month
    if rules.year_error(year, today) or not 1 <= month <= 12:
        year, month = today.year, today.month
    return year, month


def _breadcrumbs(user, org: Organization) -> list[Organization]:
    paths = [org.path[:i] for i in range(SEGMENT, len(org.path), SEGMENT)]
    return list(visible(user, Organization.objects.filter(path__in=paths)).order_by("path"))


def _member(request, pk) -> Member:
    return get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=pk)


def _next_or(request, default: str) -> str:
    """Where to go after a form: the page it came from, if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------------------------------------
# Ledger (台账) and completion (完成率)
# ---------------------------------------------------------------------------------------------


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
    state = request.GET.get("state", "")
    state = state if state in queries.STATES else ""
    listed = queries.state_filter(queries.due_in_month(members, month, start), state)
    listed = search(listed, request.GET.get("q", "")).select_related("organization")
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
        "listed": listed.order_by("organization__path", "name_pinyin", "id"),
        "q": request.GET.get("q", ""),
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
            "crumbs": _breadcrumbs(request.user, root),
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
def ledger_export(request):
    _require_staff(request.user)
    today = timezone.localdate()
    root = page_root(request)
    data = _ledger_data(request, root, today)
    month = data["month"]
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
    name = f"党费台账-{root.short_name or root.name}-{month:%Y%m}"
    return xlsx.xlsx_response(name, wb)


# ---------------------------------------------------------------------------------------------
# One member
# ---------------------------------------------------------------------------------------------


@login_required
def mine(request):
    if not request.user.member_id:
        raise Http404("账号未关联党员档案")
    return redirect("dues:member", pk=request.user.member_id)


@login_required
def member_dues(request, pk):
    member = _member(request, pk)
    today = timezone.localdate()
    year = rules.year_or_default(request.GET.get("year"), today)
    dues = queries.member_dues(member, today)
    payments = list(
        DuesPayment.objects.filter(member=member, month__year=year)
        .select_related("recorded_by", "consent")
        .order_by("month")
    )
    return render(
        request,
        "dues/member.html",
        {
            "m": member,
            "dues": dues,
            "year": year,
            "years": sorted({today.year, *(b.year for b in dues.bases)}, reverse=True),
            "payments": payments,
            "paid_total": sum((p.amount for p in payments), Decimal("0.00")),
            "can_manage": can_manage(request.user),
            "today": today,
            "active_nav": "dues" if is_staff(request.user) else "my_dues",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, pk):
    member = _member(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    form = PaymentForm(
        request.POST or None, initial={"first_month": f"{today:%Y-%m}", "paid_on": today, "method": "cash"}
    )

    def paid(rows) -> str:
        total = sum((r.amount for r in rows), Decimal("0.00"))
        labels = "、".join(f"{r.month.year}年{r.month.month}月" for r in rows)
        return f"已登记{member.name} {labels}党费，合计 {total} 元"

    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_payment(
            request.user,
            member,
            months=form.months(),
            paid_on=data["paid_on"],
            method=data["method"],
            amount=data["amount"],
            receipt=data["receipt"],
            note=data["note"],
        ),
        success=paid,
        to=_next_or(request, reverse("dues:member", args=[member.pk])),
    ):
        return done
    return render(
        request,
        "dues/pay.html",
        {
            "m": member,
            "form": form,
            "dues": queries.member_dues(member, today),
            "next": request.GET.get("next") or request.POST.get("next", ""),
            "active_nav": "dues",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def base(request, pk):
    member = _member(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    year = rules.year_or_default(request.GET.get("year"), today)
    existing = DuesBase.objects.filter(member=member, year=year).first()
    previous = existing or DuesBase.objects.filter(member=member, year__lt=year).order_by("-year").first()
    initial = {"year": year, "category": rules.default_category(member.occupation)}
    if previous is not None:
        initial.update(category=previous.category, income=previous.income)
        if previous.category == rules.FARMER:
            initial["farmer_amount"] = previous.standard_amount
    if existing is not None:
        initial.update(
            reduced_amount=existing.monthly_amount if existing.is_reduced else None,
            reduction_note=existing.reduction_note,
            note=existing.note,
        )
    form = BaseForm(request.POST or None, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.set_base(request.user, member, **data),
        success=lambda saved: (
            f"已核定{member.name}{saved.year}年度党费：每月 {saved.monthly_amount} 元（{saved.get_category_display()}）"
        ),
        to=_next_or(request, reverse("dues:member", args=[member.pk])),
    ):
        return done
    return render(
        request,
        "dues/base_form.html",
        {
            "m": member,
            "form": form,
            "existing": existing,
            "previous": previous if previous is not existing else None,
            "year": year,
            "next": request.GET.get("next") or request.POST.get("next", ""),
            "active_nav": "dues",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent(request, pk):
    member = _member(request, pk)
    require_manager(request.user, member.organization)
    today = timezone.localdate()
    q_end = rules.quarter_end(today)
    form = ConsentForm(
        request.POST or None,
        initial={"first_month": f"{today:%Y-%m}", "last_month": f"{today.year}-12", "decided_on": today},
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_consent(request.user, member, **data),
        success=f"已登记支部同意{member.name}按季度交纳党费",
        to=reverse("dues:member", args=[member.pk]),
    ):
        return done
    return render(request, "dues/consent.html", {"m": member, "form": form, "quarter_end": q_end, "active_nav": "dues"})


@login_required
@require_POST
def consent_revoke(request, pk):
    item = get_visible_or_404(request.user, DuesConsent.objects.select_related("member__organization"), pk=pk)
    return pages.button_action(
        request,
        lambda: services.revoke_consent(request.user, item),
        success="已撤销按季度交纳的同意；此后预交须重新经支部同意",
        to=reverse("dues:member", args=[item.member_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_delete(request, pk):
    payment = get_visible_or_404(request.user, DuesPayment.objects.select_related("member__organization"), pk=pk)
    require_manager(request.user, payment.member.organization)
    form = DeletePaymentForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.delete_payment(request.user, payment, reason=data["reason"]),
        success=f"已撤销{payment}的登记（审计日志保留原记录）",
        to=reverse("dues:member", args=[payment.member_id]),
    ):
        return done
    return render(request, "dues/payment_delete.html", {"p": payment, "form": form, "active_nav": "dues"})


# ---------------------------------------------------------------------------------------------
# Yearly bases (年度核定)
# ---------------------------------------------------------------------------------------------


@login_required
def bases(request):
    _require_staff(request.user)
    today = timezone.localdate()
    root = page_root(request)
    year = rules.year_or_default(request.GET.get("year"), today)
    members = queries.subtree_members(request.user, root).filter(status__in=Member.ACTIVE_STATUSES)
    this_year = DuesBase.objects.filter(year=year)
    last_year = DuesBase.objects.filter(year=year - 1)
    counts = {
        "active": members.count(),
        "set": members.filter(dues_bases__year=year).count(),
        "carry": members.exclude(dues_bases__year=year).filter(dues_bases__year=year - 1).count(),
    }
    counts["missing"] = counts["active"] - counts["set"]
    listed = members
    if request.GET.get("missing") == "1":
        listed = listed.exclude(dues_bases__year=year)
    listed = (
        search(listed, request.GET.get("q", ""))
        .select_related("organization")
        .order_by("organization__path", "name_pinyin", "id")
    )
    page = paginate(request, listed)
    ids = [m.pk for m in page["rows"]]
    now = {b.member_id: b for b in this_year.filter(member_id__in=ids)}
    before = {b.member_id: b for b in last_year.filter(member_id__in=ids)}
    page["base_rows"] = [(m, now.get(m.pk), before.get(m.pk)) for m in page["rows"]]
    return render(
        request,
        "dues/bases.html",
        {
            **page,
            "root": root,
            "year": year,
            "counts": counts,
            "missing": request.GET.get("missing") == "1",
            "q": request.GET.get("q", ""),
            "crumbs": _breadcrumbs(request.user, root),
            "can_manage": can_manage(request.user),
            "active_nav": "dues_bases",
        },
    )


@login_required
@require_POST
def bases_carry(request):
    root = page_root(request)
    require_manager(request.user, root)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        raise Http404 from None

    def carried(result) -> str:
        text = f"已按{year - 1}年度结转 {result.created} 人的{year}年度党费基数"
        if result.skipped:
            text += f"；{result.skipped} 人上年为少交或免交、或类别已变化，未结转，请逐人核定"
        return text

    return pages.button_action(
        request,
        lambda: services.carry_forward_bases(request.user, root, year),
        success=carried,
        to=f"{reverse('dues:bases')}?org={root.pk}&year={year}",
    )


# ---------------------------------------------------------------------------------------------
# Excel import of payments
# ---------------------------------------------------------------------------------------------


@login_required
def import_index(request):
    require_manager(request.user)
    today = timezone.localdate()
    root = page_root(request)
    batches = visible(request.user, DuesImportBatch.objects.select_related("created_by"))[:20]
    return render(
        request,
        "dues/import.html",
        {
            "form": UploadForm(),
            "root": root,
            "month": request.GET.get("month") or f"{today:%Y-%m}",
            "batches": batches,
            "last": imports.last_batch(request.user),
            "columns": imports.COLUMNS,
            "notes": imports.NOTES,
            "active_nav": "dues",
        },
    )


@login_required
def import_template(request):
    require_manager(request.user)
    root = page_root(request)
    today = timezone.localdate()
    try:
        month = rules.parse_month(request.GET.get("month") or today)
    except ValueError:
        month = rules.month_start(today)
    if rules.year_error(month.year, today):
        month = rules.month_start(today)
    members = queries.subtree_members(request.user, root)
    unpaid = (
        queries.state_filter(queries.due_in_month(members, month, queries.ledger_start()), "unpaid")
        .select_related("organization")
        .order_by("organization__path", "name_pinyin", "id")
    )
    wb = template_workbook("党费交纳", imports.COLUMNS, imports.NOTES)
    ws = wb.active
    first_info = len(imports.COLUMNS) + 1
    for i, title in enumerate(imports.INFO_COLUMNS):
        cell = xlsx.put(ws, 1, first_info + i, title)
        cell.font = Font(bold=True, color="888888")
        ws.column_dimensions[cell.column_letter].width = 22
    for m in unpaid:
        xlsx.append(
            ws,
            [
                m.pk,
                m.name,
                f"{month:%Y-%m}",
                None,
                None,
                None,
                None,
                None,
                m.id_number_masked,
                m.organization.name,
                m.expected,
            ],
        )
    return xlsx.xlsx_response(f"党费交纳导入-{root.short_name or root.name}-{month:%Y%m}", wb)


@login_required
@require_POST
def import_preview(request):
    require_manager(request.user)
    form = UploadForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    max_bytes = _max_bytes()
    if not form.is_valid() or upload is None or not upload.name.lower().endswith(".xlsx") or upload.size > max_bytes:
        messages.error(request, f"请上传不超过 {max_bytes // (1024 * 1024)}MB 的 .xlsx 文件")
        return redirect("dues:import")
    try:
        outcome = imports.run_import(upload, actor=request.user, file_name=upload.name, commit=False)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("dues:import")
    token = ""
    if outcome.ok:
        token = uuid.uuid4().hex
        upload.seek(0)
        stored = default_storage.save(f"imports/pending/dues-{token}.xlsx", upload)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"path": stored, "name": upload.name}
        request.session[SESSION_KEY] = pending
    return render(
        request,
        "dues/import_preview.html",
        {"outcome": outcome, "token": token, "file_name": upload.name, "active_nav": "dues"},
    )


@login_required
@require_POST
def import_confirm(request):
    require_manager(request.user)
    pending = request.session.get(SESSION_KEY, {})
    item = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if item is None:
        messages.error(request, "导入预览已失效，请重新上传")
        return redirect("dues:import")
    try:
        with default_storage.open(item["path"], "rb") as fh:
            outcome = imports.run_import(fh, actor=request.user, file_name=item["name"])
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("dues:import")
    finally:
        default_storage.delete(item["path"])
    if outcome.ok:
        messages.success(
            request, f"已导入 {outcome.count} 条党费记录，合计 {outcome.total} 元（批次 #{outcome.batch_id}）"
        )
    else:
        messages.error(
            request,
            f"数据已变化，发现 {len(outcome.errors)} 处错误，未导入：" + "；".join(str(e) for e in outcome.errors[:5]),
        )
    return redirect("dues:import")


@login_required
@require_POST
def import_undo(request):
    return pages.button_action(
        request, lambda: imports.undo_last(request.user), success=lambda batch: f"已撤销{batch}", to="dues:import"
    )


def _max_bytes() -> int:
    from django.conf import settings

    return settings.IMPORT_MAX_BYTES


@login_required
def panel(request):
    """The completion card of the organization page and the command screen (loaded by htmx)."""
    _require_staff(request.user)
    root = page_root(request)
    from .panels import completion_figures

    title = "党费收缴" if request.GET.get("where") == "command" else "党费"
    context = completion_figures(request.user, root, timezone.localdate())
    return render(request, "dues/panels/completion.html", {"panel": context, "title": title})


# ---------------------------------------------------------------------------------------------
# Calculator and settings
# ---------------------------------------------------------------------------------------------


def calculate(data: dict, farmer_default: Decimal) -> tuple[rules.DuesAmount | None, str, str]:
    """(result, error message, error field) for the calculator page and the API."""
    try:
        result = rules.monthly_dues(
            data.get("category") or "",
            data.get("income"),
            farmer_amount=data.get("amount") or None,
            farmer_default=farmer_default,
        )
    except rules.DuesRuleError as exc:
        return None, str(exc), exc.field
    return result, "", ""


@login_required
def calculator(request):
    settings = DuesSettings.current()
    data = request.GET.copy()
    if data.get("category"):  # a Chinese name (?category=退休) selects its code in the form
        data["category"] = rules.normalize_category(data["category"])
    form = CalculatorForm(data or None)
    result, error = None, ""
    if request.GET.get("category"):
        result, error, _ = calculate(request.GET, settings.farmer_amount)
    context = {
        "form": form,
        "result": result,
        "error": error,
        "farmer_default": settings.farmer_amount,
        "category_label": rules.CATEGORY_LABELS.get(result.category, "") if result else "",
        "yearly": result.monthly_amount * 12 if result else None,
        "active_nav": "dues_calculator",
    }
    template = "dues/_calculator_result.html" if request.headers.get("HX-Request") else "dues/calculator.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    from jiceng.core.scoping import require_county_admin

    require_county_admin(request.user)
    current = DuesSettings.current()
    form = SettingsForm(request.POST or None, instance=current)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **{f: data[f] for f in services.SETTINGS_FIELDS}),
        success="已保存党费设置",
        to="dues:settings",
    ):
        return done
    return render(
        request,
        "dues/settings.html",
        {"form": form, "effective_start": queries.ledger_start(current), "active_nav": "dues_settings"},
    )
