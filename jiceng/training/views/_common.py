"""What several training page modules share: the year asked for, the organizations and venues a
form offers, the one visible course or exam by primary key, and the one form page."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from jiceng.core import params
from jiceng.core.scoping import get_visible_or_404
from jiceng.orgs.models import Organization

from .. import queries
from ..models import Course, Exam, Venue

NAV = "training"


def year_asked(request) -> int:
    value = params.int_or_none(request.GET.get("year"))
    if value is not None and 2000 <= value <= 2100:
        return value
    return timezone.localdate().year


def years_around(year: int) -> list[int]:
    this = timezone.localdate().year
    return list(range(max(this, year), min(this, year) - 4, -1))


def orgs_for(request, within: Organization | None = None):
    qs = queries.visible_training(request.user, Organization.objects.all())
    if within is not None:
        qs = qs.filter(within.subtree_filter())
    return qs.exclude(type=Organization.Type.GROUP).order_by("path")


def venues_for(request):
    return queries.visible_training(request.user, Venue.objects.all()).order_by("organization__path", "name")


def course_or_404(request, pk) -> Course:
    return get_visible_or_404(
        request.user, queries.visible_training(request.user, Course.objects.select_related("organizer")), pk=pk
    )


def exam_or_404(request, pk) -> Exam:
    return get_visible_or_404(
        request.user, queries.visible_training(request.user, Exam.objects.select_related("course__organizer")), pk=pk
    )


def form_page(request, form, title: str, back: str):
    """A course, session or exam form: the one form template, with its title and way back."""
    return render(request, "training/form.html", {"form": form, "title": title, "back": back, "active_nav": NAV})
