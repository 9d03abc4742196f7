"""One filter set for the cadre register, its Excel export and the API (the three show the same
rows)."""

import django_filters
from django.db.models import Q

from jiceng.core import params
from jiceng.core.filters import OrderingFilter
from jiceng.core.scoping import path_q
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import OrganizationPickerFilter

from .models import Post, VillageCadre

YES_NO = [("1", "是"), ("0", "否")]


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    org = OrganizationPickerFilter(label="乡镇、村（含下级）", method="filter_org")
    post = django_filters.ChoiceFilter(label="职务", choices=Post.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=VillageCadre.State.choices)
    pool = django_filters.ChoiceFilter(label="书记人才库", choices=YES_NO, method="filter_pool")
    filed = django_filters.ChoiceFilter(label="县级备案（书记）", choices=YES_NO, method="filter_filed")
    member = django_filters.ChoiceFilter(label="党员", choices=YES_NO, method="filter_member")
    ordering = OrderingFilter(
        label="排序",
        fields=(("name", "name"), ("village__path", "village"), ("post", "post"), ("term_starts_on", "term")),
        field_labels={"name": "姓名", "village__path": "村（社区）", "post": "职务", "term_starts_on": "任职开始"},
    )

    class Meta:
        model = VillageCadre
        fields = ["post", "state"]

    def filter_q(self, qs, name, value):
        text = (value or "").strip()
        if params.has_control_chars(text):
            return qs.none()
        return qs.filter(Q(name__contains=text) | Q(village__name__contains=text)) if text else qs

    def filter_org(self, qs, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        return qs.filter(path_q("village__path", org.path)) if org else qs.none()

    def filter_pool(self, qs, name, value):
        return qs.filter(in_talent_pool=value == "1")

    def filter_filed(self, qs, name, value):
        secretaries = qs.filter(post__in=["secretary", "one_shoulder"])
        return secretaries.filter(filed_on__isnull=value != "1")

    def filter_member(self, qs, name, value):
        return qs.filter(member__isnull=value != "1")
