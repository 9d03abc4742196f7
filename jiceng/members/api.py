from rest_framework import serializers, viewsets

from jiceng.core.scoping import visible

from .filters import MemberFilter
from .models import Member


class MemberSerializer(serializers.ModelSerializer):
    """ID numbers and phones only ever leave masked."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    organization_code = serializers.CharField(source="organization.code", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "occupation",
            "status",
            "status_display",
            "join_date",
            "full_date",
            "organization",
            "organization_code",
            "post",
            "is_mobile",
        ]


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        return visible(self.request.user, Member.objects.select_related("organization")).order_by(
            "organization__path", "name_pinyin", "id"
        )


def register(router) -> None:
    router.register("members", MemberViewSet, basename="member")
