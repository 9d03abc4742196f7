"""The period of a report (a start and an end date in ?start= and ?end=), for pages and the API.

Every report page (liaison, wishes, and the next ones) reads its period the same way: by default
1 January to today; dates before 2000 or after 2100 are refused (the day after 9999-12-31
overflows, year 1 cannot be put in UTC); a start after the end is swapped on a page.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiceng.core import params
from jiceng.core.pages import style_form


class PeriodForm(forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    start = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(format="%Y-%m-%d"), validators=[params.validate_year]
    )
    end = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(format="%Y-%m-%d"), validators=[params.validate_year]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("开始日期不能晚于结束日期")
        return data


def period_from(request) -> tuple[date, date, PeriodForm]:
    """The period of a report: from the GET parameters, by default 1 January to today."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = date(today.year, 1, 1), today
    if request.GET and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if start > end:
            start, end = end, start
    if not request.GET:
        form = PeriodForm(initial={"start": start, "end": end})
    return start, end, form


def period_errors(request) -> dict[str, list[str]]:
    """The errors of the ?start= and ?end= a request gave (unreadable, or outside the years
    2000–2100); empty when it gave none or they are fine. The API answers 400 with them."""
    if not (request.GET.get("start") or request.GET.get("end")):
        return {}
    form = PeriodForm(request.GET)
    form.is_valid()
    return {name: list(form.errors[name]) for name in ("start", "end") if name in form.errors}


def period_problem(request) -> str:
    """The same in a sentence for a page (which then shows the default period)."""
    errors = period_errors(request)
    if not errors:
        return ""
    parts = [f"{PeriodForm.base_fields[name].label}：{m}" for name, messages in errors.items() for m in messages]
    return "；".join(parts) + "（已按默认期间显示）"


def check_period(request) -> None:
    """For an API view: ?start= / ?end= that cannot be used answer 400 with the reasons."""
    from rest_framework import serializers

    errors = period_errors(request)
    if errors:
        raise serializers.ValidationError(errors)
