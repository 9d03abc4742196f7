"""/api/v1/wishes/…: the staff ledger and figures (scoped like the pages, phone and name
masked), and the public wish pool (no login, public fields only)."""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.core.periods import check_period, period_from
from jiceng.core.scoping import is_member_role, page_root, require_staff

from . import queries
from .models import Wish
from .views import ledger, public
from .views._common import WISHES_STAFF_ONLY


class WishSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="masked_name", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    claimant = serializers.CharField(source="claimant_label", read_only=True)

    class Meta:
        model = Wish
        fields = [
            "id",
            "ticket",
            "organization",
            "organization_name",
            "requester",
            "phone",
            "category",
            "description",
            "public_description",
            "channel",
            "state",
            "state_display",
            "project",
            "posted_at",
            "accept_due_at",
            "accepted_at",
            "claimant_type",
            "claimant",
            "claimed_member",
            "claimed_org",
            "claimed_enterprise",
            "claimed_at",
            "fulfil_due_at",
            "fulfilled_at",
            "confirmed_at",
            "rating",
            "published",
        ]


class WishViewSet(viewsets.ReadOnlyModelViewSet):
    """微心愿台账. Filters as on the page: org, start, end, state, project, category,
    claimant_type, figure, q."""

    serializer_class = WishSerializer

    def get_queryset(self):
        if is_member_role(self.request.user):
            raise PermissionDenied("党员账号不能使用该接口")
        check_period(self.request)
        return ledger.filtered(self.request).order_by("-posted_at", "-pk")


class FiguresView(APIView):
    def get(self, request):
        require_staff(request.user, WISHES_STAFF_ONLY)
        check_period(request)
        root = page_root(request)
        start, end, _ = period_from(request)
        data = queries.report(request.user, root, start, end)
        return Response(
            {
                "organization": root.pk,
                "organization_name": root.name,
                "start": start,
                "end": end,
                "figures": asdict(data["total"]),
                "links": data["links"],
                "sentence": data["sentence"],
                "children": [
                    {
                        "organization": row.organization.pk if row.organization else None,
                        "label": row.label,
                        "figures": asdict(row.figures),
                    }
                    for row in data["rows"]
                ],
            }
        )


class PublicWishSerializer(serializers.ModelSerializer):
    """Public fields only: no phone, no address, the requester's surname only."""

    text = serializers.CharField(source="public_text", read_only=True)
    requester = serializers.CharField(source="masked_name", read_only=True)
    village = serializers.SerializerMethodField()
    township = serializers.SerializerMethodField()
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Wish
        fields = [
            "id",
            "category",
            "category_display",
            "project",
            "text",
            "requester",
            "village",
            "township",
            "accepted_at",
        ]

    def get_village(self, obj) -> str:
        return obj.organization.short_name or obj.organization.name

    def get_township(self, obj) -> str:
        parent = obj.organization.parent
        return (parent.short_name or parent.name) if parent else ""


class PublicPoolView(ListAPIView):
    """The public wish pool (open wishes waiting for a claimant); ?area=<organization id>."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicWishSerializer

    def get_queryset(self):
        return queries.public_pool(public.requested_area(self.request))


def register(router) -> None:
    router.register("wishes/ledger", WishViewSet, basename="wish")


urlpatterns = [
    path("wishes/figures/", FiguresView.as_view(), name="wishes-figures"),
    path("wishes/pool/", PublicPoolView.as_view(), name="wishes-pool"),
]
