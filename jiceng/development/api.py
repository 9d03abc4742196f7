"""/api/v1/development/: files (list, detail with the steps, open a file, record a step) and the due
list, scoped like the pages. ID numbers and phones leave masked only; plain members get nothing.

Writes go through `services` (the same checks as the pages). A step the statute refuses gives
400 with the refusals: each message, the rule it cites and, for time rules, the earliest day.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core import params
from jiceng.core.refusals import REFUSAL, refusal_response
from jiceng.core.scoping import get_visible_or_404, home_root, is_member_role, visible
from jiceng.members.models import Member
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


# ---- writes ------------------------------------------------------------------------------


MAX_ID = services.MAX_ID


def bounded(label: str, most: int, least: int = 0, **kwargs) -> serializers.IntegerField:
    """An integer field with Chinese messages for both bounds (larger numbers are typing errors and
    would not fit the columns)."""
    message = f"{label}应在{least}至{most}之间"
    return serializers.IntegerField(
        min_value=least,
        max_value=most,
        error_messages={"min_value": message, "max_value": message, "max_string_length": message},
        **kwargs,
    )


class OpenFileInput(serializers.Serializer):
    organization = bounded("党支部ID", MAX_ID, 1, help_text="党支部ID")
    id_number = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=50)
    on = serializers.DateField(help_text="递交入党申请书日期（第1步）")
    gender = serializers.ChoiceField(choices=Member.Gender.choices, required=False, allow_blank=True, default="")
    ethnicity = serializers.CharField(max_length=20, required=False, default="汉族")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    education = serializers.ChoiceField(choices=Member.Education.choices, required=False, allow_blank=True, default="")
    occupation = serializers.ChoiceField(
        choices=Member.Occupation.choices, required=False, allow_blank=True, default=""
    )
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PersonInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=[rules.CONTACT, rules.SPONSOR, rules.TALKER])
    member = bounded("党员ID", MAX_ID, 1, required=False, allow_null=True, default=None, help_text="党员ID")
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class VoteInput(serializers.Serializer):
    entitled = bounded("应到会有表决权人数", rules.MAX_VOTES, help_text="应到会有表决权的正式党员")
    attended = bounded("实到会有表决权人数", rules.MAX_VOTES)
    yes = bounded("赞成票数", rules.MAX_VOTES)
    no = bounded("反对票数", rules.MAX_VOTES, required=False, default=0)
    abstain = bounded("弃权票数", rules.MAX_VOTES, required=False, default=0)
    written = bounded(
        "提交书面意见人数", rules.MAX_VOTES, required=False, default=0, help_text="书面意见（计票不计到会）"
    )


class StepInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=2, max_value=25, help_text="步骤（2–25；第1步在建档时记录）")
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    people = PersonInput(many=True, required=False, default=list)
    vote = VoteInput(required=False, allow_null=True, default=None)
    training_days = bounded("培训天数", rules.MAX_TRAINING_DAYS, required=False, allow_null=True, default=None)
    training_hours = bounded("培训学时", rules.MAX_TRAINING_HOURS, required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(
        choices=list(rules.OUTCOMES.items()), required=False, allow_blank=True, default=""
    )
    extension_months = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    late_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    recommendation = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    group = bounded("党小组ID", MAX_ID, 1, required=False, allow_null=True, default=None, help_text="第19步：党小组ID")


class DevelopmentFileViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = DevelopmentFileFilter

    def get_serializer_class(self):
        if self.action == "create":
            return OpenFileInput
        if self.action == "steps":
            return StepInput
        return DevelopmentFileDetailSerializer if self.action == "retrieve" else DevelopmentFileSerializer

    def get_queryset(self):
        qs = DevelopmentFile.objects.select_related("organization").order_by("organization__path", "name_pinyin", "id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("steps__people")
        return queries.visible_files(self.request.user, qs)

    @extend_schema(request=OpenFileInput, responses={201: DevelopmentFileDetailSerializer, 400: REFUSAL})
    def create(self, request, *args, **kwargs):
        """Open a file (step 1, 递交入党申请书) in a branch within your scope."""
        if is_member_role(request.user):
            raise PermissionDenied("党员不能建立发展党员档案")
        data = OpenFileInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = get_visible_or_404(request.user, Organization.objects.all(), pk=values.pop("organization"))
        try:
            file = services.open_file(request.user, organization=organization, **values)
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return Response(DevelopmentFileDetailSerializer(file).data, status=201)

    @extend_schema(
        request=StepInput,
        responses={
            201: inline_serializer(
                "RecordedStep", {"step": StepSerializer(), "file": DevelopmentFileDetailSerializer()}
            ),
            400: REFUSAL,
        },
    )
    @action(detail=True, methods=["post"], url_path="steps")
    def steps(self, request, pk=None, **kwargs):
        """Record the next step of a file; refused steps give 400 naming the rule and the earliest day."""
        file = self.get_object()
        data = StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        group = None
        if d["group"] is not None:
            group = visible(request.user, Organization.objects.all()).filter(pk=d["group"]).first()
            if group is None:
                return refusal_response(DjangoValidationError({"group": "未找到该党小组"}))
        vote = rules.Vote(**d["vote"]) if d["vote"] else None
        people = [
            services.PersonInput(p["role"], member_id=p["member"], name=p["name"], title=p["title"])
            for p in d["people"]
        ]
        try:
            step = services.record_step(
                request.user,
                file,
                d["number"],
                on=d["on"],
                note=d["note"],
                people=people,
                vote=vote,
                training_days=d["training_days"],
                training_hours=d["training_hours"],
                outcome=d["outcome"],
                extension_months=d["extension_months"],
                late_reason=d["late_reason"],
                recommendation=d["recommendation"],
                group=group,
            )
        except DjangoValidationError as exc:
            return refusal_response(exc)
        file = self.get_queryset().prefetch_related("steps__people").get(pk=file.pk)
        return Response(
            {"step": StepSerializer(step).data, "file": DevelopmentFileDetailSerializer(file).data}, status=201
        )


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


DUE_LIST = inline_serializer(
    "DueList",
    {
        "organization": serializers.IntegerField(allow_null=True),
        "today": serializers.DateField(),
        "count": serializers.IntegerField(),
        "results": DueItemSerializer(many=True),
    },
)


class DueListView(APIView):
    """What is due soon or overdue in an organization's subtree (?org=<id>, default: your scope)."""

    serializer_class = DueItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("org", int, description="组织ID（含下级）；默认本人的数据范围"),
            OpenApiParameter("kind", str, description="事项类别"),
            OpenApiParameter("state", str, enum=["overdue"], description="overdue：只看已逾期"),
        ],
        responses={200: DUE_LIST},
    )
    def get(self, request):
        user = request.user
        if is_member_role(user):
            return Response({"organization": None, "today": timezone.localdate(), "count": 0, "results": []})
        org_id = params.int_or_none(request.query_params.get("org"))
        if org_id is not None:
            root = get_visible_or_404(user, Organization.objects.all(), pk=org_id)
        else:
            root = home_root(user)
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
