"""在职党员到社区报到: the community side's pages (docs/dual.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.navigation import is_staff
from jiceng.core.pages import paginate
from jiceng.core.scoping import get_visible_or_404, page_root, path_q, require_manager, visible
from jiceng.members.models import Member
from jiceng.members.queries import registrable_communities
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .forms import DualEndForm, DualRecordForm, DualRegisterForm
from .models import DualRegistrationRecord


def _require_staff(user) -> None:
    if not is_staff(user):
        raise PermissionDenied("党员只能查看本人档案")


def _filtered(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    qs = queries.registered_members(request.user).select_related("organization", "registered_community")
    community = None
    community_id = params.int_or_none(request.GET.get("community"))
    if community_id is not None:
        community = registrable_communities(request.user).filter(pk=community_id).first()
        qs = qs.filter(registered_community=community) if community else qs.none()
    # ?org=: the communities within one organization's subtree (the command screen's figure).
    org_id = params.int_or_none(request.GET.get("org"))
    if org_id is not None:
        org = visible(request.user, Organization.objects.filter(pk=org_id)).first()
        qs = qs.filter(path_q("registered_community__path", org.path)) if org else qs.none()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__contains=q)
    qs = qs.order_by("registered_community__path", "name_pinyin", "id")
    return qs, year, community, q


def _progress(request, qs, year: int, completion: str):
    """Every filtered member's year from records (five queries), which community each is
    registered with, and the list narrowed to the complete or incomplete ones."""
    rows = list(
        qs.order_by().values_list("pk", "registered_community_id", "registered_community__path", "registered_on")
    )
    progress = queries.dual_progress_of(
        {pk: (path, since) for pk, _, path, since in rows}, year, queries.dual_records(request.user)
    )
    community_of = {pk: community_id for pk, community_id, _, _ in rows}
    if completion in ("complete", "incomplete"):
        done = {pk for pk, p in progress.items() if rules.dual_complete(p)}
        community_of = {pk: c for pk, c in community_of.items() if (pk in done) == (completion == "complete")}
        qs = qs.filter(pk__in=list(community_of))
    return qs, progress, community_of


def _summary(community_of: dict, progress: dict, community) -> dict:
    """Registered, complete and per-kind figures for the whole filtered list, in total and per
    community (one query, for the communities' names)."""
    registered = len(community_of)
    complete = 0
    per_kind = dict.fromkeys(rules.DUAL_KINDS, 0)
    by_community: dict[int, list[int]] = {}
    for member_id, community_id in community_of.items():
        done = progress.get(member_id, {})
        row = by_community.setdefault(community_id, [0, 0])
        row[0] += 1
        if rules.dual_complete(done):
            complete += 1
            row[1] += 1
        for k in rules.DUAL_KINDS:
            per_kind[k] += done.get(k, 0) > 0
    communities = [] if community else Organization.objects.filter(pk__in=list(by_community)).order_by("path")
    return {
        "communities": [
            (
                c,
                by_community[c.pk][0],
                by_community[c.pk][1],
                round(100 * by_community[c.pk][1] / by_community[c.pk][0], 1),
            )
            for c in communities
        ],
        "registered": registered,
        "complete": complete,
        "rate": round(100 * complete / registered, 1) if registered else None,
        "per_kind": [(DualRegistrationRecord.Kind(k).label, per_kind[k]) for k in rules.DUAL_KINDS],
    }


@login_required
def dual_list(request):
    """The community's registered in-office members and this year's party days, service
    projects and wishes of each, counted from records (在职党员到社区报到)."""
    _require_staff(request.user)
    qs, year, community, q = _filtered(request)
    completion = request.GET.get("completion", "")
    qs, progress, community_of = _progress(request, qs, year, completion)
    context = paginate(request, qs)
    context["rows"] = [
        {"member": m, "done": progress.get(m.pk, {}), "complete": rules.dual_complete(progress.get(m.pk, {}))}
        for m in context["rows"]
    ]
    context.update(
        {
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "community": community,
            "communities": visible(
                request.user, Organization.objects.filter(registered_members__isnull=False).distinct()
            ).order_by("path"),
            "query": q,
            "completion": completion,
            "summary": _summary(community_of, progress, community),
            "kinds": rules.DUAL_KINDS,
            "can_register": getattr(request.user, "can_manage", False) or request.user.is_superuser,
            "active_nav": "dual",
        }
    )
    return render(request, "dual/list.html", context)


@login_required
def dual_export(request):
    _require_staff(request.user)
    qs, year, community, q = _filtered(request)
    qs, progress, _ = _progress(request, qs, year, request.GET.get("completion", ""))
    members = list(qs)
    headers = [
        "姓名",
        "性别",
        "工作单位党组织",
        "报到社区",
        "报到日期",
        "手机号码",
        "主题党日",
        "服务项目",
        "微心愿",
        "全年完成",
    ]
    rows = (
        (
            m.name,
            m.get_gender_display(),
            m.organization.name,
            m.registered_community.name,
            m.registered_on,
            m.masked_phone,
            *(progress.get(m.pk, {}).get(k, 0) for k in rules.DUAL_KINDS),
            "是" if rules.dual_complete(progress.get(m.pk, {})) else "否",
        )
        for m in members
    )
    notes = [
        f"{year}年度。每名报到的在职党员每年应参加一次社区主题党日、认领一个服务项目、认领一个微心愿。",
        "主题党日按报到社区（含所属党支部）主题党日的出勤记录统计，微心愿按本人认领记录统计，服务项目由社区登记。",
        "手机号码已脱敏。",
    ]
    return xlsx.xlsx_response(f"{year}年在职党员到社区报到", xlsx.build_workbook("双报到", headers, rows, notes=notes))


@login_required
@require_http_methods(["GET", "POST"])
def dual_register(request):
    require_manager(request.user)
    communities = registrable_communities(request.user)
    initial = {"on": timezone.localdate()}
    if request.GET.get("community"):
        initial["community"] = request.GET["community"]
    form = DualRegisterForm(request.POST or None, initial=initial, communities=communities)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.register_with_community(request.user, **data),
        success=lambda member: f"{member.name}已到{member.registered_community.name}报到",
        to=lambda member: reverse("dual:member", args=[member.pk]),
    ):
        return done
    return render(
        request,
        "dual/register.html",
        {"form": form, "has_communities": communities.exists(), "active_nav": "dual"},
    )


def _registered_or_404(user, pk):
    try:
        return queries.registered_members(user).select_related("organization", "registered_community").get(pk=pk)
    except Member.DoesNotExist as exc:
        raise Http404("未找到或无权查看") from exc


def _party_days():
    """The app that keeps the themed party days (jiceng.life's dual_sources), if installed."""
    return queries.sources().get("party_day")


@login_required
def dual_member(request, pk):
    """What a community sees of a member registered with it: only what the registration needs."""
    member = _registered_or_404(request.user, pk)
    records = queries.dual_records(request.user).filter(member=member).select_related("recorded_by", "community")
    year = timezone.localdate().year
    done = queries.dual_progress([member.pk], year, queries.dual_records(request.user))[member.pk]
    party_days = _party_days()
    can_record = True
    try:
        require_manager(request.user, member.registered_community)
    except PermissionDenied:
        can_record = False
    return render(
        request,
        "dual/member.html",
        {
            "member": member,
            "records": records,
            "party_days": party_days.attended(member, year) if party_days else [],
            "year": year,
            "done": [(DualRegistrationRecord.Kind(k).label, done.get(k, 0)) for k in rules.DUAL_KINDS],
            "complete": rules.dual_complete(done),
            "can_record": can_record,
            "record_form": DualRecordForm(initial={"on": timezone.localdate()}),
            "party_day_form": (
                party_days.PartyDayForm(records=party_days.open_party_days(member)) if party_days else None
            ),
            "end_form": DualEndForm(),
            "active_nav": "dual",
        },
    )


@login_required
@require_POST
def dual_record(request, pk):
    member = _registered_or_404(request.user, pk)
    form = DualRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写日期和服务项目内容")
        return redirect("dual:member", pk=member.pk)
    return pages.button_action(
        request,
        lambda: services.record_dual_activity(request.user, member, **form.cleaned_data),
        success="已登记服务项目",
        to=reverse("dual:member", args=[member.pk]),
    )


@login_required
@require_POST
def dual_party_day(request, pk):
    """The community records that the registered member took part in one of its themed party
    days: the member joins that activity's attendance as present. Life keeps its rosters: the
    choices and the write come from its dual_sources module (life.services.add_to_roster)."""
    party_days = _party_days()
    if party_days is None:
        raise Http404("未启用组织生活")
    member = _registered_or_404(request.user, pk)
    require_manager(request.user, member.registered_community)
    form = party_days.PartyDayForm(request.POST, records=party_days.open_party_days(member, request.user))
    if not form.is_valid():
        messages.error(request, "请选择本社区已纪实的一次主题党日")
        return redirect("dual:member", pk=member.pk)
    return pages.button_action(
        request,
        lambda: party_days.add_present(request.user, form.cleaned_data["record"], member),
        success=f"已登记{member.name}参加主题党日",
        to=reverse("dual:member", args=[member.pk]),
    )


@login_required
@require_POST
def dual_record_delete(request, pk):
    record = get_visible_or_404(request.user, DualRegistrationRecord.objects.select_related("community"), pk=pk)
    services.delete_dual_activity(request.user, record)
    messages.success(request, "已删除该条记录")
    return (
        redirect("dual:member", pk=record.member_id)
        if queries.registered_members(request.user).filter(pk=record.member_id).exists()
        else redirect("dual:list")
    )


@login_required
@require_POST
def dual_end(request, pk):
    member = _registered_or_404(request.user, pk)
    form = DualEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写注销原因")
        return redirect("dual:member", pk=member.pk)
    return pages.button_action(
        request,
        lambda: services.end_registration(request.user, member, reason=form.cleaned_data["reason"]),
        success=f"已注销{member.name}在{member.registered_community.name}的报到",
        to="dual:list",
        back=reverse("dual:member", args=[member.pk]),
    )


@login_required
def panel_command(request):
    """The command screen's dual-registration card, loaded after the page (panels.command_panels)."""
    from .panels import command_panel_context

    _require_staff(request.user)
    root = page_root(request)
    return render(
        request,
        "dual/panels/command.html",
        {"panel": command_panel_context(root, timezone.localdate()), "title": "在职党员到社区报到"},
    )
