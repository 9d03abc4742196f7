"""Forms of the cadre pages. Choices of villages, townships and members are the user's scope;
every form goes to a service (jiceng.cadres.services), which validates again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form
from jiceng.core.scoping import visible
from jiceng.members.models import Member
from jiceng.orgs.picker import pick_organizations_when_large
from jiceng.orgs.queries import PLACE_DOMAINS, place_choices

from . import queries
from .models import Post, StreakTask, VillageCadre


class DateInput(forms.DateInput):
    input_type = "date"


class CadreForm(forms.ModelForm):
    id_number = forms.CharField(label="公民身份号码", max_length=18, help_text="18位，出生日期和性别由号码得出")

    class Meta:
        model = VillageCadre
        fields = ["village", "name", "id_number", "education", "phone", "member", "post", "term_starts_on"]
        fields += ["term_ends_on", "in_talent_pool", "note"]
        widgets = {"term_starts_on": DateInput, "term_ends_on": DateInput, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = (
            place_choices(user)
            .filter(parent__domain__in=PLACE_DOMAINS)
            .exclude(parent__parent__domain__in=PLACE_DOMAINS)
        )
        self.fields["member"].queryset = visible(user, Member.objects.all()).order_by("name")
        self.fields["member"].widget = forms.NumberInput()
        self.fields["member"].help_text = "是党员的，填写其党员档案编号（档案页地址中的数字）；非党员留空"
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = f"当前：{self.instance.id_number_masked}；不修改请留空"
        style_form(self)
        pick_organizations_when_large(self, village="输入村、社区名称查找")


class LeaveForm(forms.Form):
    on = forms.DateField(label="离任日期", widget=DateInput)
    reason = forms.CharField(label="离任原因", max_length=200)


class FilingForm(forms.Form):
    filed_on = forms.DateField(label="备案日期", widget=DateInput)
    note = forms.CharField(label="备案说明", max_length=200, required=False)


class MentorshipForm(forms.Form):
    mentor_name = forms.CharField(label="导师姓名", max_length=50)
    mentor_unit = forms.CharField(label="导师单位及职务", max_length=100, help_text="如：某村党组织书记、乡镇组织委员")
    starts_on = forms.DateField(label="帮带开始", widget=DateInput)
    note = forms.CharField(label="帮带内容", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()
        style_form(self)


class EndForm(forms.Form):
    ends_on = forms.DateField(label="结束日期", widget=DateInput)


class RoundForm(forms.Form):
    township = forms.ModelChoiceField(label="乡镇（街道）", queryset=None)
    year = forms.IntegerField(label="年度", min_value=2000)
    quarter = forms.TypedChoiceField(label="季度", choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)], coerce=int)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = queries.townships(user)
        self.fields["year"].initial = timezone.localdate().year
        style_form(self)


def score_form(dimensions, computed: dict, data=None, initial: dict | None = None) -> forms.Form:
    """A form with a points and an evidence field for each manual dimension (and for a computed
    one the records cannot judge for this village)."""
    form = forms.Form(data)
    for d in dimensions:
        if d.source and d.code in computed:
            continue
        form.fields[f"{d.code}-points"] = forms.DecimalField(
            label=f"{d.name}（满分 {d.weight.normalize():f}）", min_value=0, max_value=d.weight, decimal_places=2,
            initial=(initial or {}).get(d.code, (None, ""))[0],
        )  # fmt: skip
        form.fields[f"{d.code}-evidence"] = forms.CharField(
            label=f"{d.name}评分依据", max_length=300, initial=(initial or {}).get(d.code, (None, ""))[1],
            help_text="写明依据的事实或材料（必填）",
        )  # fmt: skip
    style_form(form)
    return form


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="决定", choices=[(StreakTask.Decision.AGREED, "同意"), (StreakTask.Decision.DECLINED, "不同意")]
    )
    note = forms.CharField(label="决定说明", max_length=300, help_text="如：经乡镇党委会议研究")


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000)
    amount = forms.DecimalField(label="农村居民人均可支配收入（元）", max_digits=12, decimal_places=2, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1
        style_form(self)


class CoefficientForm(forms.Form):
    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Post.choices)
        for post, value in current.items():
            self.fields[post] = forms.DecimalField(
                label=labels[post], max_digits=4, decimal_places=2, min_value=0.5, max_value=3, initial=value
            )
        style_form(self)


class DeciderForm(forms.Form):
    decider = forms.ModelChoiceField(label="决定人", queryset=None)

    def __init__(self, *args, user, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True, role__in=["county_admin", "township_admin"])
        self.fields["decider"].queryset = visible(user, users).order_by("organization__path", "username")
        style_form(self)


class SchemeForm(forms.Form):
    """A new version of the scheme: the dimensions of the latest version with their weights and
    sources editable; the bands, the streak and the quarter it starts from."""

    valid_from = forms.DateField(
        label="起用日期", widget=DateInput, help_text="某季度的第一天：1月1日、4月1日、7月1日或10月1日"
    )
    name = forms.CharField(label="名称", max_length=100)
    excellent_from = forms.DecimalField(label="优秀分数线", max_digits=6, decimal_places=2)
    competent_from = forms.DecimalField(label="称职分数线", max_digits=6, decimal_places=2)
    basic_from = forms.DecimalField(label="基本称职分数线", max_digits=6, decimal_places=2)
    streak = forms.IntegerField(label="连续季度数", min_value=2, max_value=8)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, latest, sources: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = list(latest.dimensions.all())
        self.fields["name"].initial = latest.name
        for name in ("excellent_from", "competent_from", "basic_from", "streak"):
            self.fields[name].initial = getattr(latest, name)
        choices = [("", "乡镇凭依据评分")] + [(code, f"系统计算：{label}") for code, label in sources.items()]
        for d in self.dimensions:
            self.fields[f"{d.code}-weight"] = forms.DecimalField(
                label=f"{d.name}分值", max_digits=6, decimal_places=2, min_value=0, initial=d.weight
            )
            self.fields[f"{d.code}-source"] = forms.ChoiceField(
                label=f"{d.name}评分方式", choices=choices, required=False, initial=d.source
            )
        style_form(self)

    def dimension_rows(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"code": d.code, "name": d.name, "weight": data[f"{d.code}-weight"], "source": data[f"{d.code}-source"]}
            for d in self.dimensions
        ]
