"""The county's dues settings (党费设置): the ledger's start, the farmers' standard
amount and the day of the monthly reminder."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jiceng.core import pages

from .. import queries, services
from ..forms import SettingsForm
from ..models import DuesSettings


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    from jiceng.core.scoping import require_county_admin

    require_county_admin(request.user)
    current = DuesSettings.current()
    form = SettingsForm(request.POST or None, instance=current)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **{f: data[f] for f in services.SETTINGS_FIELDS}),
        success="已保存党费设置",
        to="dues:settings",
    ):
        return done
    return render(
        request,
        "dues/settings.html",
        {"form": form, "effective_start": queries.ledger_start(current), "active_nav": "dues_settings"},
    )
