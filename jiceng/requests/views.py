"""Staff pages: the ledger (inbox), a request and its actions, staff entry, publishing,
photos, QR posters and the ranking."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, qr, uploads, xlsx
from jiceng.core.pages import apply_validation_error, paginate, style_form
from jiceng.core.scoping import get_visible_or_404, has_full_scope, home_root, path_q, scope_root, visible
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .filters import RequestFilter
from .forms import PublishForm, StaffEntryForm
from .models import Department, Request, RequestPhoto, RequestSettings

LIST_RELATED = ("category", "organization", "holder_org", "holder_department", "holder_user")


def require_staff(user) -> None:
    if not queries.is_request_staff(user):
        raise PermissionDenied("只有村（社区）、乡镇、县级管理员和部门经办人可以办理群众诉求")


def _ledger(request) -> RequestFilter:
    require_staff(request.user)
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
        "can_create": _entry_organizations(request.user).exists(),
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
    return xlsx.xlsx_response("群众诉求台账", xlsx.build_workbook("群众诉求台账", LEDGER_HEADERS, rows, notes=notes))


def _entry_organizations(user):
    """Villages, communities, grids and townships where the user may enter requests."""
    qs = queries.handling_organizations(visible(user, Organization.objects.all()))
    if not (has_full_scope(user) or user.can_manage):
        return qs.none()
    return qs


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    require_staff(request.user)
    organizations = _entry_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied("您的账号不能登记诉求（仅村、社区、乡镇和县级管理员）")
    initial = {}
    root = scope_root(request.user)
    if root is not None and organizations.filter(pk=root.pk).exists():
        initial["organization"] = root.pk
    form = StaffEntryForm(request.POST or None, request.FILES or None, organizations=organizations, initial=initial)

    def enter(data) -> Request:
        data = dict(data)
        accept_now, result = data.pop("accept_now"), data.pop("result").strip()
        item = services.create_request(request.user, **data)
        if accept_now or result:
            item = services.accept_request(request.user, item, contacted=True)
        if result:
            item = services.resolve_request(request.user, item, result=result)
        return item

    if done := pages.form_action(
        request,
        form,
        enter,
        success=lambda item: f"已受理，受理编号 {item.ticket}（请告知群众，凭编号和电话查询进度）",
        to=lambda item: reverse("requests:detail", args=[item.pk]),
    ):
        return done
    return render(request, "requests/create.html", {"form": form, "active_nav": "requests_create"})


def _get_request(user, pk) -> Request:
    require_staff(user)
    item = (
        queries.visible_requests(
            user, Request.objects.select_related(*LIST_RELATED, "sent_by_org", "sent_by_department")
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("未找到或无权查看")
    return item


def _assign_choices(item: Request):
    from jiceng.accounts.models import User

    if item.holder_department_id:
        return Organization.objects.none(), User.objects.filter(
            department_staff__department_id=item.holder_department_id, is_active=True
        )
    holder = item.holder_org
    orgs = queries.handling_organizations(Organization.objects.filter(holder.subtree_filter()).exclude(pk=holder.pk))
    users = User.objects.filter(
        is_active=True,
        role__in=["township_admin", "branch_secretary", "county_admin"],
        organization__path__gte=holder.path,
        organization__path__lt=holder.path_end,
    ).select_related("organization")
    return orgs, users


@login_required
def request_detail(request, pk):
    item = _get_request(request.user, pk)
    now = timezone.now()
    actions = [a for a in services.STAFF_ACTIONS if services.may(request.user, item, a)]
    context = {
        "item": item,
        "events": item.events.select_related("actor", "target_org", "target_department"),
        "photos": list(item.photos.all()),
        "actions": actions,
        "overdue": item.overdue_stages(now),
        "now": now,
        "ratings": rules.RATINGS,
        "tiers": rules.TIERS,
        "transitions": rules.TRANSITIONS,
        "active_nav": "requests",
    }
    if "assign" in actions:
        orgs, context["assign_users"] = _assign_choices(item)
        context["assign_groups"] = queries.by_township(orgs)
    if "transfer" in actions:
        context["transfer_groups"] = queries.by_township(
            _entry_organizations(request.user).exclude(pk=item.holder_org_id)
        )
        context["departments"] = queries.departments_for(item.organization).exclude(pk=item.holder_department_id)
    if "escalate" in actions:
        if item.level == "village":
            context["escalate_org"] = queries.township_of(item.holder_org)
        else:
            context["escalate_departments"] = queries.departments_for(item.organization)
            context["escalate_default"] = queries.default_department(
                item.holder_org or item.organization, item.category
            )
    return render(request, "requests/detail.html", context)


def _obj(model, value, queryset=None):
    """The object a form's select names, or None when nothing was chosen; a value that is not
    an id of the choices (tampered, "²", 20 digits) is a ValidationError, not a 500."""
    if not value:
        return None
    pk = params.int_or_none(value)
    if pk is None:
        raise ValidationError("所选对象不存在或不可选")
    qs = queryset if queryset is not None else model.objects.all()
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationError("所选对象不存在或不可选")
    return obj


@login_required
@require_POST
def request_act(request, pk):
    """One endpoint for the handler's actions; the service checks the state and the user."""
    from jiceng.accounts.models import User

    item = _get_request(request.user, pk)
    action = request.POST.get("action", "")
    post = request.POST
    version = post.get("version") or None
    note = post.get("note", "")
    user = request.user

    def assign():
        orgs, users = (
            _assign_choices(item) if services.may(user, item, "assign") else (Organization.objects.none(),) * 2
        )
        return services.assign_request(
            user,
            item,
            org=_obj(Organization, post.get("org"), orgs),
            user=_obj(User, post.get("user"), users),
            note=note,
            version=version,
        )

    def finish(fn):
        return lambda: fn(user, item, result=note, version=version, photos=request.FILES.getlist("photos"))

    steps = {
        "accept": lambda: services.accept_request(
            user, item, version=version, contacted=bool(post.get("contacted")), note=note
        ),
        "start": lambda: services.start_request(user, item, version=version),
        "contact": lambda: services.contact_resident(user, item, note=note, version=version),
        "assign": assign,
        "transfer": lambda: services.transfer_request(
            user,
            item,
            org=_obj(Organization, post.get("org"), _entry_organizations(user)),
            department=_obj(Department, post.get("department"), queries.departments_for(item.organization)),
            note=note,
            tier=post.get("tier") or None,
            version=version,
        ),
        "escalate": lambda: services.escalate_request(
            user,
            item,
            note=note,
            department=_obj(Department, post.get("department"), queries.departments_for(item.organization)),
            tier=post.get("tier") or None,
            version=version,
        ),
        "return": lambda: services.return_request(user, item, note=note, version=version),
        "resolve": finish(services.resolve_request),
        "answer": finish(services.answer_request),
        "callback": lambda: services.record_callback(
            user,
            item,
            rating=post.get("rating", ""),
            solved=post.get("solved") == "1",
            note=note,
            reopen=bool(post.get("reopen")),
            version=version,
        ),
        "close": lambda: services.close_request(user, item, note=note, version=version),
        "dismiss": lambda: services.dismiss_request(user, item, note=note, version=version),
        "unpublish": lambda: services.unpublish_request(user, item),
    }
    if action not in steps:
        messages.error(request, "未知的操作")
        return redirect("requests:detail", pk=item.pk)
    label = rules.TRANSITIONS[action].label if action in rules.TRANSITIONS else action
    return pages.button_action(
        request, steps[action], success=f"已{label}", to=reverse("requests:detail", args=[item.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_publish(request, pk):
    item = _get_request(request.user, pk)
    if not services.may(request.user, item, "publish"):
        raise PermissionDenied("这件诉求现在不能公开（须已办结，且不是举报类）")
    photos = list(item.photos.all())
    choices = [(str(p.pk), f"{p.get_kind_display()} #{p.pk}") for p in photos]
    initial = {
        "public_description": item.public_description
        or rules.mask_text(item.description, name=item.name, phone=item.phone),
        "public_result": item.public_result or rules.mask_text(item.result, name=item.name, phone=item.phone),
        "photos": [str(p.pk) for p in photos if p.public],
    }
    form = PublishForm(request.POST or None, initial=initial, photo_choices=choices)
    preview, changed = None, False
    if request.method == "POST" and form.is_valid():
        texts = (form.cleaned_data["public_description"], form.cleaned_data["public_result"])
    elif request.method == "POST":
        texts = None
    else:
        texts = (initial["public_description"], initial["public_result"])
    if texts is not None:
        try:
            description, result = services.public_texts(item, public_description=texts[0], public_result=texts[1])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            preview = {"description": description, "result": result, "key": _preview_key(description, result)}
    confirmed = request.POST.get("confirm")
    if request.method == "POST" and preview and confirmed:
        if confirmed != preview["key"]:
            changed = True  # the text was edited after the preview: show the new preview first
        elif done := pages.form_action(
            request,
            form,
            lambda data: services.publish_request(
                request.user,
                item,
                public_description=data["public_description"],
                public_result=data["public_result"],
                photo_ids=data["photos"],
            ),
            success="已在公开栏公开（姓名、电话已隐去）",
            to=reverse("requests:detail", args=[item.pk]),
        ):
            return done
    return render(
        request,
        "requests/publish.html",
        {
            "item": item,
            "form": form,
            "photos": photos,
            "preview": preview,
            "changed": changed,
            "active_nav": "requests",
        },
    )


def _preview_key(description: str, result: str) -> str:
    """Names the previewed texts, so that 「确认公开」 publishes only text staff have seen masked."""
    return hashlib.sha256(f"{description}\x00{result}".encode()).hexdigest()[:20]


@login_required
def request_photo(request, pk, photo):
    item = _get_request(request.user, pk)
    obj = RequestPhoto.objects.filter(pk=photo, request=item).first()
    if obj is None:
        raise Http404("未找到照片")
    field = obj.thumbnail if request.GET.get("thumb") else obj.image
    return uploads.file_response(field, download_name=f"{item.ticket}-{obj.pk}.jpg")


# ---- QR posters for the intake page -------------------------------------------------------------


def _intake_url(request, org: Organization) -> str:
    path = reverse("resident:intake", args=[org.code])
    base = settings.JICENG_SITE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def _intake_org(request, org_pk) -> Organization:
    require_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=org_pk)
    message = services.intake_organization_error(org)
    if message:
        raise Http404(message)
    return org


@login_required
def qr_poster(request, org):
    org = _intake_org(request, org)
    url = _intake_url(request, org)
    return render(
        request,
        "requests/qr_poster.html",
        {"org": org, "url": url, "svg": qr.svg(url, scale=8), "active_nav": "requests"},
    )


@login_required
def qr_png(request, org):
    org = _intake_org(request, org)
    return qr.png_response(_intake_url(request, org), f"intake-{org.code}.png")


# ---- the command-screen card (loaded by htmx) -----------------------------------------------------


@login_required
def command_panel(request, org):
    from . import panels

    root = get_visible_or_404(request.user, Organization.objects.all(), pk=org)
    if not panels._shows_card(request.user):
        raise PermissionDenied("无权查看")
    return render(request, "requests/panel_command_body.html", panels.command_card(root, timezone.localdate()))


@login_required
def org_panel(request, org):
    from . import panels

    require_staff(request.user)
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
    require_staff(request.user)
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
    require_staff(request.user)
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
