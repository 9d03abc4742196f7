"""Filters shared by the list pages (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms


class OrderingFilter(django_filters.OrderingFilter):
    """Sort options in Chinese: django-filter's own words ("姓名 (descending)") come from its
    translations, which have no zh-hans catalogue."""

    descending_fmt = "%s（降序）"


class YearField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    """A year, 1900–2100, whole: ?year=0.0 or 1e-5 answers 400 (the list pages ignore it) instead
    of reaching the database as year 0 (a server error)."""

    field_class = YearField
