"""One filter set for the household list, its Excel export and the API (the three show the same
rows), and the coverage page's links."""

import django_filters
from django import forms
from django.db.models import Q

from jiceng.core import params
from jiceng.core.filters import OrderingFilter
from jiceng.core.scoping import path_q
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import OrganizationPickerFilter

from . import queries
from .models import Household, HouseholdMember, Pair, RelapseFlag, RelapseThreshold

PAIRED = [("1", "已结对"), ("0", "未结对")]
VISITS = [("month", "本月已走访"), ("overdue", "超期未走访")]


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    org = OrganizationPickerFilter(label="乡镇、村（含下级）", method="filter_org")
    status = django_filters.ChoiceFilter(label="状态", choices=Household.Status.choices)
    kind = django_filters.ChoiceFilter(label="户类别", choices=Household.Kind.choices)
    cause = django_filters.ChoiceFilter(label="主要致贫原因", choices=Household.Cause.choices)
    paired = django_filters.ChoiceFilter(label="结对", choices=PAIRED, method="filter_paired")
    visits = django_filters.ChoiceFilter(label="走访", choices=VISITS, method="filter_visits")
    cadre = django_filters.NumberFilter(label="帮扶干部", method="filter_cadre", widget=forms.HiddenInput)
    ordering = OrderingFilter(
        label="排序",
        fields=(("number", "number"), ("head_name", "head_name"), ("village__path", "village"), ("status", "status")),
        field_labels={"number": "户编号", "head_name": "户主", "village__path": "村（社区）", "status": "状态"},
    )

    class Meta:
        model = Household
        fields = ["status", "kind", "cause"]

    def filter_q(self, qs, name, value):
        text = (value or "").strip()
        if params.has_control_chars(text):
            return qs.none()
        if not text:
            return qs
        people = HouseholdMember.objects.filter(name=text).values("household_id")
        return qs.filter(Q(head_name__contains=text) | Q(number__startswith=text) | Q(pk__in=people))

    def filter_org(self, qs, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        return qs.filter(path_q("village__path", org.path)) if org else qs.none()

    def filter_paired(self, qs, name, value):
        return queries.with_open_pair(qs, value == "1")

    def filter_visits(self, qs, name, value):
        return queries.visited_this_month(qs) if value == "month" else queries.overdue(qs)

    def filter_cadre(self, qs, name, value):
        return qs.filter(pk__in=Pair.objects.filter(ends_on__isnull=True, cadre_id=value).values("household_id"))


class FlagFilter(django_filters.FilterSet):
    """The relapse flags' list, its export and the API; the coverage page's flag figures link to it
    (``org`` and ``state``)."""

    org = OrganizationPickerFilter(label="乡镇、村（含下级）", method="filter_org")
    kind = django_filters.ChoiceFilter(label="预警类别", choices=RelapseThreshold.Kind.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=RelapseFlag.State.choices)
    household = django_filters.NumberFilter(label="帮扶户", widget=forms.HiddenInput)

    class Meta:
        model = RelapseFlag
        fields = ["kind", "state", "household"]

    def filter_org(self, qs, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        return qs.filter(path_q("household__village__path", org.path)) if org else qs.none()
