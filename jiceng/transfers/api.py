"""/api/v1/transfers/ (read-only, two-sided scope) and /api/v1/birthdays/ (the month's
political birthdays). Masked personal data only."""

from django.db.models import F
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from jiceng.core.scoping import path_q, visible
from jiceng.members import queries as member_queries
from jiceng.members import rules as member_rules
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries
from .filters import TransferFilter
from .models import Transfer


class TransferSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    from_organization = serializers.CharField(source="from_label", read_only=True)
    to_organization = serializers.CharField(source="to_label", read_only=True)
    overdue = serializers.SerializerMethodField()
    dues_paid_until = serializers.SerializerMethodField(help_text="党费交至（本县开具的介绍信据党费台账）")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "kind",
            "kind_display",
            "state",
            "state_display",
            "member",
            "member_name",
            "id_number",
            "member_status",
            "join_date",
            "full_date",
            "from_org",
            "from_organization",
            "to_org",
            "to_organization",
            "region",
            "letter_number",
            "issued_on",
            "valid_until",
            "due_on",
            "overdue",
            "reissues",
            "completed_on",
            "receipt_on",
            "closed_on",
            "closed_reason",
            "dues_paid_until",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())

    def get_dues_paid_until(self, obj) -> str | None:
        return obj.dues_month.isoformat() if obj.dues_month else None


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TransferSerializer
    filterset_class = TransferFilter  # the same filters as the list page and its export

    def get_queryset(self):
        qs = queries.visible_transfers(self.request.user, Transfer.objects.select_related("from_org", "to_org"))
        return queries.with_dues(qs).order_by("-issued_on", "-id")


class BirthdaySerializer(serializers.Serializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    join_date = serializers.DateField()
    political_birthday = serializers.DateField()
    years = serializers.IntegerField(help_text="入党周年")
    party_age = serializers.IntegerField(allow_null=True, help_text="党龄（自转正起，预备党员为空）")
    status = serializers.CharField()


class BirthdaysView(GenericAPIView):
    """The month's political birthdays (政治生日) in the user's scope."""

    serializer_class = BirthdaySerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM，默认本月"),
            OpenApiParameter("organization", int, description="组织ID（含下级）"),
        ],
        responses=inline_serializer(
            "BirthdayList",
            {
                "month": serializers.CharField(),
                "count": serializers.IntegerField(),
                "results": BirthdaySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        today = timezone.localdate()
        month = request.query_params.get("month") or f"{today:%Y-%m}"
        try:
            year, mon = (int(x) for x in month.split("-"))
            member_rules.month_bounds(year, mon)
        except (ValueError, TypeError):
            raise ValidationError({"month": "格式应为 YYYY-MM"}) from None
        qs = visible(request.user, Member.objects.all())
        org_id = request.query_params.get("organization")
        if org_id:
            org = visible(request.user, Organization.objects.all()).filter(pk=org_id if org_id.isdigit() else 0).first()
            qs = qs.filter(path_q("organization__path", org.path)) if org else qs.none()
        rows = (
            member_queries.birthdays_in_month(qs, year, mon)
            .annotate(organization_name=F("organization__name"))
            .order_by("organization__path", "join_date__day", "name_pinyin", "id")
            .values("id", "name", "organization_id", "organization_name", "join_date", "full_date", "status")
        )
        out = []
        for r in rows:
            day = member_rules.political_birthday(r["join_date"], year)
            out.append(
                {
                    "member": r["id"],
                    "name": r["name"],
                    "organization": r["organization_id"],
                    "organization_name": r["organization_name"],
                    "join_date": r["join_date"],
                    "political_birthday": day,
                    "years": year - r["join_date"].year,
                    "party_age": member_rules.party_age(r["full_date"], day),
                    "status": r["status"],
                }
            )
        results = self.get_serializer(out, many=True).data
        return Response({"month": f"{year:04d}-{mon:02d}", "count": len(out), "results": results})


def register(router) -> None:
    router.register("transfers", TransferViewSet, basename="transfer")


urlpatterns = [path("birthdays/", BirthdaysView.as_view(), name="api-birthdays")]
