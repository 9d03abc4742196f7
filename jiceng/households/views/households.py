"""The household register: the list and its export, one household's page with its timeline and
ledger (一户一台账), and the forms of each write (the household, its status, people, income,
checks and help-plan measures), plus the one audited view of a full ID number."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import exports, pages, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, require_manager, require_staff
from jiceng.members.rules import age_on

from .. import queries, services
from ..filters import HouseholdFilter
from ..forms import CheckForm, HouseholdForm, IncomeForm, MeasureForm, PersonForm, StatusForm
from ..models import GuaranteeCheck, Household, HouseholdMember, HouseholdsSettings, Income, Measure

STAFF_ONLY = "帮扶户信息供党组织和帮扶工作人员使用"
NAV = "households"


def filtered(request) -> HouseholdFilter:
    require_staff(request.user, STAFF_ONLY)
    f = HouseholdFilter(request.GET, queryset=queries.visible_households(request.user), request=request)
    style_form(f.form)
    return f


def ordered(f: HouseholdFilter):
    qs = queries.listed(f.qs)
    return qs if f.form.cleaned_data.get("ordering") else qs.order_by("village__path", "number")


@login_required
def household_list(request):
    f = filtered(request)
    context = {
        "filter": f,
        "export_url": "export/",
        "can_create": can_manage(request.user),
        "active_nav": NAV,
    }
    context.update(paginate(request, ordered(f)))
    return render(request, "households/list.html", context)


EXPORT_HEADERS = [
    "户编号",
    "所在村（社区）",
    "所属乡镇",
    "户类别",
    "状态",
    "户主姓名",
    "联系电话",
    "家庭住址",
    "家庭人口",
    "主要致贫原因",
    "其他致贫原因",
    "识别年度",
    "帮扶干部",
    "最近走访",
]


@login_required
@exports.deferrable
def household_export(request):
    f = filtered(request)
    rows = (
        (
            h.number,
            h.village.name,
            h.village.parent.name if h.village.parent_id else "",
            h.get_kind_display(),
            h.get_status_display(),
            h.head_name,
            h.masked_phone,
            h.address,
            h.person_count or 0,
            h.get_cause_display(),
            "、".join(h.other_cause_labels),
            h.identified_year,
            h.cadre_name or "未结对",
            timezone.localtime(h.last_visit).date() if h.last_visit else None,
        )
        for h in ordered(f).select_related("village__parent").iterator(chunk_size=2000)
    )
    return exports.ExportFile(
        "帮扶户名册",
        rows=f.qs,
        build=lambda: xlsx.build_workbook("帮扶户名册", EXPORT_HEADERS, rows, notes=["联系电话已脱敏。"]),
    )


def _household(request, pk, *, manage=False) -> Household:
    require_staff(request.user, STAFF_ONLY)
    household = get_visible_or_404(request.user, Household.objects.select_related("village", "village__parent"), pk=pk)
    if manage:
        require_manager(request.user, household.village)
    return household


@login_required
def household_detail(request, pk):
    household = _household(request, pk)
    today = timezone.localdate()
    people = list(household.people.all())
    for person in people:
        person.age = age_on(person.birth_date, today)
    config = HouseholdsSettings.current()
    latest = queries.latest_checks(household)
    pairs = list(household.pairs.select_related("cadre").order_by("-starts_on", "-id"))
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "people": people,
            "incomes": queries.income_years(household, len(people), config.income_line),
            "income_line": config.income_line,
            "items": [(value, label, latest.get(value)) for value, label in GuaranteeCheck.Item.choices],
            "measures": household.measures.all(),
            "pairs": pairs,
            "current_pair": next((p for p in pairs if p.ends_on is None), None),
            "timeline": queries.timeline(household),
            "flags": household.relapse_flags.all(),
            "expenses": household.expenses.all()[:10],
            "exit_checks": household.exit_checks.all()[:5],
            "visits": household.visits.select_related("cadre")[:10],
            "visit_count": household.visits.count(),
            "can_manage": can_manage(request.user, household.village),
            "can_reveal": services.can_reveal(request.user),
            "status_form": StatusForm(initial={"on": today}),
            "active_nav": NAV,
        },
    )


def _form_page(request, form, title, household=None, back=None, note=""):
    return render(
        request,
        "households/form.html",
        {
            "form": form,
            "title": title,
            "household": household,
            "back": back or (reverse("households:detail", args=[household.pk]) if household else "#"),
            "note": note,
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    require_staff(request.user, STAFF_ONLY)
    require_manager(request.user)
    form = HouseholdForm(request.POST or None, user=request.user, initial={"village": request.GET.get("village")})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_household(request.user, **data),
        success=lambda h: f"已登记帮扶户：{h}",
        to=lambda h: reverse("households:detail", args=[h.pk]),
    ):
        return done
    return _form_page(request, form, "登记帮扶户", back=reverse("households:list"))


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    household = _household(request, pk, manage=True)
    form = HouseholdForm(request.POST or None, instance=Household.objects.get(pk=household.pk), user=request.user)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_household(request.user, household, **data),
        success="已保存",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    return _form_page(request, form, f"修改 {household}", household)


@login_required
@require_POST
def household_status(request, pk):
    household = _household(request, pk, manage=True)
    form = StatusForm(request.POST)
    back = reverse("households:detail", args=[household.pk])
    if not form.is_valid():
        messages.error(request, "请选择新状态，填写变更日期和原因")
        return redirect(back)
    return pages.button_action(
        request,
        lambda: services.change_status(request.user, household, **form.cleaned_data),
        success="状态已变更，并记入历史",
        to=back,
    )


# ---- people ---------------------------------------------------------------------------------------


def _person(request, pk, *, manage=True) -> HouseholdMember:
    require_staff(request.user, STAFF_ONLY)
    person = get_visible_or_404(request.user, HouseholdMember.objects.select_related("household__village"), pk=pk)
    if manage:
        require_manager(request.user, person.household.village)
    return person


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request, pk):
    household = _household(request, pk, manage=True)
    form = PersonForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.add_person(request.user, household, **data),
        success=lambda p: f"已登记家庭成员：{p.name}",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    return _form_page(request, form, f"登记家庭成员 · {household}", household)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _person(request, pk)
    form = PersonForm(request.POST or None, instance=HouseholdMember.objects.get(pk=person.pk), editing=True)

    def save(data):
        data = dict(data)
        return services.update_person(request.user, person, id_number=data.pop("id_number") or None, **data)

    if done := pages.form_action(
        request, form, save, success="已保存", to=reverse("households:detail", args=[person.household_id])
    ):
        return done
    return _form_page(request, form, f"修改家庭成员 · {person.name}", person.household)


@login_required
@require_POST
def person_delete(request, pk):
    person = _person(request, pk)
    back = reverse("households:detail", args=[person.household_id])
    return pages.button_action(
        request,
        lambda: services.remove_person(request.user, person, reason=request.POST.get("reason", "")),
        success=f"已将 {person.name} 移出该户",
        to=back,
    )


@login_required
@require_POST
def person_reveal(request, pk):
    """The one full view of a household member's ID number: an explicit POST, audited."""
    person = _person(request, pk, manage=False)
    number = services.reveal_id_number(request.user, person)
    if request.headers.get("HX-Request"):
        return render(request, "households/_full_id.html", {"number": number})
    return render(request, "households/full_id.html", {"number": number, "person": person, "active_nav": NAV})


# ---- income, checks, measures -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def income_edit(request, pk):
    household = _household(request, pk, manage=True)
    form = IncomeForm(request.POST or None)
    if request.method == "GET" and request.GET.get("year", "").isdigit():
        year = int(request.GET["year"])
        form.initial["year"] = year
        for income in Income.objects.filter(household=household, year=year):
            form.initial[income.source] = income.amount
    if done := pages.form_action(
        request,
        form,
        lambda data: services.set_income(request.user, household, year=data["year"], amounts=form.amounts()),
        success="家庭收入已保存",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    note = "按年度、分来源登记家庭纯收入；人均纯收入 = 合计 ÷ 家庭人口。留空的来源保持原值。"
    return _form_page(request, form, f"家庭收入 · {household}", household, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def check_create(request, pk):
    household = _household(request, pk, manage=True)
    initial = {"item": request.GET.get("item")} if request.GET.get("item") in GuaranteeCheck.Item.values else {}
    form = CheckForm(request.POST or None, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.record_check(request.user, household, **data),
        success=lambda c: f"已记录核查：{c.get_item_display()}{'达标' if c.met else '未达标'}",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    note = "核查记录只能追加，不能修改；每一项以最近一次核查为准。"
    return _form_page(request, form, f"两不愁三保障及饮水安全核查 · {household}", household, note=note)


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request, pk):
    household = _household(request, pk, manage=True)
    form = MeasureForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_measure(request.user, household, **data),
        success="已添加帮扶措施",
        to=reverse("households:detail", args=[household.pk]),
    ):
        return done
    return _form_page(request, form, f"添加帮扶措施（一户一策） · {household}", household)


def _measure(request, pk) -> Measure:
    require_staff(request.user, STAFF_ONLY)
    measure = get_visible_or_404(request.user, Measure.objects.select_related("household__village"), pk=pk)
    require_manager(request.user, measure.household.village)
    return measure


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, pk):
    measure = _measure(request, pk)
    form = MeasureForm(request.POST or None, instance=Measure.objects.get(pk=measure.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_measure(request.user, measure.household, measure, **data),
        success="已保存",
        to=reverse("households:detail", args=[measure.household_id]),
    ):
        return done
    return _form_page(request, form, f"修改帮扶措施 · {measure.household}", measure.household)


@login_required
@require_POST
def measure_delete(request, pk):
    measure = _measure(request, pk)
    return pages.button_action(
        request,
        lambda: services.delete_measure(request.user, measure),
        success="已删除帮扶措施",
        to=reverse("households:detail", args=[measure.household_id]),
    )


# ---- the ledger of one household (一户一台账) -------------------------------------------------------


@login_required
def household_ledger(request, pk):
    """One household's ledger as an Excel file: the household, its people (ID numbers masked),
    income, checks, measures and pairs, one sheet each."""
    household = _household(request, pk)
    today = timezone.localdate()
    book = xlsx.Book()
    sheet = book.create_sheet("基本情况")
    for label, value in [
        ("户编号", household.number),
        ("所在村（社区）", household.village.name),
        ("户类别", household.get_kind_display()),
        ("状态", household.get_status_display()),
        ("户主姓名", household.head_name),
        ("联系电话", household.masked_phone),
        ("家庭住址", household.address),
        ("主要致贫原因", household.get_cause_display()),
        ("其他致贫原因", "、".join(household.other_cause_labels)),
    ]:
        xlsx.append(sheet, [label, value])
    sheet = book.create_sheet("家庭成员")
    xlsx.header(
        sheet, ["姓名", "与户主关系", "公民身份号码", "性别", "年龄", "健康状况", "文化程度", "劳动技能", "务工情况"]
    )
    for p in household.people.all():
        xlsx.append(
            sheet,
            [
                p.name,
                p.get_relation_display(),
                p.id_number_masked,
                p.get_gender_display(),
                age_on(p.birth_date, today),
                p.get_health_display(),
                p.get_schooling_display(),
                p.get_work_display(),
                p.work_place,
            ],
        )
    sheet = book.create_sheet("家庭收入")
    xlsx.header(sheet, ["年度", "收入来源", "金额（元）"])
    for i in household.incomes.order_by("-year", "source"):
        xlsx.append(sheet, [i.year, i.get_source_display(), i.amount])
    sheet = book.create_sheet("核查记录")
    xlsx.header(sheet, ["核查日期", "项目", "结果", "核查人", "情况说明"])
    for c in household.checks.all():
        xlsx.append(sheet, [c.checked_on, c.get_item_display(), "达标" if c.met else "未达标", c.checked_by, c.note])
    sheet = book.create_sheet("帮扶措施")
    xlsx.header(sheet, ["类别", "内容", "责任人", "开始日期", "完成期限", "资金（元）", "进展", "成效"])
    for m in household.measures.all():
        xlsx.append(
            sheet,
            [
                m.get_category_display(),
                m.content,
                m.owner,
                m.starts_on,
                m.ends_on,
                m.money,
                m.get_state_display(),
                m.outcome,
            ],
        )
    sheet = book.create_sheet("结对帮扶")
    xlsx.header(sheet, ["帮扶干部", "工作单位", "结对日期", "结束日期", "结束原因"])
    for p in household.pairs.select_related("cadre").order_by("starts_on"):
        xlsx.append(sheet, [p.cadre.name, p.cadre.unit, p.starts_on, p.ends_on, p.end_reason])
    sheet = book.create_sheet("返贫监测")
    xlsx.header(sheet, ["日期", "事项", "内容", "状态或结果", "经办或签字"])
    for e in household.expenses.order_by("on", "id"):
        xlsx.append(sheet, [e.on, f"突发支出（{e.get_kind_display()}）", f"{e.amount} 元 {e.note}".strip(), "", ""])
    for f in household.relapse_flags.order_by("opened_at", "id").prefetch_related("reviews__reviewed_by"):
        day = timezone.localtime(f.opened_at).date()
        xlsx.append(sheet, [day, f"返贫风险预警（{f.get_kind_display()}）", f.reason, f.get_state_display(), ""])
        for r in f.reviews.all():
            xlsx.append(sheet, [r.reviewed_on, "预警核实", r.note, r.get_outcome_display(), str(r.reviewed_by or "")])
    for x in household.exit_checks.order_by("on", "id"):
        result = "通过" if x.passed else "未通过"
        xlsx.append(sheet, [x.on, "退出核查", "；".join(c["text"] for c in x.criteria), result, x.signed_by])
    return xlsx.xlsx_response(f"一户一台账-{household.number}", book)
