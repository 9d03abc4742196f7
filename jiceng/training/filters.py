"""Filter sets shared by the list pages, their Excel exports and the API."""

import django_filters
from django.db.models import Q

from jiceng.core.filters import OrderingFilter, YearFilter
from jiceng.core.scoping import path_q
from jiceng.members import queries as member_queries
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import OrganizationPickerFilter

from .models import Course, OrganizationDemerit, Session, StudyRecord, Venue


def _subtree(qs, field: str, org_id):
    org = Organization.objects.filter(pk=org_id).first()
    return qs.filter(path_q(field, org.path)) if org else qs.none()


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    kind = django_filters.ChoiceFilter(label="类别", choices=Course.Kind.choices)
    year = YearFilter(label="年度")
    organizer = OrganizationPickerFilter(label="主办组织（含下级）", method="filter_organizer")
    ordering = OrderingFilter(
        label="排序",
        fields=(
            ("year", "year"),
            ("title", "title"),
            ("first_session", "first_session"),
            ("trainee_count", "trainees"),
        ),
        field_labels={"year": "年度", "title": "名称", "first_session": "开班日期", "trainee_count": "学员数"},
    )

    class Meta:
        model = Course
        fields = ["kind", "year"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__contains=value) | Q(organizer__name__contains=value))

    def filter_organizer(self, qs, name, value):
        return _subtree(qs, "organizer__path", value)


class SessionFilter(django_filters.FilterSet):
    course = django_filters.NumberFilter(label="培训班ID")
    since = django_filters.DateFilter(label="起始日期", field_name="on", lookup_expr="gte")
    until = django_filters.DateFilter(label="截止日期", field_name="on", lookup_expr="lte")

    class Meta:
        model = Session
        fields = ["course"]


class TraineeFilter(django_filters.FilterSet):
    """Members whose credit cards are listed."""

    q = django_filters.CharFilter(label="姓名/拼音", method="filter_q")
    organization = OrganizationPickerFilter(label="组织（含下级）", method="filter_organization")
    secretaries = django_filters.ChoiceFilter(
        label="职务", choices=[("1", "仅书记、副书记")], method="filter_secretaries"
    )

    class Meta:
        model = Member
        fields = []

    def filter_q(self, qs, name, value):
        return member_queries.search(qs, value)

    def filter_organization(self, qs, name, value):
        return _subtree(qs, "organization__path", value)

    def filter_secretaries(self, qs, name, value):
        return qs.filter(post__contains="书记") if value == "1" else qs


class StudyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="姓名/内容", method="filter_q")
    source = django_filters.ChoiceFilter(label="方式", choices=StudyRecord.Source.choices)
    organization = OrganizationPickerFilter(label="组织（含下级）", method="filter_organization")
    since = django_filters.DateFilter(label="起始日期", field_name="on", lookup_expr="gte")
    until = django_filters.DateFilter(label="截止日期", field_name="on", lookup_expr="lte")

    class Meta:
        model = StudyRecord
        fields = ["source"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(member__name__contains=value) | Q(title__contains=value))

    def filter_organization(self, qs, name, value):
        return _subtree(qs, "member__organization__path", value)  # where the member is now


class DemeritFilter(django_filters.FilterSet):
    year = YearFilter(label="年度")
    organization = OrganizationPickerFilter(label="组织（含下级）", method="filter_organization")
    state = django_filters.ChoiceFilter(
        label="状态", choices=[("active", "有效"), ("withdrawn", "已撤销")], method="filter_state"
    )

    class Meta:
        model = OrganizationDemerit
        fields = ["year"]

    def filter_organization(self, qs, name, value):
        return _subtree(qs, "organization__path", value)

    def filter_state(self, qs, name, value):
        return qs.filter(withdrawn_at__isnull=value == "active")


class VenueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="contains")
    kind = django_filters.ChoiceFilter(label="类别", choices=Venue.Kind.choices)

    class Meta:
        model = Venue
        fields = ["kind"]
