"""Configuration of the request system for county admins [C]: settings (weights, ladder,
sweeps, photos, Open311 keys), categories, deadline rules, routing table, departments and
their handler accounts. Every change goes through a service and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, params
from jiceng.core.scoping import get_visible_or_404, home_root, require_county_admin, visible
from jiceng.orgs.models import Organization

from .. import rules, services
from ..forms import CategoryForm, DeadlineRuleForm, DepartmentForm, HandlerAccountForm, RoutingRuleForm, SettingsForm
from ..models import Category, DeadlineRule, Department, DepartmentStaff, RequestSettings, RoutingRule


def _county_root(user) -> Organization:
    return home_root(user)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=RequestSettings.current())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **data),
        success="诉求配置已保存",
        to="requests:settings",
    ):
        return done
    return render(request, "requests/config/settings.html", {"form": form, "active_nav": "requests_config"})


@login_required
@require_http_methods(["GET", "POST"])
def categories(request):
    require_county_admin(request.user)
    form = CategoryForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_category(request.user, **data),
        success="已新增类别",
        to="requests:categories",
    ):
        return done
    context = {"form": form, "rows": Category.objects.all(), "active_nav": "requests_config"}
    return render(request, "requests/config/categories.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    require_county_admin(request.user)
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(request.POST or None, instance=Category.objects.get(pk=pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_category(request.user, category, **data),
        success="已保存",
        to="requests:categories",
    ):
        return done
    context = {"form": form, "category": category, "active_nav": "requests_config"}
    return render(request, "requests/config/category_edit.html", context)


def _deadline_rows():
    out = []
    for rule in DeadlineRule.objects.select_related("category"):
        stages = []
        for stage in rules.STAGES:
            amount, unit = getattr(rule, f"{stage}_amount"), getattr(rule, f"{stage}_unit")
            stages.append(rules.describe_deadline(amount, unit) if amount is not None and unit else "—")
        out.append((rule, stages))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def deadlines(request):
    require_county_admin(request.user)
    form = DeadlineRuleForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_deadline_rule(request.user, **data),
        success="已新增时限规则",
        to="requests:deadlines",
    ):
        return done
    context = {"form": form, "rows": _deadline_rows(), "active_nav": "requests_config"}
    return render(request, "requests/config/deadlines.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deadline_edit(request, pk):
    require_county_admin(request.user)
    rule = get_object_or_404(DeadlineRule, pk=pk)
    if request.method == "POST" and request.POST.get("delete"):
        return pages.button_action(
            request,
            lambda: services.delete_deadline_rule(request.user, rule),
            success="已删除该规则",
            to="requests:deadlines",
        )
    form = DeadlineRuleForm(request.POST or None, instance=DeadlineRule.objects.get(pk=pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_deadline_rule(request.user, rule, **data),
        success="已保存（只影响此后受理、转办、上报或重办的诉求）",
        to="requests:deadlines",
    ):
        return done
    context = {"form": form, "rule": rule, "active_nav": "requests_config"}
    return render(request, "requests/config/deadline_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def routing(request):
    require_county_admin(request.user)
    root = _county_root(request.user)
    organizations = visible(request.user, Organization.objects.all()).order_by("path")
    departments = Department.objects.filter(
        is_active=True, county__in=visible(request.user, Organization.objects.all())
    )
    form = RoutingRuleForm(request.POST or None, organizations=organizations, departments=departments)
    if request.method == "POST" and request.POST.get("delete"):
        pk = params.int_or_none(request.POST["delete"])
        if pk is None:
            raise Http404("没有这条分派规则")
        rule = get_visible_or_404(request.user, RoutingRule.objects.all(), pk=pk)
        return pages.button_action(
            request,
            lambda: services.delete_routing_rule(request.user, rule),
            success="已删除该分派规则",
            to="requests:routing",
        )
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_routing_rule(request.user, **data),
        success="分派规则已保存",
        to="requests:routing",
    ):
        return done
    rows = visible(
        request.user,
        RoutingRule.objects.select_related("organization", "category", "target_org", "target_department"),
    )
    context = {"form": form, "rows": rows, "root": root, "active_nav": "requests_config"}
    return render(request, "requests/config/routing.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def departments(request):
    require_county_admin(request.user)
    root = _county_root(request.user)
    form = DepartmentForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_department(request.user, county=root, **data),
        success="已新增部门",
        to="requests:departments",
    ):
        return done
    rows = visible(request.user, Department.objects.select_related("county")).prefetch_related("staff__user")
    context = {"form": form, "rows": rows, "root": root, "active_nav": "requests_config"}
    return render(request, "requests/config/departments.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, pk):
    require_county_admin(request.user)
    department = get_visible_or_404(request.user, Department.objects.select_related("county"), pk=pk)
    form = DepartmentForm(
        request.POST if request.POST.get("form") == "department" else None, instance=Department.objects.get(pk=pk)
    )
    account = HandlerAccountForm(request.POST if request.POST.get("form") == "account" else None)
    here = reverse("requests:department_edit", args=[department.pk])
    # Only the form the POST names is bound; the other is not valid and does nothing.
    if done := pages.form_action(
        request,
        form,
        lambda data: services.save_department(request.user, department, **data),
        success="已保存",
        to=here,
    ):
        return done
    if done := pages.form_action(
        request,
        account,
        lambda data: services.add_department_handler(request.user, department, **data),
        success=lambda user: f"已为{department.name}新增经办人账号 {user.username}",
        to=here,
    ):
        return done
    staff = DepartmentStaff.objects.filter(department=department).select_related("user")
    context = {
        "department": department,
        "form": form,
        "account": account,
        "staff": staff,
        "active_nav": "requests_config",
    }
    return render(request, "requests/config/department_edit.html", context)
