from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form

from . import rules
from .models import DuesBase, DuesPayment, DuesSettings


class MonthField(forms.CharField):
    """A month as `<input type="month">` (2026-11); cleaned to the first day of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return rules.parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class MoneyField(forms.CharField):
    """An amount in yuan read by rules.parse_money ("50", "¥1,000.50", "５０元"), with the
    rules' bounds and Chinese messages; cleaned to a Decimal (None when empty)."""

    def __init__(self, *, maximum=rules.MAX_INCOME, money_label: str = "金额", **kwargs):
        self.maximum, self.money_label = maximum, money_label
        super().__init__(**kwargs)
        self.widget.attrs["inputmode"] = "decimal"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            value = str(value)
        try:
            return rules.parse_money(value, label=self.money_label, maximum=self.maximum)
        except rules.DuesRuleError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PaymentForm(forms.Form):
    first_month = MonthField(label="所属月份（起）")
    last_month = MonthField(
        label="所属月份（止）",
        required=False,
        help_text="一次交纳多个月（补交或经支部同意按季度交纳）时填写；留空即只交一个月",
    )
    paid_on = forms.DateField(label="交纳日期", widget=forms.DateInput(format="%Y-%m-%d"))
    method = forms.ChoiceField(label="交纳方式", choices=DuesPayment.Method.choices)
    amount = MoneyField(
        label="每月实交金额（元）",
        required=False,
        maximum=rules.MAX_PAYMENT,
        money_label="实交金额",
        help_text="留空即按核定的月应交额；多于应交额须在备注中说明（如自愿多交）",
    )
    receipt = forms.CharField(label="收据号", max_length=50, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and rules.span_error(first, last):
            self.add_error("last_month", rules.span_error(first, last))
        return data

    def months(self) -> list:
        first = self.cleaned_data["first_month"]
        return rules.month_range(first, self.cleaned_data.get("last_month") or first)


class BaseForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=rules.FIRST_YEAR, max_value=rules.LAST_YEAR)
    category = forms.ChoiceField(label="交纳类别", choices=DuesBase.Category.choices)
    income = MoneyField(
        label="计算基数（月收入，元）",
        required=False,
        money_label="月收入",
        help_text="在职：月工资收入（税后）；离退休：月离退休费或养老金；其他：上年月平均收入。其余类别不填",
    )
    farmer_amount = MoneyField(
        label="农民党员月交纳额（元）",
        required=False,
        maximum=rules.FARMER_MAX,
        money_label="农民党员月交纳额",
        help_text="0.20至1.00元；留空按本县默认",
    )
    reduced_amount = MoneyField(
        label="经批准少交后的月交纳额（元）",
        required=False,
        maximum=rules.MAX_PAYMENT,
        money_label="少交后的月交纳额",
        help_text="仅交纳确有困难、经党支部研究并报上一级党委批准的填写；0 即免交",
    )
    reduction_note = forms.CharField(label="少交或免交批准情况", max_length=200, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "farmer_amount"
        ].help_text = f"0.20至1.00元；留空按本县默认（{DuesSettings.current().farmer_amount}元）"
        style_form(self)


class ConsentForm(forms.Form):
    first_month = MonthField(label="起始月份")
    last_month = MonthField(label="截止月份")
    decided_on = forms.DateField(label="支部同意日期", widget=forms.DateInput(format="%Y-%m-%d"))
    decision = forms.CharField(label="同意依据", max_length=200, help_text="如：支部委员会2026年1月8日会议研究同意")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DeletePaymentForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class SettingsForm(forms.ModelForm):
    ledger_start = MonthField(
        label="党费台账起始月份", required=False, help_text=DuesSettings._meta.get_field("ledger_start").help_text
    )

    class Meta:
        model = DuesSettings
        fields = ["farmer_amount", "ledger_start", "reminder_day"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.ledger_start:
            self.initial["ledger_start"] = f"{self.instance.ledger_start:%Y-%m}"
        style_form(self)


class CalculatorForm(forms.Form):
    category = forms.ChoiceField(label="党员类别", choices=DuesBase.Category.choices, initial=rules.EMPLOYED)
    income = forms.CharField(label="月收入（税后，元）", required=False, help_text="在职、离退休、其他类别填写")
    amount = forms.CharField(label="农民党员月交纳额（元）", required=False, help_text="0.20至1.00元；留空按本县默认")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        self.fields["income"].widget.attrs["inputmode"] = "decimal"
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def default_paid_on():
    return timezone.localdate()
