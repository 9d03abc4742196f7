from rest_framework import serializers, viewsets

from jiceng.core.scoping import visible

from .filters import OrganizationFilter
from .models import Organization
from .queries import contact_phone_for


class OrganizationSerializer(serializers.ModelSerializer):
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    domain_display = serializers.CharField(source="get_domain_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "type",
            "type_display",
            "domain",
            "domain_display",
            "parent",
            "parent_code",
            "depth",
            "founded_on",
            "has_committee",
            "term_start",
            "term_end",
            "secretary_name",
            "contact_phone",
            "venue",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            data["contact_phone"] = contact_phone_for(request.user, instance)
        return data


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations in the caller's scope (their organization's subtree)."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter

    def get_queryset(self):
        return visible(self.request.user, Organization.objects.select_related("parent")).order_by("path")


def register(router) -> None:
    router.register("orgs", OrganizationViewSet, basename="organization")
