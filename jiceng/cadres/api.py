"""/api/v1/cadres/ and /api/v1/cadres/assessments/: read-only, scoped like the pages, with the
register's filters (CadreFilter). ID numbers and phones leave masked only; plain members get 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from jiceng.core.scoping import is_member_role, visible

from . import queries
from .filters import CadreFilter
from .models import Assessment, Score, VillageCadre
from .views.cadres import STAFF_ONLY


class CadreSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True, allow_null=True)

    class Meta:
        model = VillageCadre
        fields = ["id", "village", "village_name", "name", "gender", "birth_date", "education", "id_number", "phone"]
        fields += ["member", "post", "post_display", "term_starts_on", "term_ends_on", "state", "state_display"]
        fields += ["left_on", "in_talent_pool", "filed_on"]


class ScoreSerializer(serializers.ModelSerializer):
    dimension = serializers.CharField(source="dimension.name", read_only=True)
    code = serializers.CharField(source="dimension.code", read_only=True)
    weight = serializers.DecimalField(source="dimension.weight", max_digits=6, decimal_places=2, read_only=True)

    class Meta:
        model = Score
        fields = ["code", "dimension", "weight", "points", "computed", "evidence"]


class AssessmentSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="round.year", read_only=True)
    quarter = serializers.IntegerField(source="round.quarter", read_only=True)
    township = serializers.IntegerField(source="round.township_id", read_only=True)
    round_state = serializers.CharField(source="round.state", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "cadre", "township", "year", "quarter", "round_state", "total", "grade", "grade_display"]
        fields += ["scores"]


class CadreViewSet(viewsets.ReadOnlyModelViewSet):
    """村干部名册. Filters as on the page: org (id, with the subtree), post, state, pool, filed,
    member (1/0), q, ordering."""

    serializer_class = CadreSerializer
    filterset_class = CadreFilter

    def get_queryset(self):
        if is_member_role(self.request.user):
            raise PermissionDenied(STAFF_ONLY)
        return queries.committee_order(queries.visible_cadres(self.request.user).select_related("village"))


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """村干部季度考核结果, with the points of each dimension."""

    serializer_class = AssessmentSerializer

    def get_queryset(self):
        if is_member_role(self.request.user):
            raise PermissionDenied(STAFF_ONLY)
        scores = Prefetch("scores", queryset=Score.objects.select_related("dimension").order_by("dimension__order"))
        qs = visible(self.request.user, Assessment.objects.select_related("round")).prefetch_related(scores)
        return qs.order_by("-round__year", "-round__quarter", "cadre_id", "pk")


def register(router) -> None:
    # The assessments first: their prefix would otherwise be read as a cadre's id.
    router.register("cadres/assessments", AssessmentViewSet, basename="cadre-assessment")
    router.register("cadres", CadreViewSet, basename="cadre")
