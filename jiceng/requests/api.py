"""/api/v1/requests/: the request ledger and the monthly ranking, scoped like the pages;
residents' names and phone numbers leave masked only. (The public exchange format is Open311,
see open311.py.)"""

from django.urls import path
from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.response import Response

from . import queries
from .filters import RequestFilter
from .models import Request
from .views import figures


class RequestSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    holder = serializers.CharField(source="holder_label", read_only=True)
    overdue_stages = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "ticket",
            "kind",
            "category",
            "category_name",
            "priority",
            "tier",
            "channel",
            "description",
            "place",
            "name",
            "phone",
            "organization",
            "organization_code",
            "state",
            "state_display",
            "level",
            "holder",
            "holder_org",
            "holder_department",
            "received_at",
            "assign_due_at",
            "response_due_at",
            "done_due_at",
            "deadline_estimated",
            "accepted_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "assign_late",
            "response_late",
            "done_late",
            "overdue_stages",
            "resolved_level",
            "result",
            "rating",
            "solved",
            "rating_channel",
            "escalations",
            "reopen_count",
            "published",
        ]

    def get_overdue_stages(self, obj) -> list[str]:
        return obj.overdue_stages(timezone.now())


class RequestViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RequestSerializer
    filterset_class = RequestFilter

    def get_queryset(self):
        user = self.request.user
        if not queries.is_request_staff(user):
            return Request.objects.none()
        qs = Request.objects.select_related("category", "organization", "holder_org", "holder_department")
        return queries.visible_requests(user, qs).order_by("-received_at", "-id")


def _pct(value):
    return None if value is None else float(value)


@api_view(["GET"])
def ranking(request):
    """Ranking: ?org=<id>&month=YYYY-MM (or &from=YYYY-MM-DD&to=YYYY-MM-DD)&by=org|department|handler."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if not queries.is_request_staff(request.user):
        raise DRFPermissionDenied("无权查看")
    root = figures.ranking_root(request.user, request.query_params.get("org"))
    try:
        period = figures.parse_period(request.query_params, timezone.localdate())
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc
    by = request.query_params.get("by") if request.query_params.get("by") in ("department", "handler") else "org"
    try:
        data = figures.ranking_data(request.user, root, period, by)
    except PermissionDenied as exc:
        raise DRFPermissionDenied(str(exc)) from exc
    rows = []
    for row in data["rows"]:
        f = row["figures"]
        rows.append(
            {
                "rank": row["rank"],
                "unit": row["label"],
                "score": None if row["score"] is None else float(row["score"]),
                "received": f.received,
                "response_ok": f.response_ok,
                "response_settled": f.response_settled,
                "rated": f.rated,
                "solved": f.solved,
                "satisfied": f.satisfied,
                "resolved": f.resolved,
                "done_ok": f.done_ok,
                "done_settled": f.done_settled,
                "village_resolved": f.village_resolved,
                "overdue_open": f.overdue_open,
                "rates": {k: _pct(v) for k, v in row["rates"].items()},
                "median_hours": None if row["median_hours"] is None else float(row["median_hours"]),
            }
        )
    return Response(
        {
            "organization": root.name,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "by": by,
            "weights": data["weights"],
            "rows": rows,
        }
    )


def register(router) -> None:
    router.register("requests", RequestViewSet, basename="request")


urlpatterns = [path("requests/ranking/", ranking, name="request-ranking")]
