"""Audit log browsing (county admins)."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import services, xlsx
from .models import AuditEntry, Configuration
from .pages import paginate, style_form
from .scoping import require_county_admin, visible


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="操作", choices=AuditEntry.Action.choices)
    actor_name = django_filters.CharFilter(label="操作人账号", lookup_expr="exact")
    object_type = django_filters.ChoiceFilter(
        label="对象类型",
        choices=[
            ("orgs.Organization", "党组织"),
            ("members.Member", "党员"),
            ("imports.ImportBatch", "导入批次"),
            ("orgs.Enterprise", "两新组织"),
            ("members.LeadHousehold", "党员中心户"),
        ],
    )
    object_id = django_filters.CharFilter(label="对象ID")
    since = django_filters.DateFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = []


def _entries(request):
    require_county_admin(request.user)
    f = AuditFilter(request.GET, queryset=visible(request.user, AuditEntry.objects.all()))
    style_form(f.form)
    return f


@login_required
def audit_list(request):
    f = _entries(request)
    context = {"filter": f, "export_url": request.path + "export/", "active_nav": "audit"}
    context.update(paginate(request, f.qs))
    return render(request, "core/audit_list.html", context)


@login_required
def audit_export(request):
    f = _entries(request)
    rows = (
        (e.at, e.actor_name, e.get_action_display(), e.object_type, e.object_id, e.object_repr, str(e.changes), e.note)
        for e in f.qs.iterator(chunk_size=2000)
    )
    wb = xlsx.build_workbook("审计日志", ["时间", "操作人", "操作", "对象类型", "对象ID", "对象", "变更", "说明"], rows)
    return xlsx.xlsx_response("审计日志", wb)


class ConfigurationForm(forms.ModelForm):
    class Meta:
        model = Configuration
        fields = services.CONFIG_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        for field in self.fields.values():
            field.widget.attrs["min"] = 1


@login_required
@require_http_methods(["GET", "POST"])
def configuration(request):
    """County practice settings [C] with the reported defaults."""
    require_county_admin(request.user)
    form = ConfigurationForm(request.POST or None, instance=Configuration.current())
    if request.method == "POST" and form.is_valid():
        services.update_configuration(request.user, **form.cleaned_data)
        messages.success(request, "配置已保存")
        return redirect("core:configuration")
    return render(request, "core/configuration.html", {"form": form, "active_nav": "configuration"})
