"""/api/v1/households/: read-only, scoped like the pages, with the list page's filters
(HouseholdFilter). ID numbers and phones leave masked only; plain members get 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from jiceng.core.scoping import is_member_role

from . import queries
from .filters import FlagFilter, HouseholdFilter
from .models import Household, HouseholdMember, RelapseFlag, RelapseReview
from .views.households import STAFF_ONLY


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)

    class Meta:
        model = HouseholdMember
        fields = ["id", "name", "relation", "relation_display", "gender", "birth_date", "id_number"]
        fields += ["health", "schooling", "work", "work_place"]


class HouseholdSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    other_causes = serializers.ListField(child=serializers.CharField(), read_only=True)
    cadre = serializers.IntegerField(source="cadre_id", read_only=True, allow_null=True)
    cadre_name = serializers.CharField(read_only=True, allow_null=True)
    last_visit = serializers.DateTimeField(read_only=True, allow_null=True)
    people = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "village", "village_name", "kind", "kind_display", "status", "status_display"]
        fields += ["head_name", "address", "phone", "cause", "other_causes", "identified_year", "cadre"]
        fields += ["cadre_name", "last_visit", "people"]


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """帮扶户名册. Filters as on the page: org (id, with the subtree), status, kind, cause, paired
    (1/0), cadre, q, ordering."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def get_queryset(self):
        if is_member_role(self.request.user):
            raise PermissionDenied(STAFF_ONLY)
        qs = queries.listed(queries.visible_households(self.request.user))
        qs = qs.prefetch_related(Prefetch("people", queryset=HouseholdMember.objects.order_by("pk")))
        return qs.order_by("village__path", "number")


class RelapseReviewSerializer(serializers.ModelSerializer):
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    reviewed_by = serializers.StringRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = RelapseReview
        fields = ["id", "outcome", "outcome_display", "note", "reviewed_on", "reviewed_by", "recorded_at"]


class RelapseFlagSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    village = serializers.IntegerField(source="household.village_id", read_only=True)
    village_name = serializers.CharField(source="household.village.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    reviews = RelapseReviewSerializer(many=True, read_only=True)

    class Meta:
        model = RelapseFlag
        fields = ["id", "household", "household_number", "head_name", "village", "village_name", "kind"]
        fields += ["kind_display", "reason", "opened_at", "state", "state_display", "outcome", "closed_at", "reviews"]


class FlagViewSet(viewsets.ReadOnlyModelViewSet):
    """返贫风险预警. Filters as on the page: org (id, with the subtree), kind, state, household."""

    serializer_class = RelapseFlagSerializer
    filterset_class = FlagFilter

    def get_queryset(self):
        if is_member_role(self.request.user):
            raise PermissionDenied(STAFF_ONLY)
        qs = queries.flag_rows(queries.visible_flags(self.request.user))
        qs = qs.prefetch_related(Prefetch("reviews", queryset=RelapseReview.objects.select_related("reviewed_by")))
        return qs.order_by("-opened_at", "-id")


def register(router) -> None:
    # Before "households": its detail route would otherwise take "flags" for a household's id.
    router.register("households/flags", FlagViewSet, basename="household-flag")
    router.register("households", HouseholdViewSet, basename="household")
