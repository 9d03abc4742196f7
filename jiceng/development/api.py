"""/api/v1/development/: files (list, detail with the steps) and the due list, scoped like the
pages. ID numbers and phones leave masked only; plain members get nothing."""

from django.urls import path
from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.scoping import get_visible_or_404, has_full_scope, scope_root
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .filters import DevelopmentFileFilter
from .models import DevelopmentFile, DevelopmentSettings, Step


class StepPersonSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    name = serializers.CharField()
    title = serializers.CharField()
    member = serializers.IntegerField(source="member_id", allow_null=True)


class StepSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_number_display", read_only=True)
    stage = serializers.SerializerMethodField()
    people = StepPersonSerializer(many=True, read_only=True)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "id",
            "number",
            "name",
            "stage",
            "on",
            "outcome",
            "extension_months",
            "late_reason",
            "recommendation",
            "vote_entitled",
            "vote_attended",
            "vote_written",
            "vote_yes",
            "vote_no",
            "vote_abstain",
            "training_days",
            "training_hours",
            "is_late",
            "note",
            "people",
            "revoked",
            "revoke_reason",
        ]

    def get_stage(self, obj) -> int:
        return rules.STEP_STAGE[obj.number]

    def get_revoked(self, obj) -> bool:
        return obj.revoked_at is not None


class DevelopmentFileSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    stage_display = serializers.CharField(source="stage_name", read_only=True)
    identity = serializers.CharField(read_only=True)
    identity_display = serializers.CharField(read_only=True)
    last_step_name = serializers.CharField(read_only=True)

    class Meta:
        model = DevelopmentFile
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "organization",
            "organization_code",
            "organization_name",
            "member",
            "status",
            "status_display",
            "stage",
            "stage_display",
            "identity",
            "identity_display",
            "last_step",
            "last_step_name",
            "last_step_on",
            "applied_on",
            "talked_on",
            "activist_on",
            "last_review_on",
            "candidate_on",
            "vote_on",
            "approved_on",
            "extension_months",
            "probation_end_on",
            "full_vote_on",
            "full_on",
            "closed_on",
            "talk_due_on",
            "review_due_on",
            "approval_due_on",
            "approval_limit_on",
            "probation_due_on",
        ]


class NextStepSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    earliest = serializers.DateField(allow_null=True)
    latest = serializers.DateField(allow_null=True)
    hint = serializers.CharField()
    only_outcome = serializers.CharField()


class DevelopmentFileDetailSerializer(DevelopmentFileSerializer):
    steps = StepSerializer(many=True, read_only=True)
    next_steps = serializers.SerializerMethodField()

    class Meta(DevelopmentFileSerializer.Meta):
        fields = DevelopmentFileSerializer.Meta.fields + ["steps", "next_steps"]

    def get_next_steps(self, obj) -> list[dict]:
        today = timezone.localdate()
        return NextStepSerializer(rules.next_steps(services.file_state(obj), today), many=True).data


class DevelopmentFileViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = DevelopmentFileFilter

    def get_serializer_class(self):
        return DevelopmentFileDetailSerializer if self.action == "retrieve" else DevelopmentFileSerializer

    def get_queryset(self):
        qs = DevelopmentFile.objects.select_related("organization").order_by("organization__path", "name_pinyin", "id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("steps__people")
        return queries.visible_files(self.request.user, qs)


class DueItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="kind_label")
    state = serializers.CharField()
    state_display = serializers.CharField(source="state_label")
    due_on = serializers.DateField()
    limit_on = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(source="days")
    message = serializers.CharField()
    file = serializers.IntegerField(source="file.pk")
    name = serializers.CharField(source="file.name")
    organization = serializers.IntegerField(source="file.organization_id")
    organization_name = serializers.CharField(source="file.organization.name")


class DueListView(APIView):
    """What is due soon or overdue in an organization's subtree (?org=<id>, default: your scope)."""

    serializer_class = DueItemSerializer

    def get(self, request):
        user = request.user
        if queries.is_member_role(user):
            return Response({"count": 0, "results": []})
        org_id = request.query_params.get("org", "")
        if org_id.isdigit():
            root = get_visible_or_404(user, Organization.objects.all(), pk=org_id)
        else:
            root = scope_root(user)
            if root is None and has_full_scope(user):
                root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        if root is None:
            raise NotFound("账号未关联党组织")
        today = timezone.localdate()
        items = queries.due_items(user, root, today, DevelopmentSettings.current().due_soon_days)
        kind = request.query_params.get("kind")
        if kind:
            items = [i for i in items if i.kind == kind]
        if request.query_params.get("state") == "overdue":
            items = [i for i in items if i.is_overdue]
        return Response(
            {
                "organization": root.pk,
                "today": today,
                "count": len(items),
                "results": DueItemSerializer(items, many=True).data,
            }
        )


def register(router) -> None:
    router.register("development/files", DevelopmentFileViewSet, basename="development-file")


urlpatterns = [path("development/due/", DueListView.as_view(), name="development-due")]
