"""Service teams (党代表服务队) and studios and stations (工作室、联络站): the list, new and edit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core.navigation import is_manager
from jiceng.core.scoping import get_visible_or_404, require_staff, visible

from .. import services
from ..forms import StationForm, TeamForm
from ..models import LiaisonStation, ServiceTeam
from ._common import LIAISON_STAFF_ONLY, register_form


@login_required
def team_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    teams = (
        visible(request.user, ServiceTeam.objects.select_related("organization"))
        .annotate(
            active_count=Count("representatives", filter=Q(representatives__is_active=True)),
        )
        .order_by("organization__path", "name")
    )
    stations = (
        visible(request.user, LiaisonStation.objects.select_related("organization"))
        .annotate(rep_count=Count("representatives", filter=Q(representatives__is_active=True)))
        .order_by("organization__path", "name")
    )
    return render(
        request,
        "liaison/teams.html",
        {"teams": teams, "stations": stations, "can_manage": is_manager(request.user), "active_nav": "liaison"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    return register_form(
        request, TeamForm, ServiceTeam(), services.save_team, lambda t: reverse("liaison:teams"), "新建党代表服务队"
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk):
    team = get_visible_or_404(request.user, ServiceTeam.objects.all(), pk=pk)
    return register_form(
        request, TeamForm, team, services.save_team, lambda t: reverse("liaison:teams"), f"修改服务队：{team.name}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_create(request):
    return register_form(
        request,
        StationForm,
        LiaisonStation(),
        services.save_station,
        lambda s: reverse("liaison:teams"),
        "新建党代表工作室（联络站）",
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request, pk):
    station = get_visible_or_404(request.user, LiaisonStation.objects.all(), pk=pk)
    return register_form(
        request,
        StationForm,
        station,
        services.save_station,
        lambda s: reverse("liaison:teams"),
        f"修改：{station.name}",
    )
