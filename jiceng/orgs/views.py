from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, panels, params, xlsx
from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, page_root, require_manager, scope_root, visible

from . import queries, rules, services
from .filters import OrganizationFilter
from .forms import EnterpriseForm, OrganizationForm
from .models import Enterprise, Organization


def _scoped_orgs(request):
    return visible(request.user, Organization.objects.all())


def _children_with_counts(org: Organization) -> list[Organization]:
    counts = queries.active_members_by_child(org)
    children = list(org.children.all())
    for child in children:
        child.member_count = counts.get(child.path, 0)
    return children


@login_required
def tree(request):
    root = page_root(request, choose=False)
    return render(
        request, "orgs/tree.html", {"root": root, "children": _children_with_counts(root), "active_nav": "orgs"}
    )


@login_required
def children(request, pk):
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    return render(request, "orgs/_children.html", {"children": _children_with_counts(org)})


def _filtered(request):
    f = OrganizationFilter(request.GET, queryset=_scoped_orgs(request).select_related("parent"), request=request)
    style_form(f.form)
    return f


@login_required
def org_list(request):
    f = _filtered(request)
    context = {"filter": f, "export_url": "export/", "active_nav": "orgs"}
    context.update(paginate(request, f.qs))
    return render(request, "orgs/list.html", context)


@login_required
def org_export(request):
    f = _filtered(request)
    rows = (
        (
            o.code,
            o.name,
            o.get_type_display(),
            o.get_domain_display(),
            o.parent.code if o.parent else "",
            o.parent.name if o.parent else "",
            o.founded_on,
            "是" if o.has_committee else "否",
            o.term_start,
            o.term_end,
            o.secretary_name,
            queries.contact_phone_for(request.user, o),
            o.venue,
        )
        for o in f.qs.iterator(chunk_size=2000)
    )
    headers = [
        "组织编码",
        "组织名称",
        "组织类型",
        "所属领域",
        "上级组织编码",
        "上级组织",
        "成立日期",
        "是否设委员会",
        "任期开始",
        "任期届满",
        "书记",
        "联系电话",
        "活动阵地",
    ]
    return xlsx.xlsx_response("党组织", xlsx.build_workbook("党组织", headers, rows))


@login_required
def org_detail(request, pk):
    org = get_visible_or_404(request.user, Organization.objects.select_related("parent"), pk=pk)
    today = timezone.localdate()
    status = queries.warnings_for(org, today)
    direct_members = queries.member_figures().direct_members(request.user, org)
    root = scope_root(request.user)
    ancestors = Organization.objects.filter(path__in=[org.path[:i] for i in range(4, len(org.path), 4)])
    if root is not None:
        ancestors = ancestors.filter(depth__gte=root.depth)
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "contact_phone": queries.contact_phone_for(request.user, org),
            "status": status,
            "children": _children_with_counts(org),
            "direct_members": direct_members,
            "ancestors": ancestors,
            "enterprises": visible(
                request.user, Enterprise.objects.filter(township=org).select_related("party_organization")
            ),
            "can_manage": can_manage(request.user, org),
            "panels": panels.collect("organization_panels", request, org),
            "active_nav": "orgs",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request):
    parent = get_visible_or_404(request.user, Organization.objects.all(), pk=request.GET.get("parent") or 0)
    require_manager(request.user, parent)
    form = OrganizationForm(request.POST or None)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.create_organization(request.user, parent=parent, **data),
        success=lambda org: f"已新增党组织：{org.name}",
        to=lambda org: reverse("orgs:detail", args=[org.pk]),
    ):
        return done
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "active_nav": "orgs"})


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk):
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    require_manager(request.user, org)
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=org.pk))
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_organization(request.user, org, **data),
        success="已保存",
        to=reverse("orgs:detail", args=[org.pk]),
    ):
        return done
    return render(request, "orgs/form.html", {"form": form, "org": org, "parent": org.parent, "active_nav": "orgs"})


@login_required
@require_http_methods(["GET", "POST"])
def org_delete(request, pk):
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    require_manager(request.user, org)
    if request.method == "POST":
        parent = org.parent
        return pages.button_action(
            request,
            lambda: services.delete_organization(request.user, org),
            success=f"已删除：{org.name}",
            to=reverse("orgs:detail", args=[parent.pk]) if parent else "orgs:tree",
            back=reverse("orgs:detail", args=[org.pk]),
        )
    return render(request, "orgs/confirm_delete.html", {"org": org, "active_nav": "orgs"})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request, pk):
    township = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    require_manager(request.user, township)
    party_orgs = visible(request.user, Organization.objects.filter(township.subtree_filter()))
    form = EnterpriseForm(request.POST or None, party_organizations=party_orgs)
    if request.method == "POST" and form.is_valid():
        enterprise = form.save(commit=False)
        enterprise.township = township
        services.save_enterprise(request.user, enterprise)
        messages.success(request, f"已登记：{enterprise.name}")
        return redirect("orgs:detail", pk=township.pk)
    return render(request, "orgs/enterprise_form.html", {"form": form, "township": township, "active_nav": "coverage"})


def _warnings(request):
    root = page_root(request, choose=False)
    org_id = params.int_or_none(request.GET.get("org"))
    if org_id is not None:
        root = get_visible_or_404(request.user, Organization.objects.all(), pk=org_id)
    today = timezone.localdate()
    orgs = _scoped_orgs(request).filter(root.subtree_filter()).select_related("parent")
    items = queries.warnings_in(orgs, root.path, today)
    code = request.GET.get("code", "")
    if code in rules.WARNING_LABELS:
        items = [i for i in items if any(w.code == code for w in i.warnings)]
    return root, items, code


@login_required
def warning_list(request):
    root, items, code = _warnings(request)
    context = {
        "root": root,
        "code": code,
        "labels": rules.WARNING_LABELS,
        "active_nav": "warnings",
        "totals": queries.warning_totals(items),
        "export_url": "export/",
    }
    context.update(paginate(request, items))
    return render(request, "orgs/warnings.html", context)


@login_required
def warning_export(request):
    root, items, code = _warnings(request)
    rows = (
        (
            i.organization.code,
            i.organization.name,
            i.organization.get_type_display(),
            i.counts.members,
            i.counts.full,
            "是" if i.organization.has_committee else "否",
            i.organization.term_end,
            w.label,
            w.message,
        )
        for i in items
        for w in i.warnings
        if not code or w.code == code
    )
    headers = ["组织编码", "组织名称", "类型", "党员数", "正式党员数", "设委员会", "任期届满", "预警", "说明"]
    return xlsx.xlsx_response("结构预警", xlsx.build_workbook("结构预警", headers, rows))


def _coverage(request):
    return queries.coverage_by_township(visible(request.user, Enterprise.objects.all()))


@login_required
def coverage(request):
    rows = _coverage(request)
    return render(request, "orgs/coverage.html", {"rows": rows, "active_nav": "coverage", "export_url": "export/"})


@login_required
def coverage_export(request):
    rows = (
        (
            c.township.name,
            c.enterprises,
            c.enterprises_with_org,
            c.enterprises_with_work,
            c.social_orgs,
            c.social_orgs_with_org,
            c.social_orgs_with_work,
            c.org_rate,
            c.work_rate,
        )
        for c in _coverage(request)
    )
    headers = [
        "乡镇",
        "非公企业数",
        "建立党组织",
        "开展党的工作",
        "社会组织数",
        "建立党组织",
        "开展党的工作",
        "组织覆盖率(%)",
        "工作覆盖率(%)",
    ]
    return xlsx.xlsx_response("两新组织覆盖", xlsx.build_workbook("两新组织覆盖", headers, rows))
