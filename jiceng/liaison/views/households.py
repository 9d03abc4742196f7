"""The households visited (走访户) in an organization over a period, each counted once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min

from jiceng.core.pages import paginate
from jiceng.core.periods import period_from
from jiceng.core.scoping import page_root, require_staff

from .. import queries
from ._common import LIAISON_STAFF_ONLY, period_page


@login_required
def household_list(request):
    require_staff(request.user, LIAISON_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    qs = (
        queries.households_in(request.user, root, start, end)
        .values("key")
        .annotate(label=Min("label"), visits=Count("visit", distinct=True), last=Max("visit__date"))
        .order_by("key")
    )
    context = {"root": root, "start": start, "end": end, "form": form, "active_nav": "liaison"}
    context.update(paginate(request, qs))
    return period_page(request, "liaison/households.html", context)
