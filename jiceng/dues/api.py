"""/api/v1/dues/…: the calculator, completion figures, ledger rows, and recording or undoing a
payment, scoped like the pages. Writes go through services.py with the page's rules: an
outsider gets 404 (get_visible_or_404, visible_dues), a role that may not change data 403
(require_manager), a rule the payment breaks 400 with the message in Chinese.

The calculator requires a login like the rest of the API (any role, members included): it
holds no personal data, but the API is one surface with one rule, the installation's
intranet has no anonymous API users, and an open endpoint would need its own rate limit.
Incomes are not returned by the ledger endpoints (masked personal data only); amounts are.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core import params
from jiceng.core.navigation import is_staff
from jiceng.core.openapi import MonthField
from jiceng.core.scoping import get_visible_or_404, home_root, path_q, require_manager
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from . import queries, rules, services
from .models import DuesBase, DuesPayment, DuesSettings

MAX_ID = 2**63 - 1  # the largest database id (bigint)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _integer(raw, field: str) -> int:
    """A whole number from a query parameter ("2026", 2026, Decimal("2026")), or a 400."""
    try:
        value = Decimal(str(raw).strip())
        if value.is_finite() and value == value.to_integral_value() and abs(value) <= MAX_ID:
            return int(value)
    except (ArithmeticError, ValueError):
        pass
    raise ValidationError({field: [f"{field} 应为整数"]})


def _year(raw) -> int:
    """A year of the ledger (rules.year_error), or a 400 naming the range."""
    today = timezone.localdate()
    try:
        year = _integer(raw, "year")
    except ValidationError:
        year = None
    message = rules.year_error(year, today)
    if message:
        raise ValidationError({"year": [message]})
    return year


def _id(raw, field: str) -> int:
    value = _integer(raw, field)
    if value < 1:
        raise ValidationError({field: [f"{field} 应为正整数编号"]})
    return value


class CalculatorView(APIView):
    """Monthly dues for a category and income, by the statute."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "category",
                str,
                required=True,
                description="党员类别：" + "、".join(rules.CATEGORIES) + "，或中文名称（在职、离休/退休、农民、学生、"
                "下岗/失业、低保/救济/生活困难、其他）",
            ),
            OpenApiParameter(
                "income",
                str,
                description="月收入（税后，元），不超过10,000,000元；employed、retired、other 必填。"
                "可写作 3000、3,000.50、¥3000、3000元或全角数字",
            ),
            OpenApiParameter("amount", str, description="农民党员月交纳额（0.20–1.00 元），默认本县标准"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        category = (request.query_params.get("category") or "").strip()
        if not category:
            raise ValidationError({"category": ["请提供党员类别 category：" + "、".join(rules.CATEGORIES)]})
        settings = DuesSettings.current()
        try:
            result = rules.monthly_dues(
                category,
                request.query_params.get("income"),
                farmer_amount=request.query_params.get("amount") or None,
                farmer_default=settings.farmer_amount,
            )
        except rules.DuesRuleError as exc:
            raise ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc
        allowed = None
        if result.allowed_min is not None:
            allowed = {
                "min": _money(result.allowed_min),
                "max": _money(result.allowed_max),
                "county_default": _money(settings.farmer_amount),
            }
        return Response(
            {
                "category": result.category,
                "category_display": rules.CATEGORY_LABELS[result.category],
                "income": _money(result.income),
                "rate": None if result.rate is None else f"{result.rate:.4f}",
                "rate_display": result.rate_display or None,
                "monthly_amount": _money(result.monthly_amount),
                "yearly_amount": _money(result.monthly_amount * 12),
                "allowed_range": allowed,
                "basis": result.basis,
                "rounding": "金额以元为单位，四舍五入到分（ROUND_HALF_UP）",
                "source": rules.STATUTE,
            }
        )


def _completion(c: queries.Completion) -> dict:
    return {
        "due": c.due,
        "paid": c.paid,
        "unpaid": c.unpaid,
        "no_base": c.no_base,
        "exempt": c.exempt,
        "rate": None if c.rate is None else str(c.rate),
        "due_amount": _money(c.due_amount),
        "paid_amount": _money(c.paid_amount),
        "credited_amount": _money(c.credited_amount),
        "amount_rate": None if c.amount_rate is None else str(c.amount_rate),
    }


class CompletionView(APIView):
    """Completion of a month (and of the year to that month) for an organization and each child."""

    @extend_schema(
        parameters=[
            OpenApiParameter("org", int, description="组织 ID（默认本人所在组织）"),
            OpenApiParameter("year", int),
            OpenApiParameter("month", int, description="1–12"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        user = request.user
        if not is_staff(user):
            raise PermissionDenied("党员本人请查看自己的交纳记录")
        today = timezone.localdate()
        raw = request.query_params.get("org", "")
        if raw:
            pk = params.int_or_none(raw)
            if pk is None:
                raise ValidationError({"org": ["org 应为组织 ID"]})
            root = get_visible_or_404(user, Organization.objects.all(), pk=pk)
        else:
            root = home_root(user)
            if root is None:
                raise Http404("未找到或无权查看")
        year = _year(request.query_params.get("year") or today.year)
        month_no = _integer(request.query_params.get("month") or today.month, "month")
        if not 1 <= month_no <= 12:
            raise ValidationError({"month": ["月份应为1至12，如 year=2026&month=11"]})
        month = date(year, month_no, 1)
        start = queries.ledger_start()
        members = queries.subtree_members(user, root)
        width = len(root.path) + SEGMENT
        rows, total = queries.by_child(root, queries.month_completion(members, month, start, unit_width=width))
        through = min(month, rules.month_start(today))
        year_rows, year_total = queries.by_child(
            root, queries.year_completion(members, year, through, start, unit_width=width)
        )
        by_path = {r.path: r for r in year_rows}
        return Response(
            {
                "organization": {"id": root.pk, "code": root.code, "name": root.name},
                "month": f"{month:%Y-%m}",
                "ledger_start": f"{start:%Y-%m}",
                "total": _completion(total),
                "year_to_date": {"through": f"{through:%Y-%m}", **_completion(year_total)},
                "children": [
                    {
                        "organization": {"id": r.org.pk, "code": r.org.code, "name": r.org.name},
                        "direct": r.org == root,
                        **_completion(r),
                        "year_to_date": _completion(by_path[r.path]) if r.path in by_path else None,
                    }
                    for r in rows
                ],
            }
        )


class LedgerFilter(django_filters.FilterSet):
    """Numbers are checked here, not by the database: an id past bigint or a year past 9999
    would otherwise fail in the query (a server error) instead of answering 400."""

    member = django_filters.NumberFilter(label="党员ID", method="filter_member")
    year = django_filters.NumberFilter(label=f"年度（{rules.FIRST_YEAR}年起）", method="filter_year")
    organization = django_filters.NumberFilter(label="组织ID（含下级）", method="filter_organization")

    def filter_member(self, qs, name, value):
        return qs.filter(member_id=_id(value, "member"))

    def filter_year(self, qs, name, value):
        year = _year(value)
        if qs.model is DuesPayment:
            return qs.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
        return qs.filter(year=year)

    def filter_organization(self, qs, name, value):
        org = Organization.objects.filter(pk=_id(value, "organization")).first()
        return qs.filter(path_q("member__organization__path", org.path)) if org else qs.none()


class PaymentFilter(LedgerFilter):
    month = django_filters.CharFilter(label="所属月份（2026-11）", method="filter_month")

    class Meta:
        model = DuesPayment
        fields = ["method"]

    def filter_month(self, qs, name, value):
        try:
            month = rules.parse_month(value)
        except ValueError as exc:
            raise ValidationError({"month": [str(exc)]}) from None
        message = rules.year_error(month.year, timezone.localdate())
        if message:
            raise ValidationError({"month": [message]})
        return qs.filter(month=month)


class BaseFilter(LedgerFilter):
    class Meta:
        model = DuesBase
        fields = ["category"]


class PaymentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.IntegerField(source="member.organization_id", read_only=True)
    # A month, written 2026-11 (OpenAPI has no month format; documented as a pattern).
    month = MonthField(read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = DuesPayment
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "month",
            "due_amount",
            "amount",
            "paid_on",
            "method",
            "method_display",
            "is_advance",
            "is_backpay",
            "recorded_at",
        ]


class BaseSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.IntegerField(source="member.organization_id", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = DuesBase
        # The income itself stays on the pages (masked personal data only in the API).
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "year",
            "category",
            "category_display",
            "rate",
            "standard_amount",
            "monthly_amount",
            "updated_at",
        ]


class RecordPaymentSerializer(serializers.Serializer):
    """What 登记交纳 asks for; one row per month is recorded, like the page."""

    member = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="党员 ID")
    month = serializers.CharField(max_length=20, help_text="所属月份，如 2026-03")
    last_month = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="一次交纳多个月（补交，或经支部同意按季度预交）时的截止月份；最多12个月",
    )
    amount = serializers.CharField(
        max_length=rules.MAX_MONEY_TEXT,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=f"每月实交金额（元），不超过{rules.MAX_PAYMENT:,.0f}元；留空按核定的月应交额",
    )
    paid_on = serializers.DateField(required=False, help_text="交纳日期，默认今天")
    method = serializers.ChoiceField(choices=DuesPayment.Method.choices, default=DuesPayment.Method.CASH)
    receipt = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def _month(self, value: str):
        try:
            return rules.parse_month(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_month(self, value):
        return self._month(value)

    def validate_last_month(self, value):
        return self._month(value) if value else None

    def validate_amount(self, value):
        if value in (None, ""):
            return None
        try:
            return rules.parse_money(value, "amount", "实交金额", maximum=rules.MAX_PAYMENT)
        except rules.DuesRuleError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, data):
        last = data.get("last_month")
        if last and rules.span_error(data["month"], last):
            raise serializers.ValidationError({"last_month": rules.span_error(data["month"], last)})
        return data

    def months(self) -> list[date]:
        first = self.validated_data["month"]
        return rules.month_range(first, self.validated_data.get("last_month") or first)


class UndoPaymentSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=150, help_text="撤销原因（审计日志保留原记录）")


def _refused(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as a 400, by field ("__all__" → non_field_errors)."""
    if hasattr(exc, "error_dict"):
        return ValidationError({"non_field_errors" if k == "__all__" else k: v for k, v in exc.message_dict.items()})
    return ValidationError({"non_field_errors": exc.messages})


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Dues payments (one row per member and month) within the user's scope; POST records a
    payment and POST …/undo/ removes a wrong one, both as on the pages."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        qs = DuesPayment.objects.select_related("member__organization").order_by("-month", "member_id")
        return queries.visible_dues(self.request.user, qs)

    @extend_schema(request=RecordPaymentSerializer, responses={201: PaymentSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        """登记交纳: one month, or several (back payment, or a quarter in advance with the
        branch's consent). 404 for a member outside the user's scope, 403 for a role that may
        not record, 400 with the rule's message when the payment breaks one."""
        require_manager(request.user)  # a plain member may not record, whatever they send
        data = RecordPaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        member = get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=values["member"])
        try:
            rows = services.record_payment(
                request.user,
                member,
                months=data.months(),
                paid_on=values.get("paid_on") or timezone.localdate(),
                method=values["method"],
                amount=values.get("amount"),
                receipt=values["receipt"],
                note=values["note"],
            )
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        return Response(PaymentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UndoPaymentSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def undo(self, request, *args, **kwargs):
        """撤销登记: remove a wrongly recorded payment, with a reason (kept in the audit log)."""
        require_manager(request.user)
        payment = self.get_object()
        data = UndoPaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.delete_payment(request.user, payment, reason=data.validated_data["reason"])
        except DjangoValidationError as exc:
            raise _refused(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class BaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Yearly dues bases within the user's scope."""

    serializer_class = BaseSerializer
    filterset_class = BaseFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        qs = DuesBase.objects.select_related("member").order_by("-year", "member_id")
        return queries.visible_dues(self.request.user, qs)


def register(router) -> None:
    router.register("dues/payments", PaymentViewSet, basename="dues-payment")
    router.register("dues/bases", BaseViewSet, basename="dues-base")


urlpatterns = [
    path("dues/calculate/", CalculatorView.as_view(), name="dues-calculate"),
    path("dues/completion/", CompletionView.as_view(), name="dues-completion"),
]
