"""/api/v1/life/: activity types (county configuration), records (scoped), compliance."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from jiceng.core.scoping import get_visible_or_404, is_member_role, scope_root, visible
from jiceng.orgs.models import Organization

from . import queries, rules
from .models import ActivityType, Record


class ActivityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityType
        fields = [
            "id",
            "code",
            "name",
            "cadence",
            "applies_to",
            "domain",
            "min_count",
            "fixed_day",
            "grace_days",
            "requires_photos",
            "counts_for",
            "source",
            "basis",
            "is_active",
        ]


class ActivityTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """County configuration, the same for every signed-in user."""

    serializer_class = ActivityTypeSerializer
    queryset = ActivityType.objects.order_by("order", "id")


class RecordSerializer(serializers.ModelSerializer):
    """No attendance names and no minutes: figures only (minutes stay on the page)."""

    organization_name = serializers.CharField(source="organization.name", read_only=True)
    activity_type_code = serializers.CharField(source="activity_type.code", read_only=True)
    attendance_rate = serializers.FloatField(read_only=True, allow_null=True)  # none before anyone was expected

    class Meta:
        model = Record
        fields = [
            "id",
            "organization",
            "organization_name",
            "activity_type",
            "activity_type_code",
            "state",
            "planned_on",
            "held_on",
            "starts_at",
            "ends_at",
            "place",
            "topic",
            "recorded_on",
            "is_late",
            "expected_count",
            "present_count",
            "leave_count",
            "absent_count",
            "attendance_rate",
            "photo_count",
            "score",
            "published_at",
        ]


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RecordSerializer

    def get_queryset(self):
        user = self.request.user
        qs = visible(user, Record.objects.select_related("organization", "activity_type"))
        if is_member_role(user):
            qs = qs.filter(state=Record.State.PUBLISHED)
        g = self.request.query_params
        if g.get("period"):
            try:
                p = rules.parse_period(g["period"])
            except ValueError as exc:
                raise ValidationError({"period": str(exc)}) from exc
            qs = qs.filter(held_on__range=(p.start, p.end))
        if g.get("type"):
            qs = qs.filter(activity_type__code=g["type"])
        return qs.order_by("-held_on", "-id")


@api_view(["GET"])
def compliance_view(request):
    """Compliance of each organization below ?org= for ?period= (default: last quarter)."""
    if is_member_role(request.user):
        raise PermissionDenied("党员不能查看组织生活落实情况")
    today = timezone.localdate()
    try:
        window = (
            rules.parse_period(request.query_params["period"])
            if request.query_params.get("period")
            else rules.previous_window("quarter", today)
        )
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    pk = (request.query_params.get("org") or "").strip()
    if pk:
        # ASCII digits only: "²".isdigit() is true and int("²") raises.
        if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
            raise NotFound("未找到或无权查看")
        root = get_visible_or_404(request.user, Organization.objects.all(), pk=int(pk))
    else:
        root = scope_root(request.user)
        if root is None:
            raise NotFound("没有所属组织")
    rows, data = queries.compliance_table(root, window, today)
    types = {t.id: t.code for t in data.types}
    own = data.results.get(root.pk)
    return Response(
        {
            "organization": root.pk,
            "period": window.code,
            "own": None
            if own is None
            else {
                "score": own.score,
                "types": {types[tid]: _type(r) for tid, r in own.types.items()},
            },
            "rows": [
                {
                    "organization": r.org.id,
                    "name": r.org.name,
                    "rank": r.rank,
                    "score": r.score,
                    "organizations": r.orgs_evaluated,
                    "organizations_missing": r.orgs_missing,
                    "types": {types[tid]: vars(tt) for tid, tt in r.types.items()},
                }
                for r in rows
                if r.orgs_evaluated
            ],
        }
    )


def _type(r: rules.TypeResult) -> dict:
    return {
        "required": r.required,
        "held": r.held,
        "late": r.late,
        "missing": r.missing,
        "status": r.status,
        "periods": [
            {"period": p.period.code, "required": p.required, "held": p.held, "status": p.status} for p in r.periods
        ],
    }


def register(router) -> None:
    router.register("life/types", ActivityTypeViewSet, basename="life-type")
    router.register("life/records", RecordViewSet, basename="life-record")


urlpatterns = [path("life/compliance/", compliance_view, name="life-compliance")]
