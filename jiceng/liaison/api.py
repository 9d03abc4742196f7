"""/api/v1/liaison/…: read-only, scoped like the pages (same filters as the ledgers), phone
numbers masked; the report figures with the links to their records."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.periods import check_period, period_from
from jiceng.core.scoping import is_member_role, page_root

from . import queries
from .models import Problem, Representative, Visit
from .views import problems, representatives, visits


def _no_members(request):
    if is_member_role(request.user):
        raise PermissionDenied("党员账号不能使用该接口")


class RepresentativeSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    station_name = serializers.CharField(source="station.name", read_only=True, default=None, allow_null=True)
    visit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Representative
        fields = [
            "id",
            "name",
            "level",
            "level_display",
            "congress",
            "unit_post",
            "phone",
            "organization",
            "organization_name",
            "team",
            "team_name",
            "station",
            "station_name",
            "member",
            "is_active",
            "visit_count",
        ]


class RepresentativeViewSet(viewsets.ReadOnlyModelViewSet):
    """党代表名册. Filters as on the page: org, team, level, active (1/0), q, visited_in+start+end."""

    serializer_class = RepresentativeSerializer

    def get_queryset(self):
        _no_members(self.request)
        check_period(self.request)
        return representatives.listed(self.request).order_by("organization__path", "name", "pk")


class VisitSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    representative_names = serializers.SerializerMethodField()
    problem_count = serializers.IntegerField(read_only=True)
    solved_count = serializers.IntegerField(read_only=True)
    passed_count = serializers.IntegerField(read_only=True)
    pending_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "date",
            "organization",
            "organization_name",
            "kind",
            "kind_display",
            "station",
            "representatives",
            "representative_names",
            "place",
            "households_reached",
            "note",
            "problem_count",
            "solved_count",
            "passed_count",
            "pending_count",
        ]

    def get_representative_names(self, obj) -> list[str]:
        return [r.name for r in obj.representatives.all()]


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    """党代表走访台账. Filters: org, start, end, kind, representative, q."""

    serializer_class = VisitSerializer

    def get_queryset(self):
        _no_members(self.request)
        check_period(self.request)
        return visits.with_reps(visits.listed(self.request)).order_by("-date", "-pk")


class ProblemSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="visit.date", read_only=True)
    organization = serializers.IntegerField(source="visit.organization_id", read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    resident_name = serializers.SerializerMethodField()
    phone = serializers.CharField(source="masked_phone", read_only=True)
    request_ticket = serializers.CharField(source="request.ticket", read_only=True, default=None, allow_null=True)
    request_state = serializers.CharField(source="request.state", read_only=True, default=None, allow_null=True)
    to_department = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "id",
            "visit",
            "date",
            "organization",
            "description",
            "category_code",
            "category_name",
            "kind",
            "outcome",
            "outcome_display",
            "solution",
            "resident_name",
            "phone",
            "request",
            "request_ticket",
            "request_state",
            "to_department",
        ]

    def get_resident_name(self, obj) -> str:
        from .rules import mask_name

        return mask_name(obj.resident_name)

    def get_to_department(self, obj) -> bool:
        req = obj.request
        return bool(req and (req.holder_department_id or req.resolved_level == "department"))


class ProblemViewSet(viewsets.ReadOnlyModelViewSet):
    """走访问题台账. Filters: org, start, end, outcome, to_department=1, category, q."""

    serializer_class = ProblemSerializer

    def get_queryset(self):
        _no_members(self.request)
        check_period(self.request)
        return problems.listed(self.request).order_by("-visit__date", "-pk")


class FiguresView(APIView):
    """The report figures of ?org= (default: your organization) for ?start= … ?end= (default:
    this year), with the sentence and the URL of the records behind each figure."""

    def get(self, request):
        _no_members(request)
        check_period(request)
        root = page_root(request)
        start, end, _ = period_from(request)
        data = queries.report(request.user, root, start, end)
        return Response(
            {
                "organization": root.pk,
                "organization_name": root.name,
                "start": start,
                "end": end,
                "figures": asdict(data["total"]),
                "links": data["links"],
                "sentence": data["sentence"],
                "children": [
                    {
                        "organization": row.organization.pk if row.organization else None,
                        "label": row.label,
                        "figures": asdict(row.figures),
                    }
                    for row in data["rows"]
                ],
            }
        )


def register(router) -> None:
    router.register("liaison/representatives", RepresentativeViewSet, basename="liaison-representative")
    router.register("liaison/visits", VisitViewSet, basename="liaison-visit")
    router.register("liaison/problems", ProblemViewSet, basename="liaison-problem")


urlpatterns = [path("liaison/figures/", FiguresView.as_view(), name="liaison-figures")]
