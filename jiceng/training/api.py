"""Read-only training API: courses, sessions and credit cards, scoped exactly like the pages."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from jiceng.core import params
from jiceng.core.scoping import get_visible_or_404
from jiceng.members.models import Member

from . import queries, rules
from .filters import CourseFilter, SessionFilter, TraineeFilter
from .models import Course, Session


class CourseSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    session_count = serializers.IntegerField(read_only=True)
    trainee_count = serializers.IntegerField(read_only=True)
    first_session = serializers.DateField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "kind",
            "kind_display",
            "organizer",
            "organizer_name",
            "year",
            "class_size_limit",
            "session_count",
            "trainee_count",
            "first_session",
        ]


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Courses whose organizer is in the caller's scope."""

    serializer_class = CourseSerializer
    filterset_class = CourseFilter

    def get_queryset(self):
        qs = queries.visible_training(self.request.user, Course.objects.all())
        return queries.with_counts(qs).order_by("-year", "organizer__path", "title", "id")


class SessionSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title", read_only=True)
    where = serializers.CharField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "course",
            "course_title",
            "on",
            "start_time",
            "end_time",
            "class_hours",
            "topic",
            "teacher",
            "where",
        ]


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self):
        qs = Session.objects.select_related("course", "venue").order_by("on", "start_time", "id")
        return queries.visible_training(self.request.user, qs)


def _totals(card: rules.CreditCard) -> dict:
    return {
        "year": card.year,
        "sessions_recorded": card.sessions_recorded,
        "sessions_attended": card.sessions_attended,
        "attendance_rate": card.attendance_rate,
        "lateness": card.lateness,
        "excused": card.excused,
        "unexcused": card.unexcused,
        "missed_lessons": card.missed_lessons,
        "attended_hours": card.attended_hours,
        "study_hours": card.study_hours,
        "total_hours": card.total_hours,
        "hours_target": card.hours_target,
        "target_met": card.target_met,
        "attendance_credits": card.attendance_credits,
        "study_credits": card.study_credits,
        "exam_credits": card.exam_credits,
        "total_credits": card.total_credits,
        "exams_taken": card.exams_taken,
        "exams_passed": card.exams_passed,
        "over_limit": card.over_limit,
    }


def _lines(card: rules.CreditCard) -> list[dict]:
    return [
        {
            "kind": ln.kind,
            "on": ln.on,
            "label": ln.label,
            "hours": ln.hours,
            "credits": ln.credits,
            "note": ln.note,
            "ref": ln.ref,
        }
        for ln in card.lines
    ]


def _year(request) -> int:
    value = params.int_or_none(request.query_params.get("year"))
    return value if value is not None and 2000 <= value <= 2100 else timezone.localdate().year


YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="年度（默认今年）")


class CreditCardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """学分卡: totals per member (list) and every line behind them (detail). A member sees
    only their own card; managers see the members of their scope."""

    filterset_class = TraineeFilter
    serializer_class = serializers.Serializer  # the figures are computed, see _totals

    def get_queryset(self):
        qs = Member.objects.filter(status__in=Member.ACTIVE_STATUSES).select_related("organization")
        return queries.visible_training(self.request.user, qs).order_by("organization__path", "name_pinyin", "id")

    @extend_schema(parameters=[YEAR], responses=OpenApiTypes.OBJECT)
    def list(self, request, *args, **kwargs):
        year = _year(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rule_set = queries.current_settings()
        cards = queries.cards_for_members(request.user, [m.pk for m in page], year, rule_set)
        empty = rules.credit_card(year, (), (), (), rule_set)
        data = [
            {"member": m.pk, "name": m.name, "organization": m.organization.name, **_totals(cards.get(m.pk, empty))}
            for m in page
        ]
        return self.get_paginated_response(data)

    @extend_schema(parameters=[YEAR], responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, *args, **kwargs):
        member = get_visible_or_404(request.user, self.get_queryset(), pk=kwargs["pk"])
        card = queries.member_card(request.user, member, _year(request))
        return Response(
            {
                "member": member.pk,
                "name": member.name,
                "organization": member.organization.name,
                **_totals(card),
                "lines": _lines(card),
            }
        )


def register(router) -> None:
    router.register("training/courses", CourseViewSet, basename="training-course")
    router.register("training/sessions", SessionViewSet, basename="training-session")
    router.register("training/cards", CreditCardViewSet, basename="training-card")
