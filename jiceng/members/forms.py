from django import forms

from jiceng.core.pages import style_form
from jiceng.core.phones import mobile_error
from jiceng.orgs.picker import pick_organizations_when_large, pick_when_large

from .models import Member


def iso_dates(form: forms.Form) -> None:
    """<input type=date> accepts only 2026-11-25; the zh-hans locale would render 2026/11/25,
    which the browser drops, so the stored date (or today's default) would show empty."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.DateInput) and field.widget.input_type == "date":
            field.widget.format = "%Y-%m-%d"


class MemberForm(forms.ModelForm):
    id_number = forms.CharField(
        label="公民身份号码", max_length=18, required=False, help_text="18位；新增时必填，编辑时留空表示不修改"
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "gender",
            "ethnicity",
            "phone",
            "education",
            "occupation",
            "status",
            "join_date",
            "full_date",
            "organization",
            "post",
            "is_mobile",
            "mobile_destination",
            "registered_community",
        ]
        widgets = {"join_date": forms.DateInput(), "full_date": forms.DateInput()}

    def __init__(self, *args, organizations=None, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        if communities is not None:
            self.fields["registered_community"].queryset = communities
        self.fields["gender"].required = False
        self.fields["gender"].help_text = "可留空，按身份证号自动判断"
        if self.instance.pk:
            del self.fields["status"]  # status changes go through the status form, with history
        else:
            self.fields["id_number"].required = True
            self.fields["status"].choices = [c for c in Member.Status.choices if c[0] in Member.ACTIVE_STATUSES]
        style_form(self)
        iso_dates(self)
        pick_when_large(self.fields["organization"])
        pick_when_large(self.fields["registered_community"], "输入村、社区或网格的名称查找")

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if message := mobile_error(phone):
            raise forms.ValidationError(message)
        return phone


class StatusForm(forms.Form):
    # 转接途中 is entered and left only through a transfer (jiceng.transfers).
    to_status = forms.ChoiceField(
        label="新状态", choices=[c for c in Member.Status.choices if c[0] != Member.Status.IN_TRANSIT]
    )
    on = forms.DateField(label="日期", widget=forms.DateInput())
    removal_reason = forms.ChoiceField(
        label="出党方式", choices=[("", "—")] + list(Member.RemovalReason.choices), required=False
    )
    reason = forms.CharField(label="原因/说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        iso_dates(self)


class LeadHouseholdForm(forms.Form):
    households = forms.IntegerField(label="联系户数", min_value=1, max_value=50)
    area = forms.CharField(label="联系范围", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class BirthdayFilterForm(forms.Form):
    """Month and organization of the political-birthday list."""

    month = forms.DateField(label="月份", input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}))
    organization = forms.ModelChoiceField(label="党组织（含下级）", queryset=None, required=False, empty_label="全部")

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        style_form(self)
        self.fields["month"].widget.input_type, self.fields["month"].widget.format = "month", "%Y-%m"
        pick_organizations_when_large(self, organization="输入党组织名称查找，不填为全部")
