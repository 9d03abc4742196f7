from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import panels, xlsx
from jiceng.core.pages import apply_validation_error, paginate, style_form
from jiceng.core.scoping import get_visible_or_404, require_manager, visible
from jiceng.orgs.models import Organization

from . import rules, services
from .filters import MemberFilter
from .forms import LeadHouseholdForm, MemberForm, StatusForm
from .models import Member


def _filtered(request):
    qs = visible(request.user, Member.objects.select_related("organization"))
    f = MemberFilter(request.GET, queryset=qs)
    style_form(f.form)
    return f


@login_required
def member_list(request):
    f = _filtered(request)
    qs = f.qs if request.GET.get("ordering") else f.qs.order_by("organization__path", "name_pinyin", "id")
    context = {
        "filter": f,
        "export_url": "export/",
        "active_nav": "members",
        "can_create": getattr(request.user, "can_manage", False),
    }
    context.update(paginate(request, qs))
    return render(request, "members/list.html", context)


EXPORT_HEADERS = [
    "姓名",
    "公民身份号码",
    "性别",
    "民族",
    "出生日期",
    "手机号码",
    "学历",
    "职业类别",
    "人员类别",
    "入党日期",
    "转正日期",
    "所在党组织编码",
    "所在党组织",
    "党内职务",
    "流动党员",
    "流入地",
]


@login_required
def member_export(request):
    f = _filtered(request)
    rows = (
        (
            m.name,
            m.id_number_masked,
            m.get_gender_display(),
            m.ethnicity,
            m.birth_date,
            m.masked_phone,
            m.get_education_display(),
            m.get_occupation_display(),
            m.get_status_display(),
            m.join_date,
            m.full_date,
            m.organization.code,
            m.organization.name,
            m.post,
            "是" if m.is_mobile else "否",
            m.mobile_destination,
        )
        for m in f.qs.order_by("organization__path", "name_pinyin", "id").iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "党员名册", xlsx.build_workbook("党员名册", EXPORT_HEADERS, rows, notes=["公民身份号码和手机号码已脱敏。"])
    )


def _can_reveal(user) -> bool:
    return user.is_superuser or user.role in settings.FULL_ID_ROLES


@login_required
def member_detail(request, pk):
    member = get_visible_or_404(
        request.user, Member.objects.select_related("organization", "registered_community"), pk=pk
    )
    today = timezone.localdate()
    can_manage = request.user.is_superuser or (request.user.can_manage and request.user.role != "member")
    return render(
        request,
        "members/detail.html",
        {
            "m": member,
            "age": rules.age_on(member.birth_date, today),
            "history": member.status_changes.select_related("recorded_by"),
            "can_manage": can_manage,
            "can_reveal": _can_reveal(request.user),
            "lead": getattr(member, "lead_household", None),
            "status_form": StatusForm(initial={"on": today}),
            "lead_form": LeadHouseholdForm(),
            "panels": panels.collect("member_panels", request, member),
            "active_nav": "members",
        },
    )


def _form_kwargs(request):
    orgs = visible(request.user, Organization.objects.all())
    return {"organizations": orgs, "communities": orgs.filter(domain=Organization.Domain.COMMUNITY)}


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request):
    require_manager(request.user)
    initial = {}
    if request.GET.get("organization"):
        initial["organization"] = request.GET["organization"]
    form = MemberForm(request.POST or None, initial=initial, **_form_kwargs(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        id_number = data.pop("id_number")
        try:
            member = services.create_member(request.user, id_number=id_number, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增党员：{member.name}")
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "active_nav": "members"})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    require_manager(request.user, member.organization)
    form = MemberForm(request.POST or None, instance=Member.objects.get(pk=member.pk), **_form_kwargs(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        id_number = data.pop("id_number") or None
        if not id_number:
            data.pop("gender", None)
        try:
            services.update_member(request.user, member, id_number=id_number, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "m": member, "active_nav": "members"})


@login_required
@require_POST
def member_status(request, pk):
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新状态和日期")
    else:
        try:
            services.change_status(request.user, member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "状态已变更，并记入历史")
    return redirect("members:detail", pk=member.pk)


@login_required
@require_POST
def reveal_id(request, pk):
    """An explicit action: shows the full number once and writes an audit entry."""
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    number = services.reveal_id_number(request.user, member)
    template = "members/_full_id.html" if request.headers.get("HX-Request") else "members/full_id.html"
    return render(request, template, {"number": number, "m": member, "active_nav": "members"})


@login_required
@require_POST
def lead_household(request, pk):
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    form = LeadHouseholdForm(request.POST)
    if form.is_valid():
        services.set_lead_household(request.user, member, **form.cleaned_data)
        messages.success(request, "已设为党员中心户")
    else:
        messages.error(request, "请填写1至50之间的联系户数")
    return redirect("members:detail", pk=member.pk)
