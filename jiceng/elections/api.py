from rest_framework import serializers, viewsets

from jiceng.core.scoping import is_member_role, visible

from .models import Election, Seat


class SeatSerializer(serializers.ModelSerializer):
    class Meta:
        model = Seat
        fields = ["name", "post", "duty", "member"]


class ElectionSerializer(serializers.ModelSerializer):
    seats = SeatSerializer(many=True, read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Election
        fields = [
            "id",
            "organization",
            "organization_name",
            "kind",
            "held_on",
            "has_committee",
            "secretary_name",
            "term_start",
            "term_end",
            "state",
            "decided_at",
            "decision_note",
            "seats",
        ]


class ElectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ElectionSerializer

    def get_queryset(self):
        user = self.request.user
        qs = visible(user, Election.objects.select_related("organization").prefetch_related("seats"))
        if is_member_role(user):
            qs = qs.none()
        return qs.order_by("-held_on", "-id")


def register(router) -> None:
    router.register("elections", ElectionViewSet, basename="election")
