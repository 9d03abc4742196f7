from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form
from jiceng.core.point_sources import CATEGORIES, registered
from jiceng.core.uploads import MultiplePhotoField

from .models import PointItem, PointsScheme, RatingsSettings


class ClaimForm(forms.Form):
    item = forms.ModelChoiceField(label="积分项目", queryset=PointItem.objects.none())
    on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="事项说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    photos = MultiplePhotoField(label="佐证照片", help_text="可选，最多 6 张")

    def __init__(self, *args, items=None, own_member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["on"].initial = timezone.localdate()
        style_form(self)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "不通过")])
    reason = forms.CharField(label="审核意见", required=False, max_length=200)


class RecomputeForm(forms.Form):
    month = forms.DateField(label="月份", input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}))


class SchemeForm(forms.ModelForm):
    valid_from = forms.DateField(
        label="起用月份",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="该月1日起按新版本计分；已计分的月份不受影响",
    )

    class Meta:
        model = PointsScheme
        fields = ["valid_from", "name", "monthly_cap", "unqualified_below", "leave_after_years", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def validate_unique(self):
        """A version not yet used by any ledger line may be replaced by another from the same month
        (services.new_scheme_version decides and says why not); the form does not refuse it."""


def source_choices():
    return [("", "（党员申报，支部审核）")] + [(code, f"{s.name}（{code}）") for code, s in registered().items()]


class ItemForm(forms.ModelForm):
    source = forms.ChoiceField(label="来源", required=False)

    class Meta:
        model = PointItem
        fields = ["code", "name", "source", "category", "points", "cap_month", "cap_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()
        self.fields["category"].choices = list(CATEGORIES.items())
        style_form(self)


ItemFormSet = forms.formset_factory(ItemForm, extra=2, can_delete=True)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RatingsSettings
        fields = RatingsSettings.SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
