"""The organization picker: a filter field that holds an organization's id (so links and the API
keep `?organization=<id>`) but is chosen by typing its name or code, among the organizations the
user may see. `OrganizationPickerFilter` replaces the 「组织ID」 number boxes of every list filter,
and `pick_when_large` the <select> of a form's organization field when it would list hundreds
(`pick_organizations_when_large`: every organization field of a form).

The search box asks `orgs:picker` (htmx) for at most 20 matches in the user's scope; picking
one (core/static/jiceng.js, `data-org-pick`) fills the hidden id. The box shows the chosen
organization's name only if it is in the user's scope (the FilterSet must get `request=`).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from jiceng.core import params
from jiceng.core.scoping import visible

from .models import Organization

MAX_MATCHES = 20


class OrganizationPicker(forms.Widget):
    template_name = "orgs/picker.html"

    def __init__(self, attrs=None, placeholder: str = "输入组织名称或编码", queryset=None):
        super().__init__(attrs)
        self.placeholder = placeholder
        self.user = None  # set per request by OrganizationPickerFilter: names only within scope
        self.queryset = queryset  # in a form: the field's own choices (already scoped by the view)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pk = params.int_or_none(value) if value not in (None, "") else None
        org = None
        if pk and self.queryset is not None:
            # select_related(None): a field's choices may follow `parent`, which only() defers.
            org = self.queryset.select_related(None).filter(pk=pk).only("name", "code").first()
        elif pk and getattr(self.user, "is_authenticated", False):
            org = visible(self.user, Organization.objects.filter(pk=pk)).only("name", "code").first()
        context["widget"].update(
            {
                "org": org,
                "url": reverse("orgs:picker"),
                "placeholder": self.placeholder,
                "search_id": f"{attrs.get('id') or name}-search",
            }
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)


# A <select> of a few hundred organizations is a form; of a city's 14,700 it is 1.5 s of HTML.
PICK_ABOVE = 300


def pick_when_large(field: forms.ModelChoiceField, placeholder: str = "输入组织名称或编码查找") -> None:
    """Above PICK_ABOVE choices, a form's organization field is chosen with the picker (typed name
    or code, the hidden id posted) instead of a <select> listing every organization. The field
    and its validation are unchanged: a pick outside its choices is refused as before."""
    if field.queryset is None or field.queryset.count() <= PICK_ABOVE:
        return
    widget = OrganizationPicker(placeholder=placeholder, queryset=field.queryset)
    widget.is_required = field.required
    field.widget = widget


def pick_organizations_when_large(form: forms.BaseForm, **placeholders: str) -> None:
    """`pick_when_large` for every organization field of `form`, with the placeholder given
    by field name (`organization="输入村、社区名称查找"`) or the general one. Call it at the end
    of the form's __init__, once the fields' querysets (the user's scope) are set.
    A ModelMultipleChoiceField keeps its widget: the picker holds one id."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
            continue
        if field.queryset is None or field.queryset.model is not Organization:
            continue
        if name in placeholders:
            pick_when_large(field, placeholders[name])
        else:
            pick_when_large(field)


class OrganizationPickerFilter(django_filters.NumberFilter):
    """An organization, by id in the URL, picked by name or code on the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", OrganizationPicker())
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        request = getattr(getattr(self, "parent", None), "request", None)
        field.widget.user = getattr(request, "user", None)
        return field


@login_required
def picker(request):
    q = request.GET.get("q", "").strip()
    orgs = []
    if q and not params.has_control_chars(q):
        orgs = list(
            visible(request.user, Organization.objects.all())
            .filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__istartswith=q))
            .select_related("parent")
            .order_by("path")[:MAX_MATCHES]
        )
    return render(request, "orgs/picker_options.html", {"orgs": orgs, "query": q})
