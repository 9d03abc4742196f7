"""我的帮扶户: a cadre with a member account sees, at phone width, the households paired with them
now and logs a visit to one of them; nothing else of the village (ADR 0027). The reach is
``queries.my_households`` (the cadre's open pairs), not the organization scope, so these pages
are open to plain members too; the services check the same reach again."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages

from .. import queries, rules, services
from ..forms import MyVisitForm
from ..models import Household, RelapseFlag

NAV = "my_households"


def _mine(request, pk) -> Household:
    """One of the user's households, or 404 (the household of anyone else is not found)."""
    household = queries.my_households(request.user).select_related("village").filter(pk=pk).first()
    if household is None:
        raise Http404("未找到或不是您结对的帮扶户")
    return household


@login_required
def my_households(request):
    now = timezone.localtime()
    rule = queries.pair_cadence()
    period = rules.period_of(rule.period if rule else rules.MONTH, now.date())
    start, _end = period.bounds(now.tzinfo)
    cadres = queries.own_cadres(request.user)
    households = (
        queries.my_households(request.user)
        .select_related("village")
        .annotate(
            last_visit=Max("visits__visited_at", filter=Q(visits__cadre__in=cadres)),
            this_period=Count("visits", filter=Q(visits__cadre__in=cadres, visits__visited_at__gte=start)),
            # 返贫预警 reaches the pair (issue 14 item 5): the cadre sees which of their households
            # has an open flag; its review stays the village's.
            flagged=Exists(RelapseFlag.objects.filter(household=OuterRef("pk"), state__in=RelapseFlag.OPEN_STATES)),
        )
        .order_by("village__path", "number")
    )
    recent = queries.my_visits(request.user).select_related("household").order_by("-visited_at")[:10]
    return render(
        request,
        "households/mine.html",
        {
            "households": households,
            "recent": recent,
            "is_cadre": cadres.exists(),
            "period": period,
            "rule": rule,
            "active_nav": NAV,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_visit_create(request, pk):
    household = _mine(request, pk)
    initial = {"visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = MyVisitForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)

    def save(data):
        data = dict(data)
        return services.record_visit(request.user, household, photos=data.pop("photos", []), **data)

    if done := pages.form_action(
        request,
        form,
        save,
        success=lambda v: f"已登记对{household.head_name}户的走访" + ("（补录）" if v.late else ""),
        to=reverse("households:mine"),
    ):
        return done
    return render(
        request,
        "households/visit_form.html",
        {"form": form, "title": f"登记走访 · {household}", "household": household, "back": reverse("households:mine"),
         "active_nav": NAV},
    )  # fmt: skip
