"""Filters shared by the list pages (django-filter)."""

from __future__ import annotations

import django_filters


class OrderingFilter(django_filters.OrderingFilter):
    """Sort options in Chinese: django-filter's own words ("姓名 (descending)") come from its
    translations, which have no zh-hans catalogue."""

    descending_fmt = "%s（降序）"
