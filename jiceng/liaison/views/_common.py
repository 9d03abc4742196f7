"""What several liaison page modules share: the message for members, the search term, the page
with a period (a message and 400 when ?start= / ?end= could not be used), and the one form page
of the register (representatives, teams, stations)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render

from jiceng.core import pages, params
from jiceng.core.periods import period_problem
from jiceng.core.scoping import require_manager

LIAISON_STAFF_ONLY = "党员请在「我的档案」中查看本人参加的走访"


def search_term(value) -> str | None:
    """A search term; None for one no record can contain (a control character: PostgreSQL
    cannot even compare text holding NUL)."""
    text = (value or "").strip()
    return None if params.has_control_chars(text) else text


def period_page(request, template: str, context: dict):
    """A page, with a message (and 400) when its ?start= / ?end= could not be used."""
    problem = period_problem(request)
    if problem:
        messages.error(request, problem)
    return render(request, template, context, status=400 if problem else 200)


def register_form(request, form_class, instance, save, success_url, title, template="liaison/form.html"):
    require_manager(request.user, getattr(instance, "organization", None) if instance and instance.pk else None)
    form = form_class(request.POST or None, instance=instance, user=request.user)

    def run(data):
        values = form.values() if hasattr(form, "values") else dict(data)
        return save(request.user, instance if instance.pk else None, **values)

    if done := pages.form_action(request, form, run, success="已保存", to=success_url):
        return done
    return render(request, template, {"form": form, "title": title, "active_nav": "liaison"})
