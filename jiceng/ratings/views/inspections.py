"""Inspections (督查): rounds run by a township or the county over organizations of its subtree
with a scored checklist, result entry per organization (a phone form), the ranking, closing
(which runs the bottom-3-twice rule) and the accountability records (问责记录) it opens."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, xlsx
from jiceng.core.pages import style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, page_root, require_staff, visible
from jiceng.core.uploads import MultiplePhotoField
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES

from .. import queries, rules, services
from ..models import Accountability, InspectionPhoto, InspectionResult, InspectionRound
from .points import STAFF_ONLY, crumbs, year_of, years_offered

CHECKLIST_EXAMPLE = "组织生活开展 30\n党员管理 20\n阵地建设 20\n台账资料 15\n群众满意度 15"


class CodesInput(forms.Textarea):
    """Organization codes typed or pasted, separated by spaces, commas or new lines."""

    def value_from_datadict(self, data, files, name):
        text = data.get(name) or ""
        return [code for code in text.replace(",", " ").replace("，", " ").split() if code]

    def format_value(self, value):
        return "\n".join(str(v) for v in value) if isinstance(value, list | tuple) else value


def codes_when_large(field: forms.ModelMultipleChoiceField) -> None:
    """Above orgs.picker.PICK_ABOVE choices (a city's 14,700 organizations would be seconds of
    checkboxes), the organizations are given by their codes; the choices and their validation
    are the same (a code outside them is refused)."""
    from jiceng.orgs.picker import PICK_ABOVE

    if field.queryset.count() <= PICK_ABOVE:
        return
    field.to_field_name = "code"
    field.widget = CodesInput(attrs={"rows": 4, "placeholder": "每行一个组织编码，或用空格、逗号分隔"})
    field.help_text = "未勾选“全部党支部”时，请填写被督查党组织的组织编码（组织数较多，不再逐个列出）"
    field.error_messages["invalid_choice"] = "组织编码 %(value)s 不是本组织所属的党组织"


class RoundForm(forms.Form):
    name = forms.CharField(label="督查名称", max_length=100)
    kind = forms.ChoiceField(label="方式", choices=InspectionRound.Kind.choices)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    checklist = forms.CharField(
        label="评分细则",
        widget=forms.Textarea(attrs={"rows": 6}),
        initial=CHECKLIST_EXAMPLE,
        help_text="每行一项：项目名称 分值（如“组织生活开展 30”）",
    )
    all_branches = forms.BooleanField(label="督查下属全部党支部", required=False)
    organizations = forms.ModelMultipleChoiceField(
        label="被督查的党组织",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="未勾选“全部党支部”时，请选择被督查的党组织",
    )

    def __init__(self, *args, user=None, organizer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        self.fields["organizations"].queryset = visible(
            user, Organization.objects.filter(organizer.subtree_filter()).exclude(pk=organizer.pk)
        ).order_by("path")
        codes_when_large(self.fields["organizations"])
        style_form(self)

    def clean_checklist(self):
        try:
            return rules.parse_checklist(self.cleaned_data["checklist"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if data.get("all_branches"):
            data["organizations"] = list(
                self.fields["organizations"].queryset.filter(type__in=BRANCH_TYPES).order_by("path")
            )
        elif not data.get("organizations"):
            self.add_error("organizations", "请选择被督查的党组织，或勾选“督查下属全部党支部”")
        return data


class ResultForm(forms.Form):
    note = forms.CharField(label="发现问题", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label="现场照片", help_text="可选，最多 6 张")

    def __init__(self, *args, checklist=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        for item in checklist:
            self.fields[f"s-{item['code']}"] = forms.DecimalField(
                label=f"{item['name']}（满分 {item['max']}）",
                min_value=0,
                max_value=Decimal(str(item["max"])),
                decimal_places=1,
                initial=(scores or {}).get(item["code"]),
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
                error_messages={"required": f"请填写“{item['name']}”的得分"},
            )
        self.order_fields([f"s-{i['code']}" for i in checklist] + ["note", "photos"])
        style_form(self)


@login_required
def round_list(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    state = request.GET.get("state", "")
    state = state if state in InspectionRound.State.values else ""
    rounds = list(queries.inspection_rounds(request.user, root, year=year, state=state))
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": years_offered(),
        "state": state,
        "states": InspectionRound.State.choices,
        "rounds": rounds,
        "can_create": services.may_organize_inspections(root) and can_manage(request.user, root),
        "open_accountability": visible(
            request.user,
            Accountability.objects.filter(root.subtree_filter("organization__"), state=Accountability.State.OPEN),
        ).count(),
        "active_nav": "ratings-inspections",
    }
    return render(request, "ratings/inspection_list.html", context)


@login_required
def round_create(request):
    require_staff(request.user, STAFF_ONLY)
    organizer = page_root(request, posted=True)
    if not services.may_organize_inspections(organizer) or not can_manage(request.user, organizer):
        raise PermissionDenied(rules.ORGANIZER_RULE)
    form = RoundForm(request.POST or None, user=request.user, organizer=organizer)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_round(
            request.user,
            organizer,
            name=data["name"],
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            checklist=data["checklist"],
            organizations=data["organizations"],
        ),
        success=lambda r: f"已建立督查“{r.name}”，请逐个录入被督查组织的得分",
        to=lambda r: reverse("ratings:inspection", args=[r.pk]),
    ):
        return done
    context = {"form": form, "organizer": organizer, "active_nav": "ratings-inspections"}
    return render(request, "ratings/inspection_form.html", context)


def _round(request, pk) -> InspectionRound:
    require_staff(request.user, STAFF_ONLY)
    return get_visible_or_404(request.user, InspectionRound.objects.select_related("organizer"), pk=pk)


@login_required
def round_detail(request, pk):
    round_ = _round(request, pk)
    rows = queries.round_ranking(round_)
    manager = can_manage(request.user, round_.organizer)
    context = {
        "round": round_,
        "rows": rows,
        "items": round_.checklist,
        "scored": sum(row.rank is not None for row in rows),
        "manager": manager and round_.state == InspectionRound.State.OPEN,
        "accountability": list(
            Accountability.objects.filter(round=round_).select_related("organization").order_by("organization__path")
        ),
        "active_nav": "ratings-inspections",
    }
    return render(request, "ratings/inspection_detail.html", context)


@login_required
def round_export(request, pk):
    round_ = _round(request, pk)
    rows = queries.round_ranking(round_)
    items = round_.checklist
    headers = ["名次", "党组织", *[f"{i['name']}（{i['max']}）" for i in items], "总分", "后三位", "发现问题", "督查人"]
    data = [
        [
            row.rank,
            row.result.organization.name,
            *(row.scores or [None] * len(items)),
            row.result.total,
            "是" if row.bottom else "",
            row.result.note,
            row.result.inspector.get_username() if row.result.inspector else "",
        ]
        for row in rows
    ]
    return xlsx.xlsx_response(
        f"督查排名-{round_.name}",
        xlsx.build_workbook(
            "督查排名",
            headers,
            data,
            [f"{round_.organizer.name} {round_.name}（{round_.get_kind_display()}，{round_.get_state_display()}）"],
        ),
    )


@login_required
def result_entry(request, pk):
    require_staff(request.user, STAFF_ONLY)
    result = get_visible_or_404(
        request.user, InspectionResult.objects.select_related("round__organizer", "organization", "inspector"), pk=pk
    )
    round_ = result.round
    editable = round_.state == InspectionRound.State.OPEN and can_manage(request.user, round_.organizer)
    if request.method == "POST" and not editable:
        raise PermissionDenied("督查已结束或您不是组织单位的管理员，不能录入得分")
    form = ResultForm(
        request.POST or None,
        request.FILES or None,
        checklist=round_.checklist,
        scores=result.scores,
        initial={"note": result.note},
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.enter_result(
            request.user,
            result,
            scores={i["code"]: data[f"s-{i['code']}"] for i in round_.checklist},
            note=data["note"],
            photos=request.FILES.getlist("photos"),
        ),
        success=lambda r: f"已保存 {r.organization.name} 的得分：{r.total}",
        to=reverse("ratings:inspection", args=[round_.pk]),
    ):
        return done
    context = {
        "result": result,
        "round": round_,
        "form": form,
        "editable": editable,
        "lines": [(i, result.scores.get(i["code"])) for i in round_.checklist],
        "photos": list(result.photos.all()),
        "active_nav": "ratings-inspections",
    }
    return render(request, "ratings/inspection_result.html", context)


@login_required
def result_photo(request, pk):
    photo = get_visible_or_404(request.user, InspectionPhoto.objects.all(), pk=pk)
    field = photo.thumbnail if request.GET.get("thumb") else photo.image
    return FileResponse(field.open("rb"), content_type="image/jpeg")


@login_required
@require_POST
def round_close(request, pk):
    round_ = _round(request, pk)
    here = reverse("ratings:inspection", args=[round_.pk])
    return pages.button_action(
        request,
        lambda: services.close_round(request.user, round_),
        success=lambda opened: (
            "督查已结束，结果已确定" + (f"；{len(opened)} 个党组织连续两次排名后三位，已启动问责" if opened else "")
        ),
        to=here,
    )


# ---- accountability (问责记录) --------------------------------------------------------------------


def _accountability(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    state = request.GET.get("state", "")
    state = state if state in Accountability.State.values else ""
    qs = visible(
        request.user,
        Accountability.objects.filter(root.subtree_filter("organization__")).select_related(
            "organization", "round__organizer", "previous", "handled_by"
        ),
    )
    if state:
        qs = qs.filter(state=state)
    return root, state, list(qs.order_by("state", "-created_at", "-pk"))


@login_required
def accountability_list(request):
    root, state, rows = _accountability(request)
    for row in rows:
        row.can_handle = row.state == Accountability.State.OPEN and can_manage(request.user, row.round.organizer)
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "state": state,
        "states": Accountability.State.choices,
        "rows": rows,
        "active_nav": "ratings-inspections",
    }
    return render(request, "ratings/accountability_list.html", context)


@login_required
def accountability_export(request):
    root, state, rows = _accountability(request)
    headers = ["党组织", "书记", "问责原因", "上一轮督查", "本轮督查", "组织单位", "状态", "处理结果", "处理时间"]
    data = [
        [
            r.organization.name,
            r.secretary_name,
            r.reason,
            r.previous.name,
            r.round.name,
            r.round.organizer.name,
            r.get_state_display(),
            r.outcome,
            timezone.localtime(r.handled_at).strftime("%Y-%m-%d %H:%M") if r.handled_at else "",
        ]
        for r in rows
    ]
    return xlsx.xlsx_response(
        "督查问责记录", xlsx.build_workbook("问责记录", headers, data, [f"{root.name} 督查问责记录"])
    )


@login_required
@require_POST
def accountability_handle(request, pk):
    require_staff(request.user, STAFF_ONLY)
    record = get_visible_or_404(request.user, Accountability.objects.all(), pk=pk)
    return pages.button_action(
        request,
        lambda: services.handle_accountability(request.user, record, outcome=request.POST.get("outcome", "")),
        success="已记录处理结果",
        to=reverse("ratings:accountability"),
    )
