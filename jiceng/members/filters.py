"""One filter set for the member list page, its Excel export and the API."""

import django_filters
from django import forms
from django.utils import timezone

from jiceng.core.filters import OrderingFilter
from jiceng.core.scoping import path_q
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import OrganizationPickerFilter

from . import queries, rules
from .models import Member


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=Member.Status.choices)
    active = django_filters.ChoiceFilter(label="范围", choices=[("1", "仅在册（正式和预备）")], method="filter_active")
    gender = django_filters.ChoiceFilter(label="性别", choices=Member.Gender.choices)
    education = django_filters.ChoiceFilter(label="学历", choices=Member.Education.choices)
    age_band = django_filters.ChoiceFilter(label="年龄段", choices=list(rules.AGE_BANDS.items()), method="filter_age")
    klass = django_filters.ChoiceFilter(label="类别", choices=list(queries.CLASSES.items()), method="filter_klass")
    # ?org=<code> (含下级) for links and the API; on the page the organization is picked by name.
    org = django_filters.CharFilter(label="组织编码（含下级）", method="filter_org", widget=forms.HiddenInput)
    organization = OrganizationPickerFilter(label="组织（含下级）", method="filter_organization")
    ordering = OrderingFilter(
        label="排序",
        fields=(
            ("name_pinyin", "name"),
            ("birth_date", "birth_date"),
            ("join_date", "join_date"),
            ("organization__path", "organization"),
        ),
        field_labels={
            "name_pinyin": "姓名",
            "birth_date": "出生日期",
            "join_date": "入党日期",
            "organization__path": "组织",
        },
    )

    class Meta:
        model = Member
        fields = ["status", "gender", "education"]

    def filter_active(self, qs, name, value):
        return qs.filter(status__in=Member.ACTIVE_STATUSES) if value == "1" else qs

    def filter_q(self, qs, name, value):
        return queries.search(qs, value)

    def filter_age(self, qs, name, value):
        return queries.filter_age_band(qs, value, timezone.localdate())

    def filter_klass(self, qs, name, value):
        return queries.filter_class(qs, value)

    def _subtree(self, qs, org):
        return qs.filter(path_q("organization__path", org.path)) if org else qs.none()

    def filter_org(self, qs, name, value):
        return self._subtree(qs, Organization.objects.filter(code=value).first())

    def filter_organization(self, qs, name, value):
        return self._subtree(qs, Organization.objects.filter(pk=value).first())
