"""The county's training settings (培训规则): class size, lateness, credits, annual hours."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jiceng.core import pages
from jiceng.core.scoping import require_county_admin

from .. import services
from ..forms import SettingsForm
from ..models import TrainingSettings


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=TrainingSettings.current())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **data),
        success="已保存培训规则，并已按新规则核对本年度的通报与扣分。",
        to="training:settings",
    ):
        return done
    return render(request, "training/settings.html", {"form": form, "active_nav": "training_settings"})
