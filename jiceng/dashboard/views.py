from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from jiceng.core import panels, params
from jiceng.core.navigation import menu
from jiceng.core.scoping import (
    get_visible_or_404,
    home_root,
    is_member_role,
    is_resident,
    page_root,
    require_staff,
    scope_root,
)
from jiceng.members import tally
from jiceng.orgs.models import Organization

from . import queries

CHART_TITLES = {
    "members_by_child": "下一级党员分布",
    "orgs_by_type": "党组织类型",
    "orgs_by_domain": "党组织领域",
    "members_by_status": "党员状态",
    "members_by_age": "年龄结构（在册）",
    "members_by_gender": "性别（在册）",
    "members_by_education": "学历（在册）",
}


@login_required
def command(request):
    user = request.user
    if is_resident(user):
        # A resident's account (群众) has no organization to show: its screen lists its own pages.
        entries = [i for g in menu(user) for i in g.items if i.url_name != "dashboard:command"]
        return render(request, "dashboard/personal.html", {"has_entries": bool(entries), "active_nav": "dashboard"})
    if is_member_role(user):
        # A member's screen is their own record.
        if user.member_id:
            return redirect("members:detail", pk=user.member_id)
        raise Http404("账号未关联党员档案")
    if user.role == "department_handler" and not user.is_superuser and "org" not in request.GET:
        # A department's handler works on the requests sent to the department (吹哨报到).
        return redirect("requests:inbox")
    org_id = params.int_or_none(request.GET.get("org"))
    if org_id is not None:
        root = get_visible_or_404(user, Organization.objects.all(), pk=org_id)
    else:
        root = home_root(user)
    if root is None:
        return render(request, "dashboard/empty.html", {"active_nav": "dashboard"})
    today = timezone.localdate()
    # The screen and its cards read the member tallies of the subtree once (ADR 0019).
    with tally.one_read_per_screen():
        # The structure and term warnings load after the page (`warnings_card`).
        data = queries.command_screen(user, root, today, warnings=False)
        extra = panels.collect("command_panels", request, root, today)
    # Each figure links to the list of what it counts, except the next level's, which open that
    # level's own screen (`listed` marks the first kind: tested to equal its list's length).
    charts = {
        key: [{"name": f.label, "value": f.value, "url": f.url, "listed": key != "members_by_child"} for f in data[key]]
        for key in CHART_TITLES
    }
    tables = [(title, charts[key]) for key, title in CHART_TITLES.items()]
    parent = root.parent if root.parent_id and root != scope_root(user) else None
    return render(
        request,
        "dashboard/command.html",
        {**data, "charts": charts, "tables": tables, "parent": parent, "panels": extra, "active_nav": "dashboard"},
    )


@login_required
def warnings_card(request):
    """The command screen's structure and term warnings, loaded by the page after itself (htmx):
    at province scale their one statement takes about half a second, which the page does not
    wait for (docs/performance.md, the province screen)."""
    require_staff(request.user)
    root = page_root(request)
    return render(
        request,
        "dashboard/warnings_card.html",
        {"root": root, **queries.warning_figures(request.user, root, timezone.localdate())},
    )
