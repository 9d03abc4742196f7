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


class FortressView(ListAPIView):
    """堡垒指数：组织（?org=）下各党支部的年度堡垒指数（最近一次计算，名次为该组织范围内的名次）及每个组成项的
    分子、分母与记录链接；分页（每页 50 个）。"""

    serializer_class = IndexRowSerializer

    @extend_schema(parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_staff(self.request.user, STAFF_ONLY)
        rows, _ = queries.fortress(self.request.user, page_root(self.request), year_of(self.request), parts=False)
        return rows

    def paginate_queryset(self, queryset):
        """The page's rows with their stored components (a city ranks 10,000 branches by value)."""
        page = super().paginate_queryset(queryset)
        return queries.with_parts(page, year_of(self.request)) if page is not None else page


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


# ---- secretaries' annual report and appraisal (书记述职评议) ----------------------------------


class AppraisalReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="report.pk")
    organization = serializers.IntegerField(source="report.organization_id")
    organization_name = serializers.CharField(source="report.organization.name")
    secretary_name = serializers.CharField(source="report.secretary_name")
    post = serializers.CharField(source="report.post")
    state = serializers.CharField(source="report.state")
    submitted_at = serializers.DateTimeField(source="report.submitted_at", allow_null=True)
    figures = serializers.JSONField(source="report.figures")
    good = serializers.IntegerField(source="tally.counts.good")
    fair = serializers.IntegerField(source="tally.counts.fair")
    average = serializers.IntegerField(source="tally.counts.average")
    poor = serializers.IntegerField(source="tally.counts.poor")
    total = serializers.IntegerField(source="tally.total")
    satisfaction = serializers.DecimalField(
        source="tally.satisfaction", max_digits=5, decimal_places=1, allow_null=True
    )
    grade = serializers.CharField(help_text="好 / 较好 / 一般 / 差；无票为空")


class AppraisalRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organizer = serializers.IntegerField(source="organizer_id")
    organizer_name = serializers.CharField(source="organizer.name")
    year = serializers.IntegerField()
    state = serializers.CharField()
    vote_from = serializers.DateField()
    vote_until = serializers.DateField()
    closed_at = serializers.DateTimeField(allow_null=True)
    reports = AppraisalReportSerializer(source="results", many=True)


class AppraisalView(APIView):
    """书记抓基层党建述职评议：组织（?org=）范围内各组织单位的述职评议（可按 ?year= 筛选），每名书记的
    述职状态、提交时固定的工作数据、票数、满意率和等次（进行中为当前统计，结束后为保存的结果）。"""

    @extend_schema(
        parameters=[
            OpenApiParameter("org", int, description="组织 ID"),
            OpenApiParameter("year", int, description="年度"),
        ],
        responses=AppraisalRoundSerializer(many=True),
    )
    def get(self, request):
        from . import rules
        from .models import AppraisalRound
        from .services import appraisal

        require_staff(request.user, STAFF_ONLY)
        root = page_root(request)
        qs = visible(request.user, AppraisalRound.objects.filter(root.subtree_filter("organizer__")))
        year = request.GET.get("year")
        if year and year.isdigit():
            qs = qs.filter(year=int(year))
        rounds = list(qs.select_related("organizer").order_by("-year", "organizer__path"))
        results = appraisal.results_of_rounds(rounds)
        for r in rounds:
            r.results = [
                {"report": report, "tally": tally, "grade": rules.GRADE_LABELS.get(tally.grade, "")}
                for report, tally in results[r.pk]
            ]
        return Response(AppraisalRoundSerializer(rounds, many=True).data)


urlpatterns.append(path("ratings/appraisal/", AppraisalView.as_view(), name="ratings-appraisal"))


# ---- inspections (督查) -------------------------------------------------------------------------
from drf_spectacular.utils import extend_schema_field  # noqa: E402


class InspectionResultSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="result.organization_id")
    organization_name = serializers.CharField(source="result.organization.name")
    rank = serializers.IntegerField(allow_null=True)
    bottom = serializers.BooleanField(help_text="排名后三位（按问责规则）")
    total = serializers.DecimalField(source="result.total", max_digits=7, decimal_places=1, allow_null=True)
    scores = serializers.DictField(source="result.scores", child=serializers.CharField())
    note = serializers.CharField(source="result.note")


class InspectionRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organizer = serializers.IntegerField(source="organizer_id")
    organizer_name = serializers.CharField(source="organizer.name")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = serializers.CharField()
    checklist = serializers.ListField(child=serializers.DictField())
    results = serializers.SerializerMethodField()

    @extend_schema_field(InspectionResultSerializer(many=True))
    def get_results(self, obj):
        return InspectionResultSerializer(queries.ranked_results(obj, list(obj.results.all())), many=True).data


class InspectionView(ListAPIView):
    """督查：组织（?org=）下组织的督查（?year= 按结束日期），每次督查的评分细则和按总分排名的结果。"""

    serializer_class = InspectionRoundSerializer

    @extend_schema(parameters=[OpenApiParameter("org", int, description="组织 ID"), YEAR])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from django.db.models import Prefetch

        from .models import InspectionResult

        require_staff(self.request.user, STAFF_ONLY)
        root = page_root(self.request)
        return queries.inspection_rounds(self.request.user, root, year=year_of(self.request)).prefetch_related(
            Prefetch("results", queryset=InspectionResult.objects.select_related("organization"))
        )


urlpatterns += [
    path("ratings/inspections/", InspectionView.as_view(), name="ratings-inspections"),
]


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------


class OrgRatingItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    standard = serializers.CharField()
    standard_name = serializers.CharField()
    name = serializers.CharField()
    mode = serializers.ChoiceField(choices=["auto", "manual"], help_text="auto：按记录计算；manual：上级评审")
    component = serializers.CharField(help_text="自动项的组成项代码")
    threshold = serializers.CharField(help_text="自动项的门槛（%）")
    value = serializers.CharField(allow_null=True, help_text="计算值（%），无可计算记录为 null")
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    text = serializers.CharField()
    url = serializers.CharField(help_text="记录所在页面")
    passed = serializers.BooleanField(allow_null=True, help_text="是否达标；null 为待评定")
    note = serializers.CharField(help_text="评审依据")
    scored_by_name = serializers.CharField()
    scored_at = serializers.CharField()


class OrgRatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    domain = serializers.CharField(source="organization.domain")
    year = serializers.IntegerField()
    stars = serializers.IntegerField()
    state = serializers.CharField()
    checklist = serializers.CharField(source="checklist.name")
    checklist_kind = serializers.CharField(source="checklist.kind")
    checklist_valid_from = serializers.IntegerField(source="checklist.valid_from")
    computed_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class OrgRatingDetailSerializer(OrgRatingSerializer):
    items = OrgRatingItemSerializer(many=True)


class OrgRatingListView(ListAPIView):
    """星级评定：组织（?org=）下党组织某年（?year=）的星级、状态与所用评定标准版本；可按 ?stars= 筛选。"""

    serializer_class = OrgRatingSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("org", int, description="组织 ID"),
            YEAR,
            OpenApiParameter("stars", int, description="星级 0–5"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from jiceng.core import params

        require_staff(self.request.user, STAFF_ONLY)
        stars = params.int_or_none(self.request.query_params.get("stars"))
        f = queries.OrgRatingFilters(stars=stars if stars in queries.STARS else None)
        return queries.org_ratings(self.request.user, page_root(self.request), year_of(self.request), f).defer(
            "items", "checklist__standards"
        )


class OrgRatingDetailView(APIView):
    """一个党组织某年（?year=）的星级评定：每条细则的计算值（分子、分母、记录链接）或评审结果与依据。"""

    @extend_schema(parameters=[YEAR], responses=OrgRatingDetailSerializer)
    def get(self, request, org):
        from jiceng.orgs.models import Organization

        from .models import OrgRating

        require_staff(request.user, STAFF_ONLY)
        organization = get_visible_or_404(request.user, Organization.objects.all(), pk=org)
        rating = get_visible_or_404(
            request.user,
            OrgRating.objects.select_related("organization", "checklist"),
            organization=organization,
            year=year_of(request),
        )
        return Response(OrgRatingDetailSerializer(rating).data)


urlpatterns += [
    path("ratings/org-ratings/", OrgRatingListView.as_view(), name="ratings-orgratings"),
    path("ratings/org-ratings/<int:org>/", OrgRatingDetailView.as_view(), name="ratings-orgrating"),
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
            row.rank = self.ranks.of(row.value)
            row.components = queries.stored_parts(row)
        return page


urlpatterns += [path("ratings/vanguard/", VanguardView.as_view(), name="ratings-vanguard")]
