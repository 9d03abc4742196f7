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
from jiceng.core.scoping import get_visible_or_404, page_root, require_staff
from jiceng.members.models import Member

from . import queries
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
        return queries.ranking(page_root(self.request), year_of(self.request))


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


urlpatterns = [
    path("ratings/points/", RankingView.as_view(), name="ratings-points"),
    path("ratings/points/<int:pk>/", MemberPointsView.as_view(), name="ratings-member-points"),
]
