from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form
from jiceng.core.phones import mobile_error
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import pick_when_large

from .models import Transfer, TransferSettings


class MonthField(forms.DateField):
    """A month (<input type=month>, e.g. 2026-11), kept as the first day of the month."""

    widget = forms.DateInput(format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


def styled(form: forms.Form) -> forms.Form:
    """Tabler classes, and HTML5 date and month inputs with the ISO value formats they need
    (the zh-hans locale would otherwise render 2026/11/25, which a date input rejects)."""
    style_form(form)
    for field in form.fields.values():
        if isinstance(field, MonthField):
            field.widget.input_type, field.widget.format = "month", "%Y-%m"
        elif isinstance(field.widget, forms.DateInput):
            field.widget.format = "%Y-%m-%d"
    return form


class IssueForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型",
        choices=[(Transfer.Kind.WITHIN, "县内转接（接收方在本县）"), (Transfer.Kind.OUT, "转出县外")],
        widget=forms.RadioSelect,
        initial=Transfer.Kind.WITHIN,
    )
    to_org_code = forms.CharField(
        label="接收党组织（县内）",
        max_length=32,
        required=False,
        help_text="输入组织名称或编码查找，选中后填入编码",
        widget=forms.TextInput(attrs={"list": "org-options", "autocomplete": "off"}),
    )
    to_name = forms.CharField(label="接收党组织（县外）", max_length=200, required=False)
    region = forms.CharField(label="去往地区", max_length=100, required=False, help_text="如：湖北省武汉市洪山区")
    letter_number = forms.CharField(label="介绍信编号", max_length=50, required=False, help_text="留空则按年度自动编号")
    issued_on = forms.DateField(label="开具日期", widget=forms.DateInput())
    valid_until = forms.DateField(label="有效期至", widget=forms.DateInput(), required=False)
    reason = forms.ChoiceField(label="转接原因", choices=Transfer.Reason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, validity_days: int = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].initial = timezone.localdate()
        self.fields["valid_until"].help_text = f"留空则为开具日期后{validity_days}天"
        styled(self)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        code = (data.get("to_org_code") or "").strip()
        data["to_org"] = None
        if data.get("kind") == Transfer.Kind.WITHIN:
            if not code:
                self.add_error("to_org_code", "县内转接须填写接收党组织")
            else:
                # Any organization of the county may receive: the sender names it by code.
                org = Organization.objects.filter(code=code).first()
                if org is None:
                    self.add_error("to_org_code", f"没有编码为“{code}”的党组织，请从列表中选择")
                data["to_org"] = org
        return data


class IncomingForm(forms.Form):
    to_org = forms.ModelChoiceField(label="接收党组织", queryset=Organization.objects.none())
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    member_status = forms.ChoiceField(
        label="党员类别",
        choices=[(Member.Status.FULL, "正式党员"), (Member.Status.PROBATIONARY, "预备党员")],
    )
    join_date = forms.DateField(label="入党日期", widget=forms.DateInput())
    full_date = forms.DateField(label="转正日期", widget=forms.DateInput(), required=False)
    from_name = forms.CharField(label="转出党组织（县外）", max_length=200)
    region = forms.CharField(label="来自地区", max_length=100, required=False, help_text="如：广东省深圳市南山区")
    letter_number = forms.CharField(label="介绍信编号", max_length=50)
    issued_on = forms.DateField(label="开具日期", widget=forms.DateInput())
    valid_until = forms.DateField(label="有效期至", widget=forms.DateInput())
    dues_paid_until = MonthField(label="党费交至", required=False)
    reason = forms.ChoiceField(label="转接原因", choices=Transfer.Reason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["to_org"].queryset = organizations
        styled(self)
        pick_when_large(self.fields["to_org"])

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if message := mobile_error(phone):
            raise forms.ValidationError(message)
        return phone


class ConfirmForm(forms.Form):
    on = forms.DateField(label="报到（接收）日期", widget=forms.DateInput())
    receipt_on = forms.DateField(label="回执收到日期", widget=forms.DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = self.fields["receipt_on"].initial = timezone.localdate()
        styled(self)


class CloseForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)


class ExtendForm(forms.Form):
    valid_until = forms.DateField(label="新的有效期至", widget=forms.DateInput())
    letter_number = forms.CharField(
        label="新介绍信编号", max_length=50, required=False, help_text="重开时填写；留空沿用原编号"
    )
    reissued_on = forms.DateField(label="重开日期", widget=forms.DateInput(), required=False, help_text="留空为今天")
    reason = forms.CharField(label="原因", max_length=200, help_text="如：党支部出具证明、本人申请")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TransferSettings
        fields = ["default_validity_days", "max_validity_months", "receipt_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)
        for field in self.fields.values():
            field.widget.attrs["min"] = 1
        self.fields["default_validity_days"].validators.append(_at_least_one)
        self.fields["max_validity_months"].validators.append(_at_least_one)

    def clean(self):
        data = super().clean()
        days, months = data.get("default_validity_days"), data.get("max_validity_months")
        if days and months and days > months * 31:
            self.add_error("default_validity_days", "默认有效期不能超过最长有效期")
        return data


def _at_least_one(value):
    if value < 1:
        raise forms.ValidationError("至少为1")
