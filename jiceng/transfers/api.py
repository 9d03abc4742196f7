"""/api/v1/transfers/ (two-sided scope: list, detail, issue, confirm, return, cancel) and
/api/v1/birthdays/ (the month's political birthdays). Masked personal data only.

Writes go through `services` with the same checks as the pages; a refusal is 400 with each
message and the rule it cites."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from jiceng.core import params
from jiceng.core.refusals import REFUSAL, refusal_response
from jiceng.core.scoping import get_visible_or_404, path_q, visible
from jiceng.members import queries as member_queries
from jiceng.members import rules as member_rules
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, services
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


class IssueInput(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员ID（本组织在册党员）")
    kind = serializers.ChoiceField(choices=[Transfer.Kind.WITHIN, Transfer.Kind.OUT])
    to_org = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="县内接收党组织ID")
    to_org_code = serializers.CharField(required=False, allow_blank=True, default="", help_text="或接收党组织编码")
    to_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    letter_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.ChoiceField(choices=Transfer.Reason.choices, required=False, default=Transfer.Reason.WORK)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ConfirmInput(serializers.Serializer):
    on = serializers.DateField(help_text="报到（接收）日期")
    receipt_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="转出县外：回执收到日期"
    )


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TransferSerializer
    filterset_class = TransferFilter  # the same filters as the list page and its export

    def get_queryset(self):
        qs = queries.visible_transfers(self.request.user, Transfer.objects.select_related("from_org", "to_org"))
        return queries.with_dues(qs).order_by("-issued_on", "-id")

    def get_serializer_class(self):
        return {"create": IssueInput, "confirm": ConfirmInput, "return_": CloseInput, "cancel": CloseInput}.get(
            self.action, TransferSerializer
        )

    def _done(self, transfer: Transfer, status: int = 200) -> Response:
        return Response(TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data, status=status)

    @extend_schema(request=IssueInput, responses={201: TransferSerializer, 400: REFUSAL})
    def create(self, request, *args, **kwargs):
        """The sending side issues a letter (县内转接 or 转出县外) for a member in its scope."""
        data = IssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        member = get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=d.pop("member"))
        to_org_id, code = d.pop("to_org"), d.pop("to_org_code").strip()
        to_org = None
        if d["kind"] == Transfer.Kind.WITHIN and (to_org_id or code):
            # Any organization of the county may receive: the sender names it (as on the page).
            orgs = Organization.objects.all()
            to_org = orgs.filter(pk=to_org_id).first() if to_org_id else orgs.filter(code=code).first()
            if to_org is None:
                return refusal_response(DjangoValidationError({"to_org": "没有这个接收党组织，请核对"}))
        try:
            transfer = services.issue_transfer(request.user, member, to_org=to_org, **d)
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._done(transfer, status=201)

    @extend_schema(request=ConfirmInput, responses={200: TransferSerializer, 400: REFUSAL})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None, **kwargs):
        """Confirm receipt (the receiving side; out of the county: the sending side records the receipt)."""
        transfer = self.get_object()
        data = ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.confirm_transfer(request.user, transfer, **data.validated_data)
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._done(transfer)

    @extend_schema(request=CloseInput, responses={200: TransferSerializer, 400: REFUSAL})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None, **kwargs):
        """退回: the receiving side refuses; the member is restored where they were."""
        return self._close(request, services.return_transfer)

    @extend_schema(request=CloseInput, responses={200: TransferSerializer, 400: REFUSAL})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        """撤销: the side that started the transfer withdraws it before receipt."""
        return self._close(request, services.cancel_transfer)

    def _close(self, request, service) -> Response:
        transfer = self.get_object()
        data = CloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            service(request.user, transfer, **data.validated_data)
        except DjangoValidationError as exc:
            return refusal_response(exc)
        return self._done(transfer)


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
            org = visible(request.user, Organization.objects.all()).filter(pk=params.int_or_none(org_id) or 0).first()
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
