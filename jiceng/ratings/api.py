"""/api/v1/ratings/…: member points, scoped like the pages.

- ``points/?org=&year=``: the ranking of the active members of a subtree (staff only);
- ``points/<member id>/?year=``: a member's ledger for a year, month by month, each line with
  its source and record (a member may read their own; an outsider gets 404).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.openapi import MonthField
from jiceng.core.scoping import get_visible_or_404, page_root, require_staff, visible
from jiceng.members.models import Member

from . import queries
from .models import RectificationEvent, RectificationTask, WeakOrganization
from .views.points import STAFF_ONLY, year_of

YEAR = OpenApiParameter("year", int, description="年度（默认今年）")


class RankingSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    total = serializers.DecimalField(max_digits=9, decimal_places=1)


class RankingView(ListAPIView):
    """党员积分排名：组织（?org=，默认本人所在组织）下在册党员的年度积分，从高到低。"""

    serializer_class = RankingSerializer

    @extend_schema(parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_staff(self.request.user, STAFF_ONLY)
        return queries.ranking(page_root(self.request), year_of(self.request), user=self.request.user)


class LineSerializer(serializers.Serializer):
    on = serializers.DateField()
    item = serializers.CharField(source="item.name")
    source = serializers.CharField()
    record_id = serializers.IntegerField()
    text = serializers.CharField()
    raw_points = serializers.DecimalField(max_digits=7, decimal_places=1)
    points = serializers.DecimalField(max_digits=7, decimal_places=1)
    note = serializers.CharField()
    reversal = serializers.BooleanField()


class MonthSerializer(serializers.Serializer):
    month = MonthField()
    total = serializers.DecimalField(max_digits=7, decimal_places=1)
    lines = LineSerializer(many=True)


class MemberPointsSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=9, decimal_places=1)
    months = MonthSerializer(many=True)


class MemberPointsView(APIView):
    """一名党员一年的积分明细：每月合计与每一条积分的来源记录（source + record_id）。"""

    @extend_schema(parameters=[YEAR], responses=MemberPointsSerializer)
    def get(self, request, pk):
        member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
        year = year_of(request)
        data = {
            "member": member.pk,
            "name": member.name,
            "year": year,
            "total": queries.year_total(member, year),
            "months": queries.member_ledger(member, year, links=False),
        }
        return Response(MemberPointsSerializer(data).data)


class ComponentSerializer(serializers.Serializer):
    code = serializers.CharField(source="component.code")
    name = serializers.CharField(source="component.name")
    weight = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    numerator = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="figure.numerator", allow_null=True, default=None
    )
    denominator = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="figure.denominator", allow_null=True, default=None
    )
    text = serializers.CharField(source="figure.text", default="")
    url = serializers.CharField(source="figure.url", default="")


class IndexRowSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="organization.pk")
    organization_name = serializers.CharField(source="organization.name")
    index = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    components = ComponentSerializer(source="parts", many=True)


class FortressView(APIView):
    """堡垒指数：组织（?org=）下各党支部的年度堡垒指数（最近一次计算）及每个组成项的分子、分母与记录链接。"""

    @extend_schema(
        parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR], responses=IndexRowSerializer(many=True)
    )
    def get(self, request):
        require_staff(request.user, STAFF_ONLY)
        rows, _ = queries.fortress(request.user, page_root(request), year_of(request))
        return Response(IndexRowSerializer(rows, many=True).data)


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationTask
        fields = ["id", "measure", "owner", "deadline", "done_on", "result"]


class EventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = RectificationEvent
        fields = ["kind", "kind_display", "text", "at"]


class WeakSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    state_display = serializers.CharField(source="get_state_display")
    tasks = TaskSerializer(many=True)
    events = EventSerializer(many=True)

    class Meta:
        model = WeakOrganization
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "state",
            "state_display",
            "reason",
            "index_value",
            "weak_organization",
            "weak_economy",
            "weak_services",
            "leader",
            "deadline",
            "closed_on",
            "tasks",
            "events",
        ]


class WeakView(ListAPIView):
    """软弱涣散党组织整顿台账：组织（?org=）下某年（?year=）确定的组织、任务和整顿记录。"""

    serializer_class = WeakSerializer

    @extend_schema(parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_staff(self.request.user, STAFF_ONLY)
        root = page_root(self.request)
        return (
            visible(self.request.user, WeakOrganization.objects.filter(root.subtree_filter("organization__")))
            .filter(year=year_of(self.request))
            .select_related("organization")
            .prefetch_related("tasks", "events")
            .order_by("organization__path")
        )


urlpatterns = [
    path("ratings/points/", RankingView.as_view(), name="ratings-points"),
    path("ratings/points/<int:pk>/", MemberPointsView.as_view(), name="ratings-member-points"),
    path("ratings/fortress/", FortressView.as_view(), name="ratings-fortress"),
    path("ratings/weak/", WeakView.as_view(), name="ratings-weak"),
]


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


class VanguardRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.name")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    index = serializers.DecimalField(source="value", max_digits=5, decimal_places=1, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    components = ComponentSerializer(many=True)


class VanguardView(ListAPIView):
    """先锋指数：组织（?org=）下在册党员的年度先锋指数（最近一次计算），名次为该组织范围内的名次，
    附每个组成项的分子、分母与记录链接。"""

    serializer_class = VanguardRowSerializer

    @extend_schema(parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_staff(self.request.user, STAFF_ONLY)
        qs, self.ranks, _ = queries.vanguard(self.request.user, page_root(self.request), year_of(self.request))
        return qs

    def paginate_queryset(self, queryset):
        """The page's rows with their rank in the subtree and their stored components."""
        page = super().paginate_queryset(queryset)
        for row in page if page is not None else []:
            row.rank = self.ranks.get(row.pk)
            row.components = queries.stored_parts(row)
        return page


urlpatterns += [path("ratings/vanguard/", VanguardView.as_view(), name="ratings-vanguard")]
