"""Small helpers shared by the page views of every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect

PAGE_SIZE = 50


def style_form(form: forms.Form) -> forms.Form:
    """Give widgets Tabler's classes; a required choice of one organization (or other record)
    that has only one option comes chosen, not as 「---------」."""
    for name, field in form.fields.items():
        _preselect_only_choice(form, name, field)
        widget = field.widget
        if isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")
        if isinstance(widget, forms.DateInput):
            # <input type="date"> takes ISO dates only; without this, initial values show empty.
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
    return form


def _preselect_only_choice(form, name: str, field) -> None:
    if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
        return
    if not field.required or form.is_bound or field.queryset is None:
        return
    if form.initial.get(name) is not None or field.initial is not None:
        return
    only = list(field.queryset[:2])
    if len(only) == 1:
        form.initial[name] = only[0].pk
        field.empty_label = None


def paginate(request, queryset, per_page: int = PAGE_SIZE, *, count: int | None = None) -> dict:
    """A page of ``queryset``; ``count``: the number of rows when the caller knows it already
    (from a GROUP BY it needed anyway), which saves the paginator's COUNT(*)."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    page_obj = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {"page_obj": page_obj, "rows": page_obj.object_list, "query_without_page": params.urlencode()}


def apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def refusal_text(exc: ValidationError) -> str:
    """A service's refusal as one line for a flash message (several reasons joined by 「；」)."""
    return "；".join(exc.messages)


Message = str | Callable[[Any], str] | None
Target = str | Callable[[Any], Any]


def form_action(request, form: forms.Form, action: Callable[[dict], Any], *, success: Message, to: Target):
    """The glue of a page whose form goes to a service.

    On a valid POST, ``action(form.cleaned_data)`` runs; a ``ValidationError`` it raises is put
    on the form (by field where it names one) and None is returned, so the view renders the form
    again with the reason; otherwise ``success`` is flashed and the redirect to ``to`` returned.
    On GET or an invalid form nothing runs and None is returned.

    ``success`` and ``to`` are a value or a function of what the action returned; ``to`` is
    anything ``django.shortcuts.redirect`` takes (a URL or a view name without arguments)::

        if done := pages.form_action(
            request, form, lambda data: services.create_course(request.user, **data),
            success=lambda course: f"已新建培训班：{course.title}",
            to=lambda course: reverse("training:course_detail", args=[course.pk]),
        ):
            return done
        return render(request, "training/form.html", {"form": form})
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None
    return _succeeded(request, result, success, to)


def button_action(
    request, action: Callable[[], Any], *, success: Message, to: Target, back: str | None = None
) -> HttpResponse:
    """The glue of a POST button that runs a service.

    ``action()`` runs; a ``ValidationError`` is flashed as one line (「；」 between reasons) and
    the user goes ``back`` (default: ``to``, which must then not be a function); otherwise
    ``success`` is flashed and the user goes ``to``. Values as for ``form_action``.
    """
    if back is None and callable(to):
        raise TypeError("button_action: a computed `to` needs an explicit `back` for refusals")
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect(back if back is not None else to)
    return _succeeded(request, result, success, to)


def _succeeded(request, result, success: Message, to: Target) -> HttpResponse:
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return redirect(to(result) if callable(to) else to)
