"""One filter set for the request ledger page, its Excel export and the API."""

from __future__ import annotations

import re
from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from jiceng.core import params
from jiceng.core.filters import OrderingFilter
from jiceng.core.scoping import path_q
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import Category, Department, Request

BOXES = [
    ("todo", "待我单位办理"),
    ("mine", "我经办的"),
    ("overdue", "超期未办"),
]
OVERDUE = [("any", "任一环节超期")] + [(s, f"{rules.STAGE_LABELS[s]}超期") for s in rules.STAGES]
FIGURES = [(k, v) for k, v in queries.FIGURE_LABELS.items()]
STATE_GROUPS = [
    ("open", "办理中（未办结）"),
    ("done", "已办结待评价"),
    ("final", "已关闭"),
]


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number that fits the database column ("²", "1.5" and 20 digits are form
    errors, not a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", params.INT64_MAX)
        super().__init__(*args, **kwargs)


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    box = django_filters.ChoiceFilter(label="视图", choices=BOXES, method="filter_box")
    state = django_filters.ChoiceFilter(label="状态", choices=rules.State.choices)
    stage = django_filters.ChoiceFilter(label="进度", choices=STATE_GROUPS, method="filter_stage")
    overdue = django_filters.ChoiceFilter(label="超期", choices=OVERDUE, method="filter_overdue")
    category = django_filters.ModelChoiceFilter(label="类别", queryset=Category.objects.all())
    kind = django_filters.ChoiceFilter(label="类型", choices=rules.KINDS)
    tier = django_filters.ChoiceFilter(label="办理方式", choices=rules.TIERS)
    priority = django_filters.ChoiceFilter(label="紧急程度", choices=rules.PRIORITIES)
    channel = django_filters.ChoiceFilter(label="渠道", choices=rules.CHANNELS)
    level = django_filters.ChoiceFilter(label="所在层级", choices=rules.LEVELS)
    received_from = django_filters.DateFilter(
        label="受理日期从",
        method="filter_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[params.validate_year],
    )
    received_to = django_filters.DateFilter(
        label="受理日期至",
        method="filter_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[params.validate_year],
    )
    month = django_filters.CharFilter(label="月份（YYYY-MM）", method="filter_month")
    organization = IdFilter(label="受理地（含下级）", method="filter_organization")
    department = IdFilter(label="承办部门", method="filter_department")
    handler = IdFilter(label="经办人", field_name="holder_user_id")
    figure = django_filters.ChoiceFilter(label="统计口径", choices=FIGURES, method="filter_figure")
    ordering = OrderingFilter(
        label="排序",
        fields=(("received_at", "received_at"), ("done_due_at", "done_due_at"), ("state", "state")),
        field_labels={"received_at": "受理时间", "done_due_at": "办结时限", "state": "状态"},
    )

    class Meta:
        model = Request
        fields = ["state", "category", "kind", "tier", "priority", "channel", "level"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)
        self.now = timezone.now()

    def filter_queryset(self, queryset):
        # An empty or unknown ?ordering= must not leave the list unordered (pages would overlap).
        qs = super().filter_queryset(queryset)
        return qs if qs.ordered else qs.order_by("-received_at", "-id")

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        ticket = rules.normalize_ticket(value)
        condition = Q(ticket=ticket) | Q(description__icontains=value) | Q(place__icontains=value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 4 and digits == value:
            condition |= Q(phone__endswith=digits)
        return qs.filter(condition)

    def filter_box(self, qs, name, value):
        user = self.user
        if value == "mine":
            return qs.filter(holder_user=user)
        if value == "overdue":
            return qs.filter(queries.overdue_q(self.now))
        if value == "todo":
            department = queries.department_of(user) if user is not None else None
            unit = Q(pk__in=[])
            if department is not None:
                unit |= Q(holder_department=department)
            if user is not None and user.organization_id:
                unit |= Q(holder_org_id=user.organization_id)
            return qs.filter(unit, state__in=list(rules.OPEN_STATES))
        return qs

    def filter_stage(self, qs, name, value):
        groups = {"open": rules.OPEN_STATES, "done": rules.DONE, "final": rules.FINAL}
        return qs.filter(state__in=list(groups[value]))

    def filter_overdue(self, qs, name, value):
        return qs.filter(queries.overdue_q(self.now, None if value == "any" else value))

    def filter_from(self, qs, name, value):
        return qs.filter(received_at__gte=queries.period_bounds(value, value)[0])

    def filter_to(self, qs, name, value):
        return qs.filter(received_at__lt=queries.period_bounds(value, value)[1])

    def filter_month(self, qs, name, value):
        match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", value.strip())
        if not match or not 1 <= int(match.group(2)) <= 12 or not params.year_in_range(int(match.group(1))):
            return qs.none()
        start, end = queries.month_bounds(date(int(match.group(1)), int(match.group(2)), 1))
        return qs.filter(received_at__gte=start, received_at__lt=end)

    def filter_organization(self, qs, name, value):
        org = Organization.objects.filter(pk=value).first()
        return qs.filter(path_q("organization__path", org.path)) if org else qs.none()

    def filter_department(self, qs, name, value):
        department = Department.objects.filter(pk=value).first()
        return qs.filter(holder_department=department) if department else qs.none()

    def filter_figure(self, qs, name, value):
        # The figures leave dismissed requests out, so do their lists.
        if value != "dismissed":
            qs = qs.exclude(state=rules.State.DISMISSED)
        return qs.filter(queries.figure_q(value, self.now))
