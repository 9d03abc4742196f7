"""Training venues (培训场所): the list, new and edit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import pages
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import get_visible_or_404, require_manager, require_staff

from .. import services
from ..filters import VenueFilter
from ..forms import VenueForm
from ..models import Venue
from ._common import orgs_for, venues_for

NAV = "training_venues"


@login_required
def venue_list(request):
    require_staff(request.user)
    f = VenueFilter(request.GET, queryset=venues_for(request).select_related("organization"))
    style_form(f.form)
    context = {
        "filter": f,
        "can_create": getattr(request.user, "can_manage", False) or request.user.is_superuser,
        "active_nav": NAV,
    }
    context.update(paginate(request, f.qs))
    return render(request, "training/venue_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request):
    require_staff(request.user)
    require_manager(request.user)
    form = VenueForm(
        request.POST or None, initial={"organization": request.user.organization_id}, organizations=orgs_for(request)
    )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_venue(request.user, **data),
        success="已登记培训场所",
        to="training:venues",
    ):
        return done
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "登记培训场所", "back": reverse("training:venues"), "active_nav": NAV},
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request, pk):
    require_staff(request.user)
    venue = get_visible_or_404(request.user, Venue.objects.select_related("organization"), pk=pk)
    require_manager(request.user, venue.organization)
    form = VenueForm(request.POST or None, instance=Venue.objects.get(pk=venue.pk), organizations=orgs_for(request))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_venue(request.user, venue, **data),
        success="已保存",
        to="training:venues",
    ):
        return done
    return render(
        request,
        "training/form.html",
        {"form": form, "title": f"编辑场所：{venue.name}", "back": reverse("training:venues"), "active_nav": NAV},
    )
