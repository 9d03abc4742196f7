import django_filters
from django.db.models import Q

from jiceng.core.filters import OrderingFilter
from jiceng.core.scoping import path_q

from .models import Organization
from .picker import OrganizationPickerFilter


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    type = django_filters.ChoiceFilter(label="类型", choices=Organization.Type.choices)
    domain = django_filters.ChoiceFilter(label="领域", choices=Organization.Domain.choices)
    parent = OrganizationPickerFilter(label="上级组织")
    within = OrganizationPickerFilter(label="组织（含下级）", method="filter_within")
    depth = django_filters.NumberFilter(label="层级")
    ordering = OrderingFilter(
        label="排序",
        fields=(("path", "path"), ("name", "name"), ("code", "code"), ("term_end", "term_end")),
        field_labels={"path": "层级顺序", "name": "名称", "code": "编码", "term_end": "任期届满"},
    )

    class Meta:
        model = Organization
        fields = ["type", "domain", "parent", "depth", "has_committee"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__contains=value) | Q(code__startswith=value) | Q(short_name__contains=value))

    def filter_within(self, qs, name, value):
        org = Organization.objects.filter(pk=value).first()
        return qs.filter(path_q("path", org.path)) if org else qs.none()
