"""One filter set for the transfer list page, its Excel export and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from jiceng.core.filters import OrderingFilter
from jiceng.orgs.models import Organization

from . import queries
from .models import Transfer


class TransferFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q", help_text="姓名或介绍信编号")
    kind = django_filters.ChoiceFilter(label="类型", choices=Transfer.Kind.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=Transfer.State.choices)
    overdue = django_filters.ChoiceFilter(
        label="超期", choices=[("1", "仅超期未确认")], method="filter_overdue", empty_label="全部"
    )
    organization = django_filters.NumberFilter(label="组织ID（含下级，转出或转入）", method="filter_organization")
    direction = django_filters.ChoiceFilter(
        label="方向",
        choices=[("out", "转出（发往本组织以外）"), ("in", "转入（来自本组织以外）")],
        method="filter_direction",
        empty_label="全部",
    )
    issued_from = django_filters.DateFilter(label="开具日期起", field_name="issued_on", lookup_expr="gte")
    issued_to = django_filters.DateFilter(label="开具日期止", field_name="issued_on", lookup_expr="lte")
    ordering = OrderingFilter(
        label="排序",
        fields=(
            ("issued_on", "issued_on"),
            ("valid_until", "valid_until"),
            ("due_on", "due_on"),
            ("member_name", "name"),
        ),
        field_labels={"issued_on": "开具日期", "valid_until": "有效期", "due_on": "确认期限", "member_name": "姓名"},
    )

    class Meta:
        model = Transfer
        fields = ["kind", "state"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user or getattr(self.request, "user", None)

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(member_name__contains=value) | Q(letter_number__contains=value)) if value else qs

    def filter_overdue(self, qs, name, value):
        return qs.filter(queries.overdue_q(timezone.localdate())) if value == "1" else qs

    def _org(self):
        value = self.form.cleaned_data.get("organization")
        if value:
            return Organization.objects.filter(pk=value).first()
        root = getattr(self.user, "organization", None)
        return None if getattr(self.user, "is_superuser", False) and root is None else root

    def filter_organization(self, qs, name, value):
        org = Organization.objects.filter(pk=value).first()
        return qs.filter(queries.either_side_in(org.path)) if org else qs.none()

    def filter_direction(self, qs, name, value):
        """Leaving or entering the organization's subtree (a transfer between two of its own
        branches is neither), as the command screen counts 转出在途 and 转入待接收."""
        org = self._org()
        if org is None:
            return qs.filter(Q(from_org__isnull=True) if value == "in" else Q(to_org__isnull=True))
        return qs.filter(queries.outgoing_from(org.path) if value == "out" else queries.incoming_to(org.path))
