"""One filter set for the file list page, its Excel export and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from jiceng.core.filters import OrderingFilter, YearFilter
from jiceng.core.scoping import path_q
from jiceng.members.queries import search
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import OrganizationPickerFilter

from . import queries, rules
from .models import DevelopmentFile

DUE_CHOICES = [("overdue", "有逾期事项")] + [(k, f"逾期：{v}") for k, v in queries.DUE_KINDS.items()]


class DevelopmentFileFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    stage = django_filters.ChoiceFilter(label="阶段", choices=DevelopmentFile.STAGE_CHOICES)
    identity = django_filters.ChoiceFilter(
        label="身份", choices=list(rules.IDENTITIES.items()), method="filter_identity"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=DevelopmentFile.Status.choices)
    last_step = django_filters.ChoiceFilter(label="当前步骤", choices=DevelopmentFile.STEP_CHOICES[1:])
    due = django_filters.ChoiceFilter(label="逾期", choices=DUE_CHOICES, method="filter_due")
    organization = OrganizationPickerFilter(label="组织（含下级）", method="filter_organization")
    admitted_by = OrganizationPickerFilter(label="作出接收的组织（含下级）", method="filter_admitted_by")
    approved_year = YearFilter(label="接收年度", method="filter_approved_year")
    ordering = OrderingFilter(
        label="排序",
        fields=(
            ("name_pinyin", "name"),
            ("applied_on", "applied_on"),
            ("last_step_on", "last_step_on"),
            ("last_step", "last_step"),
            ("organization__path", "organization"),
        ),
        field_labels={
            "name_pinyin": "姓名",
            "applied_on": "申请日期",
            "last_step_on": "最近一步日期",
            "last_step": "当前步骤",
            "organization__path": "党支部",
        },
    )

    class Meta:
        model = DevelopmentFile
        fields = ["stage", "status", "last_step"]

    def filter_q(self, qs, name, value):
        return search(qs, value)

    def filter_identity(self, qs, name, value):
        open_ = Q(status=DevelopmentFile.Status.OPEN)
        ranges = {
            rules.APPLICANT: open_ & Q(last_step__lte=2),
            rules.ACTIVIST: open_ & Q(last_step__gte=3, last_step__lte=6),
            rules.CANDIDATE: open_ & Q(last_step__gte=7, last_step__lte=16),
            rules.PROBATIONARY: open_ & Q(last_step__gte=17) & ~Q(approved_outcome=rules.TO_FULL, last_step__gte=24),
            rules.FULL: Q(status=DevelopmentFile.Status.COMPLETED)
            | (open_ & Q(approved_outcome=rules.TO_FULL, last_step__gte=24)),
        }
        return qs.filter(ranges[value]) if value in ranges else qs

    def filter_due(self, qs, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return qs.filter(queries.overdue_filter(today))
        column = {
            queries.TALK: "talk_due_on",
            queries.REVIEW: "review_due_on",
            queries.APPROVAL: "approval_due_on",
            queries.PROBATION: "probation_due_on",
        }.get(value)
        if column is None:
            return qs
        return qs.filter(status=DevelopmentFile.Status.OPEN, **{f"{column}__lt": today})

    def filter_organization(self, qs, name, value):
        org = Organization.objects.filter(pk=value).first()
        return qs.filter(path_q("organization__path", org.path)) if org else qs.none()

    def filter_admitted_by(self, qs, name, value):
        """Files whose person was admitted (steps 15 and 17) by the organization or one below it,
        wherever the file is now (`queries.admitted_path`, as the stage table and idle ledger count)."""
        org = Organization.objects.filter(pk=value).first()
        if org is None:
            return qs.none()
        return (
            qs.filter(approved_on__isnull=False)
            .annotate(admitted=queries.admitted_path())
            .filter(path_q("admitted", org.path))
        )

    def filter_approved_year(self, qs, name, value):
        return qs.filter(approved_on__year=value)
