"""The county admin's settings of the wish pool [C]."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiceng.core.scoping import require_county_admin

from .. import services
from ..forms import SettingsForm
from ..models import WishSettings


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=WishSettings.current())
    if request.method == "POST" and form.is_valid():
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, "微心愿配置已保存")
        return redirect("wishes:settings")
    return render(request, "wishes/settings.html", {"form": form, "active_nav": "wishes"})
