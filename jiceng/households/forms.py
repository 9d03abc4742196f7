"""Forms of the household pages. Choices of organizations, cadres and members are the user's
scope; every form goes to a service (jiceng.households.services), which validates again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form
from jiceng.core.scoping import visible
from jiceng.core.uploads import MultiplePhotoField
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import pick_organizations_when_large
from jiceng.orgs.queries import PLACE_DOMAINS, place_choices
from jiceng.requests import queries as request_queries

from .models import (
    Cadre,
    GuaranteeCheck,
    Household,
    HouseholdExpense,
    HouseholdMember,
    HouseholdsSettings,
    Income,
    Measure,
    RelapseReview,
    RelapseThreshold,
    Responsibility,
    Visit,
    VisitCadence,
)
from .queries import selectable_cadres


class DateInput(forms.DateInput):
    input_type = "date"


class HouseholdForm(forms.ModelForm):
    other_causes = forms.MultipleChoiceField(
        label="其他致贫原因",
        choices=Household.Cause.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="可多选（按住 Ctrl 或在手机上点选）",
    )

    class Meta:
        model = Household
        fields = ["village", "number", "kind", "head_name", "address", "phone", "cause", "other_causes"]
        fields += ["identified_year", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = place_choices(user).filter(parent__domain__in=PLACE_DOMAINS)
        style_form(self)
        pick_organizations_when_large(self, village="输入村、社区名称查找")


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label="新状态", choices=Household.Status.choices)
    on = forms.DateField(label="变更日期", widget=DateInput)
    reason = forms.CharField(label="变更原因", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(label="公民身份号码", max_length=18, help_text="18位，出生日期和性别由号码得出")

    class Meta:
        model = HouseholdMember
        fields = ["name", "id_number", "relation", "health", "schooling", "work", "work_place"]

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = f"当前：{self.instance.id_number_masked}；不修改请留空"
        style_form(self)


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1
        for source, label in Income.Source.choices:
            self.fields[source] = forms.DecimalField(
                label=f"{label}（元）", max_digits=12, decimal_places=2, required=False, min_value=0
            )
        style_form(self)

    def amounts(self) -> dict:
        return {s: self.cleaned_data.get(s) for s in Income.Source.values}


class CheckForm(forms.Form):
    item = forms.ChoiceField(label="核查项目", choices=GuaranteeCheck.Item.choices)
    checked_on = forms.DateField(label="核查日期", widget=DateInput)
    met = forms.TypedChoiceField(
        label="核查结果", choices=[("1", "达标"), ("0", "未达标")], coerce=lambda v: v == "1", empty_value=None
    )
    checked_by = forms.CharField(label="核查人", max_length=50)
    note = forms.CharField(label="情况说明", max_length=200, required=False, help_text="未达标的必须说明")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].initial = timezone.localdate()
        style_form(self)


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["category", "content", "owner", "starts_on", "ends_on", "money", "state", "outcome"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PairForm(forms.Form):
    cadre = forms.ModelChoiceField(label="帮扶干部", queryset=Cadre.objects.none())
    starts_on = forms.DateField(label="结对日期", widget=DateInput)
    reason = forms.CharField(label="说明", max_length=200, required=False, help_text="更换干部时写明原因")

    def __init__(self, *args, user, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        cadres = selectable_cadres(user).filter(is_active=True).select_related("organization")
        self.fields["cadre"].queryset = cadres.order_by("organization__path", "name")
        self.fields["cadre"].label_from_instance = lambda c: f"{c.name}（{c.unit}）"
        self.fields["starts_on"].initial = timezone.localdate()
        style_form(self)


class EndPairForm(forms.Form):
    ends_on = forms.DateField(label="结束日期", widget=DateInput)
    reason = forms.CharField(label="结束原因", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = timezone.localdate()
        style_form(self)


class CadreForm(forms.ModelForm):
    class Meta:
        model = Cadre
        fields = ["organization", "name", "unit", "post", "phone", "member", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible(user, Organization.objects.exclude(type="group")).order_by(
            "path"
        )
        members = visible(user, Member.objects.filter(status__in=Member.ACTIVE_STATUSES))
        self.fields["member"].queryset = members.order_by("name_pinyin", "id")
        style_form(self)
        pick_organizations_when_large(self)
        if members.count() > 300:  # a city's members are no <select>: keep the link for the register
            self.fields["member"].widget = forms.HiddenInput()


class CadreAccountForm(forms.Form):
    """A resident's login for a non-member cadre: the password is given to the cadre in person."""

    username = forms.CharField(label="登录名", max_length=150, help_text="建议用手机号")
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=True), min_length=8)
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput(render_value=True))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class ResponsibilityForm(forms.ModelForm):
    class Meta:
        model = Responsibility
        fields = ["kind", "organization", "person", "unit", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible(
            user, Organization.objects.filter(parent__isnull=False).exclude(type="group")
        ).order_by("path")
        style_form(self)
        pick_organizations_when_large(self)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = HouseholdsSettings
        fields = HouseholdsSettings.SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class VisitForm(forms.ModelForm):
    problems = forms.CharField(
        label="群众反映的问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个问题；可在走访记录页转为群众诉求",
    )
    photos = MultiplePhotoField(label="现场照片", help_text="可用手机直接拍照，最多 6 张")

    class Meta:
        model = Visit
        fields = ["cadre", "visited_at", "content", "problems", "location"]
        widgets = {"visited_at": DateTimeInput(), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # problems are added on the visit page, each with its own request
            del self.fields["problems"]
        cadres = selectable_cadres(user).filter(is_active=True).select_related("organization")
        self.fields["cadre"].queryset = cadres.order_by("organization__path", "name")
        self.fields["cadre"].label_from_instance = lambda c: f"{c.name}（{c.unit}）"
        style_form(self)


class MyVisitForm(VisitForm):
    """A cadre's own visit (我的帮扶户): no cadre to choose, the cadre is the user."""

    class Meta(VisitForm.Meta):
        fields = ["visited_at", "content", "problems", "location"]

    def __init__(self, *args, user=None, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        style_form(self)


class NoteForm(forms.Form):
    text = forms.CharField(label="补充说明", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PassOnForm(forms.Form):
    """Pass a problem on to the request system: its category and kind there."""

    category = forms.ModelChoiceField(label="诉求类别", queryset=None)
    kind = forms.ChoiceField(label="诉求类型", choices=[("help", "求助"), ("consult", "咨询"), ("suggestion", "建议")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = request_queries.active_categories().order_by("pk")
        style_form(self)


# ---- relapse watch and exit checks ------------------------------------------------------------------


class ExpenseForm(forms.Form):
    kind = forms.ChoiceField(label="支出类别", choices=HouseholdExpense.Kind.choices)
    on = forms.DateField(label="发生日期", widget=DateInput)
    amount = forms.DecimalField(label="金额（元）", max_digits=12, decimal_places=2, min_value=0)
    note = forms.CharField(label="情况说明", max_length=300, required=False, help_text="如：住院治疗、房屋受灾")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        style_form(self)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="核实结果", choices=[("", "请选择"), *RelapseReview.Outcome.choices])
    reviewed_on = forms.DateField(label="核实日期", widget=DateInput)
    note = forms.CharField(
        label="核实情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="入户核实了什么"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()
        style_form(self)


class ExitCheckForm(forms.Form):
    on = forms.DateField(label="核查日期", widget=DateInput)
    signed_by = forms.CharField(label="核查签字人", max_length=100, help_text="参加核查并签字的人员，多人用顿号分隔")
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        style_form(self)


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = RelapseThreshold
        fields = ["kind", "name", "amount", "share", "lookback_days", "effective_from", "active", "note"]


class CadenceForm(forms.ModelForm):
    class Meta:
        model = VisitCadence
        fields = [
            "name",
            "applies_to",
            "kind",
            "period",
            "visits_per_household",
            "min_days",
            "min_households",
            "effective_from",
            "is_active",
            "source",
        ]
        widgets = {"effective_from": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
