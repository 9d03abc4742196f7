"""/api/v1/households/: the register, read-only, scoped like the pages, with the list page's filters
(HouseholdFilter); ID numbers and phones leave masked only; plain members get 403.

Visit logs are writable for a phone app (issue 14 items 4 and 6), through the same services as
the pages (the pair of the day, late entries, the lock after ``visit_edit_days``):

- ``/api/v1/households/visits/``: list and create; ``…/visits/<id>/photos/`` (one photo a
  request, multipart), ``…/visits/<id>/notes/`` (a note, also on a locked visit);
- ``/api/v1/households/mine/``: 我的帮扶户, the households paired now with the caller's own
  cadre (ADR 0027). A cadre with a member account reaches these households and their visits,
  nothing else; the village's managers reach their subtree as on the pages.

Refused writes answer 400 with the reason in Chinese by field (``jiceng.core.refusals``);
a household or visit outside the caller's reach is 404 and nothing is written."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from jiceng.core import params
from jiceng.core.refusals import REFUSAL, refusal_response
from jiceng.core.scoping import is_member_role, visible

from . import queries, services
from .filters import FlagFilter, HouseholdFilter
from .models import Cadre, Household, HouseholdMember, RelapseFlag, RelapseReview, Visit
from .views.households import STAFF_ONLY

MAX_ID = 2**63 - 1


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
    lookup_value_regex = "[0-9]+"

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


class MyHouseholdSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    last_visit = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Household
        fields = ["id", "number", "village", "village_name", "head_name", "address", "phone", "status"]
        fields += ["status_display", "last_visit"]


class MyHouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """我的帮扶户: the households paired now with the caller's own cadre (a cadre whose record is
    linked to the caller's member record). Empty for anyone else."""

    serializer_class = MyHouseholdSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        qs = queries.listed(queries.my_households(self.request.user))
        return qs.order_by("village__path", "number")


class VisitPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class VisitNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    written_at = serializers.DateTimeField()


class VisitProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    request_ticket = serializers.CharField(source="request.ticket", allow_null=True, default=None)


class HouseholdVisitSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.__str__", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    pair = serializers.IntegerField(source="pair_id", read_only=True, allow_null=True)
    editable = serializers.SerializerMethodField()
    photos = VisitPhotoSerializer(many=True, read_only=True)
    notes = VisitNoteSerializer(many=True, read_only=True)
    problems = VisitProblemSerializer(source="raised", many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "household", "household_name", "cadre", "cadre_name", "pair", "visited_at", "content"]
        fields += ["location", "late", "editable", "created_at", "photos", "notes", "problems"]

    def get_editable(self, visit) -> bool:
        return services.editable(visit, config=self.context.get("config"))


class HouseholdVisitInput(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="帮扶户ID")
    cadre = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="走访干部ID；帮扶干部本人登记时可不填（即本人）",
    )
    visited_at = serializers.DateTimeField(help_text="走访时间（不晚于现在；无时区的按北京时间）")
    content = serializers.CharField(max_length=5000, help_text="帮扶内容：做了什么")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    problems = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=50, required=False, default=list,
        help_text="群众反映的问题，每项一条",
    )  # fmt: skip


class VisitPhotoInput(serializers.Serializer):
    photo = serializers.FileField(help_text="现场照片（JPEG/PNG/WebP）")


class VisitNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text="补充说明")


def _refused(message: str, field: str | None = None) -> Response:
    return refusal_response(DjangoValidationError({field: message} if field else message))


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """帮扶走访记录: the caller's visits — a manager's subtree, or a cadre's own visits to the
    households paired with them now. Filter: ``household`` (id)."""

    serializer_class = HouseholdVisitSerializer
    lookup_value_regex = "[0-9]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        user = self.request.user
        mine = queries.my_visits(user)
        if is_member_role(user):
            qs = mine
        else:
            qs = Visit.objects.filter(
                Q(pk__in=visible(user, Visit.objects.all()).values("pk")) | Q(pk__in=mine.values("pk"))
            )
        household = params.int_or_none(self.request.query_params.get("household"))
        if household is not None:
            qs = qs.filter(household_id=household)
        qs = qs.select_related("household", "cadre", "pair").prefetch_related("photos", "notes", "raised__request")
        return qs.order_by("-visited_at", "-id")

    def get_serializer_context(self):
        from .models import HouseholdsSettings

        return {**super().get_serializer_context(), "config": HouseholdsSettings.current()}

    @extend_schema(
        parameters=[OpenApiParameter("household", int, description="帮扶户ID")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _visit(self, pk) -> Visit:
        visit = self.get_queryset().filter(pk=params.int_or_none(pk)).first()
        if visit is None:
            raise NotFound("未找到或无权查看")
        return visit

    def _answer(self, visit: Visit, status: int) -> Response:
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(HouseholdVisitSerializer(visit, context=self.get_serializer_context()).data, status=status)

    @extend_schema(request=HouseholdVisitInput, responses={201: HouseholdVisitSerializer, 400: REFUSAL})
    def create(self, request, *args, **kwargs):
        """Log a visit: the household (one of the caller's scope, or paired with the caller's own
        cadre), time, what was done, problems raised. Photos follow, one a request, at
        ``visits/<id>/photos/``."""
        data = HouseholdVisitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = request.user
        reach = queries.my_households(user)
        if not is_member_role(user):
            reach = Household.objects.filter(
                Q(pk__in=queries.visible_households(user).values("pk")) | Q(pk__in=reach.values("pk"))
            )
        household = reach.select_related("village").filter(pk=values.pop("household")).first()
        if household is None:
            raise NotFound("未找到该帮扶户，或不在您的数据范围内")
        cadre_id = values.pop("cadre")
        if cadre_id is not None:
            values["cadre"] = Cadre.objects.filter(pk=cadre_id).first()
            if values["cadre"] is None:
                return _refused("未找到该帮扶干部", "cadre")
        try:
            visit = services.record_visit(user, household, problems=values.pop("problems"), **values)
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._answer(visit, 201)

    @extend_schema(
        request={"multipart/form-data": VisitPhotoInput}, responses={201: HouseholdVisitSerializer, 400: REFUSAL}
    )
    @action(detail=True, methods=["post"], url_path="photos", parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None, **kwargs):
        """Add one photo to a visit while it may still be changed (``visit_edit_days``)."""
        visit = self._visit(pk)
        data = VisitPhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.update_visit(request.user, visit, photos=[data.validated_data["photo"]])
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._answer(visit, 201)

    @extend_schema(request=VisitNoteInput, responses={201: HouseholdVisitSerializer, 400: REFUSAL})
    @action(detail=True, methods=["post"], url_path="notes")
    def notes(self, request, pk=None, **kwargs):
        """Add a note to a visit (at any time: the only change once the visit is locked)."""
        visit = self._visit(pk)
        data = VisitNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.annotate_visit(request.user, visit, text=data.validated_data["text"])
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._answer(visit, 201)


def register(router) -> None:
    # Before "households", whose detail route takes only digits: the flags, the visits and
    # "mine" would otherwise be read as a household's id.
    router.register("households/flags", FlagViewSet, basename="household-flag")
    router.register("households/visits", VisitViewSet, basename="household-visit")
    router.register("households/mine", MyHouseholdViewSet, basename="household-mine")
    router.register("households", HouseholdViewSet, basename="household")
