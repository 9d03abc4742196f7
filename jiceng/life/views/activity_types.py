"""Activity types (组织生活规则): the list every signed-in user may read, and new / edit by a county admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jiceng.core import pages
from jiceng.core.scoping import require_county_admin

from .. import services
from ..forms import ActivityTypeForm
from ..models import ActivityType


@login_required
def type_list(request):
    return render(
        request,
        "life/types.html",
        {
            "types": ActivityType.objects.select_related("counts_for").order_by("order", "id"),
            "can_edit": request.user.is_superuser or request.user.is_county_admin,
            "active_nav": "life_types",
        },
    )


@login_required
def type_edit(request, pk=None):
    require_county_admin(request.user)
    instance = ActivityType.objects.get(pk=pk) if pk else None
    form = ActivityTypeForm(request.POST or None, instance=instance)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_activity_type(request.user, form.save(commit=False)),
        success="已保存，落实情况按新规则计算",
        to="life:types",
    ):
        return done
    return render(request, "life/type_form.html", {"form": form, "instance": instance, "active_nav": "life_types"})
