"""Small helpers shared by the page views of every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator

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


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> dict:
    paginator = Paginator(queryset, per_page)
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
