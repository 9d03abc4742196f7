from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import exports, pages, panels, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import get_visible_or_404, path_q, require_manager, visible
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .filters import MemberFilter
from .forms import BirthdayFilterForm, LeadHouseholdForm, MemberForm, StatusForm
from .models import Member


def _filtered(request):
    qs = visible(request.user, Member.objects.select_related("organization"))
    f = MemberFilter(request.GET, queryset=qs, request=request)
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
@exports.deferrable
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
    # A whole city's register is 340,000 rows: above the threshold it is written in the background.
    return exports.ExportFile(
        "党员名册",
        rows=f.qs,
        build=lambda: xlsx.build_workbook("党员名册", EXPORT_HEADERS, rows, notes=["公民身份号码和手机号码已脱敏。"]),
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
            "member": member,
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
    return {"organizations": orgs, "communities": queries.registrable_communities(request.user)}


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request):
    require_manager(request.user)
    initial = {}
    if request.GET.get("organization"):
        initial["organization"] = request.GET["organization"]
    form = MemberForm(request.POST or None, initial=initial, **_form_kwargs(request))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_member(request.user, **data),
        success=lambda member: f"已新增党员：{member.name}",
        to=lambda member: reverse("members:detail", args=[member.pk]),
    ):
        return done
    return render(request, "members/form.html", {"form": form, "active_nav": "members"})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    require_manager(request.user, member.organization)
    form = MemberForm(request.POST or None, instance=Member.objects.get(pk=member.pk), **_form_kwargs(request))

    def save(data):
        data = dict(data)
        id_number = data.pop("id_number") or None
        if not id_number:
            data.pop("gender", None)
        return services.update_member(request.user, member, id_number=id_number, **data)

    if done := pages.form_action(request, form, save, success="已保存", to=reverse("members:detail", args=[member.pk])):
        return done
    return render(request, "members/form.html", {"form": form, "member": member, "active_nav": "members"})


@login_required
@require_POST
def member_status(request, pk):
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写新状态和日期")
        return redirect("members:detail", pk=member.pk)
    return pages.button_action(
        request,
        lambda: services.change_status(request.user, member, **form.cleaned_data),
        success="状态已变更，并记入历史",
        to=reverse("members:detail", args=[member.pk]),
    )


@login_required
@require_POST
def reveal_id(request, pk):
    """An explicit action: shows the full number once and writes an audit entry."""
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    number = services.reveal_id_number(request.user, member)
    template = "members/_full_id.html" if request.headers.get("HX-Request") else "members/full_id.html"
    return render(request, template, {"number": number, "member": member, "active_nav": "members"})


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


# ---- political birthdays (政治生日) ---------------------------------------------------------


def _birthday_filter(request):
    today = timezone.localdate()
    orgs = visible(request.user, Organization.objects.exclude(type=Organization.Type.GROUP))
    data = request.GET.copy() if request.method == "GET" else request.POST.copy()
    data.setdefault("month", f"{today:%Y-%m}")
    form = BirthdayFilterForm(data, organizations=orgs)
    qs = visible(request.user, Member.objects.select_related("organization"))
    if form.is_valid():
        month, org = form.cleaned_data["month"], form.cleaned_data["organization"]
    else:  # an organization outside the scope, or a malformed month: nothing, with the form's error
        month, org, qs = today.replace(day=1), None, qs.none()
    if org is not None:
        qs = qs.filter(path_q("organization__path", org.path))
    qs = queries.birthdays_in_month(qs, month.year, month.month)
    return form, month, org, qs


def _birthday_rows(members, year: int):
    """Each member with the anniversary, party age, account and greeting state (3 queries)."""
    from jiceng.accounts.models import User
    from jiceng.core.models import Notification

    members = list(members)
    ids = [m.pk for m in members]
    accounts = set(User.objects.filter(member_id__in=ids, is_active=True).values_list("member_id", flat=True))
    keys = {services.birthday_key(m, year): m.pk for m in members}
    sent = dict(Notification.objects.filter(key__in=list(keys)).values_list("key", "created_at").order_by())
    sent_at = {keys[k]: v for k, v in sent.items()}
    return [
        {
            "member": m,
            "day": rules.political_birthday(m.join_date, year),
            "years": year - m.join_date.year,
            "party_age": rules.party_age(m.full_date, rules.political_birthday(m.join_date, year)),
            "has_account": m.pk in accounts,
            "sent_at": sent_at.get(m.pk),
        }
        for m in members
    ]


@login_required
def birthdays(request):
    """This month's political birthdays (or any month's), by organization, with greetings."""
    from jiceng.core.navigation import is_staff

    if not is_staff(request.user):
        return redirect("members:detail", pk=request.user.member_id) if request.user.member_id else redirect("/")
    form, month, org, qs = _birthday_filter(request)
    today = timezone.localdate()
    qs = qs.order_by("organization__path", "join_date__day", "name_pinyin", "id")
    context = paginate(request, qs)
    context["rows"] = _birthday_rows(context["rows"], month.year)
    can_send = (
        (getattr(request.user, "can_manage", False) or request.user.is_superuser)
        and (month.year, month.month) <= (today.year, today.month)
        and month.year == today.year
    )
    context.update(
        {
            "form": form,
            "month": month,
            "org": org,
            "can_send": can_send,
            "is_future": (month.year, month.month) > (today.year, today.month),
            "export_url": "export/",
            "active_nav": "birthdays",
        }
    )
    return render(request, "members/birthdays.html", context)


@login_required
def birthday_export(request):
    from jiceng.core.navigation import is_staff

    if not is_staff(request.user):
        raise PermissionDenied("党员只能查看本人档案")
    form, month, org, qs = _birthday_filter(request)
    rows = _birthday_rows(qs.order_by("organization__path", "join_date__day", "name_pinyin", "id"), month.year)
    headers = ["姓名", "所在党组织", "入党日期", "政治生日", "入党周年", "党龄（年）", "系统账号", "祝福"]
    data = (
        (
            r["member"].name,
            r["member"].organization.name,
            r["member"].join_date,
            r["day"],
            r["years"],
            r["party_age"] if r["party_age"] is not None else "预备党员",
            "有" if r["has_account"] else "无",
            "已发送" if r["sent_at"] else "未发送",
        )
        for r in rows
    )
    title = f"{month.year}年{month.month}月政治生日"
    return xlsx.xlsx_response(title, xlsx.build_workbook(title, headers, data, notes=["党龄自转正之日起计算。"]))


@login_required
@require_POST
def birthday_greet(request, pk):
    member = get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=pk)
    try:
        _, created = services.send_birthday_greeting(request.user, member)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if created:
            messages.success(request, f"已向{member.name}发送政治生日祝福")
        else:
            messages.info(request, f"今年已向{member.name}发送过政治生日祝福，未重复发送")
    return redirect(_back_to_birthdays(request))


def _back_to_birthdays(request) -> str:
    from django.urls import reverse

    params = {k: request.POST[k] for k in ("month", "organization") if request.POST.get(k)}
    from urllib.parse import urlencode

    return reverse("members:birthdays") + (f"?{urlencode(params)}" if params else "")


@login_required
@require_POST
def birthday_greet_all(request):
    """Send the greeting to everyone on the list who has an account and was not greeted."""
    require_manager(request.user)
    form, month, org, qs = _birthday_filter(request)
    today = timezone.localdate()
    if not form.is_valid():
        messages.error(request, "请选择月份和您管理范围内的党组织")
        return redirect("members:birthdays")
    if month.year != today.year or month.month > today.month:
        messages.error(request, "只能为今年本月及以前月份的政治生日发送祝福")
        return redirect(_back_to_birthdays(request))
    sent = again = no_account = refused = 0
    for member in qs.order_by("organization__path", "id"):
        try:
            _, created = services.send_birthday_greeting(request.user, member, today=today)
        except PermissionDenied:
            refused += 1
        except ValidationError:
            no_account += 1
        else:
            sent += created
            again += not created
    messages.success(
        request,
        f"已发送 {sent} 条政治生日祝福；此前已发送 {again} 人；没有系统账号 {no_account} 人"
        + (f"；不在您管理范围 {refused} 人" if refused else ""),
    )
    return redirect(_back_to_birthdays(request))
