"""Member points pages: the ranking of a branch (or any subtree) for a year, a member's ledger
with every event, my points, the unqualified members with the three-year consequence, and the
recomputation of a month."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports, pages, params, xlsx
from jiceng.core.scoping import can_manage, get_visible_or_404, is_member_role, page_root, require_staff, visible
from jiceng.members.models import Member
from jiceng.members.queries import search
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT

from .. import queries, rules, services
from ..forms import RecomputeForm

STAFF_ONLY = "党员本人请在“我的积分”查看自己的积分"
FIRST_YEAR = 2000


def year_of(request) -> int:
    """?year=, within 2000 and this year; else this year."""
    today = timezone.localdate()
    year = params.int_or_none(request.GET.get("year"))
    return year if year is not None and FIRST_YEAR <= year <= today.year else today.year


def years_offered() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 5, -1))


def crumbs(user, org: Organization) -> list[Organization]:
    paths = [org.path[:i] for i in range(SEGMENT, len(org.path), SEGMENT)]
    return list(visible(user, Organization.objects.filter(path__in=paths)).order_by("path"))


def children(user, org: Organization):
    return visible(user, Organization.objects.filter(parent=org)).order_by("path")


@login_required
def index(request):
    if is_member_role(request.user):
        return redirect("ratings:mine")
    return redirect("ratings:ranking")


def _ranking(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    through = params.int_or_none(request.GET.get("through"))
    through = through if through is not None and 1 <= through <= 12 else 12
    pace = request.GET.get("pace", "")
    pace = pace if pace in ("on", "below") else ""
    rows = search(queries.ranking(root, year, through, pace, user=request.user), request.GET.get("q", ""))
    return root, year, rows, through, pace


@login_required
def ranking(request):
    root, year, rows, through, pace = _ranking(request)
    scheme = queries.scheme_of_year(year)
    context = {
        "through": through,
        "pace": pace,
        "pace_line": queries.pace_line(year, through),
        "root": root,
        "crumbs": crumbs(request.user, root),
        "children": children(request.user, root),
        "year": year,
        "years": years_offered(),
        "scheme": scheme,
        "can_manage": can_manage(request.user, root),
        "recompute_form": RecomputeForm(initial={"month": timezone.localdate().strftime("%Y-%m")}),
        "active_nav": "ratings-points",
    }
    context.update(pages.paginate(request, rows))
    page_rows = context["rows"]
    offset = (context["page_obj"].number - 1) * context["page_obj"].paginator.per_page
    months = queries.months_of_members([m.pk for m in page_rows], year)
    for n, member in enumerate(page_rows, start=offset + 1):
        member.rank = n
        member.months = [months[member.pk].get(m) for m in range(1, 13)]
        if scheme is not None:
            member.below = member.total < rules.prorated_line(scheme.unqualified_below, year, member.join_date)
    return render(request, "ratings/ranking.html", context)


@login_required
@exports.deferrable
def ranking_export(request):
    root, year, ranked, through, pace = _ranking(request)
    headers = ["名次", "姓名", "所在党组织"] + [f"{m}月" for m in range(1, 13)] + ["全年积分"]

    def data():
        rows = list(ranked[:50000])
        months = queries.months_of_members([m.pk for m in rows], year)
        for n, m in enumerate(rows, start=1):
            yield [n, m.name, m.organization.name] + [months[m.pk].get(k) for k in range(1, 13)] + [m.total]

    notes = [f"{root.name} {year}年党员积分排名", "每月积分为当月积分明细之和；明细见系统“党员积分”页面。"]
    if through < 12:
        notes.append(f"全年积分为1–{through}月合计")
    if pace:
        label = "达到" if pace == "on" else "低于"
        notes.append(f"仅列出{label}合格进度（{queries.pace_line(year, through)} 分）的党员")
    # A county's ranking (22,000 members) took 10 s in the request: above the threshold, in the background.
    return exports.ExportFile(
        f"党员积分-{year}", rows=ranked, build=lambda: xlsx.build_workbook("党员积分", headers, data(), notes)
    )


@login_required
def member_points(request, pk):
    member = get_visible_or_404(request.user, Member.objects.select_related("organization"), pk=pk)
    return _ledger_page(request, member)


@login_required
def mine(request):
    if not request.user.member_id:
        raise PermissionDenied("您的账号没有关联党员档案")
    member = Member.objects.select_related("organization").get(pk=request.user.member_id)
    return _ledger_page(request, member, own=True)


def _ledger_page(request, member, own=False):
    year = year_of(request)
    scheme = queries.scheme_of_year(year)
    total = queries.year_total(member, year)
    line = rules.prorated_line(scheme.unqualified_below, year, member.join_date) if scheme else None
    today = timezone.localdate()
    # In the current year the member is measured against the line's pace, not the whole line.
    pace = queries.pace_line(year, today.month - 1) if year == today.year and line is not None else None
    context = {
        "pace": pace,
        "member": member,
        "own": own,
        "year": year,
        "years": years_offered(),
        "scheme": scheme,
        "total": total,
        "line": line,
        "months": queries.member_ledger(member, year, links=not is_member_role(request.user)),
        "claims": queries.visible_claims(request.user).filter(member=member, on__year=year)[:50],
        "star_history": queries.member_stars(member)[:40],
        "active_nav": "ratings-mine" if own else "ratings-points",
    }
    context.update(queries.member_posts_and_pledges(member, year))  # posts, pledges, model posts
    return render(request, "ratings/member.html", context)


def _unqualified(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    year = params.int_or_none(request.GET.get("year"))
    if year is None or not FIRST_YEAR <= year <= today.year:
        year = today.year - 1  # the last whole year
    scheme = queries.scheme_of_year(year)
    return root, year, scheme, queries.unqualified_list(root, year, scheme)


@login_required
def unqualified(request):
    root, year, scheme, rows = _unqualified(request)
    rows = rows if rows is not None else []
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": years_offered(),
        "scheme": scheme,
        "total_rows": len(rows),
        "advise": rows.advise if rows else 0,
        "running": year == timezone.localdate().year,
        "active_nav": "ratings-points",
    }
    context.update(pages.paginate(request, rows))
    context["rows"] = queries.with_members(context["rows"])
    return render(request, "ratings/unqualified.html", context)


@login_required
def unqualified_export(request):
    root, year, scheme, rows = _unqualified(request)
    rows = queries.with_members(rows[0 : len(rows)] if rows is not None else [])
    headers = ["姓名", "所在党组织", "全年积分", "合格线", "连续不合格年数", "处理"]
    data = [
        [r.member.name, r.member.organization.name, r.total, r.line, r.run, "建议劝退" if r.advise_leave else "不合格"]
        for r in rows
    ]
    notes = [f"{root.name} {year}年积分不合格党员"]
    if scheme:
        notes.append(
            f"全年低于 {scheme.unqualified_below} 分为不合格（当年入党的按在册月数折算）；"
            f"连续 {scheme.leave_after_years} 年不合格的，支部应劝其退党。"
        )
    return xlsx.xlsx_response(f"积分不合格党员-{year}", xlsx.build_workbook("不合格党员", headers, data, notes))


@login_required
@require_POST
def recompute(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request, posted=True)
    form = RecomputeForm(request.POST)
    back = f"{reverse('ratings:ranking')}?org={root.pk}"
    if not form.is_valid():
        messages.error(request, "请选择要重新计算的月份")
        return redirect(back)
    month = rules.month_start(form.cleaned_data["month"])
    if month > timezone.localdate():
        messages.error(request, "不能计算未来的月份")
        return redirect(back)
    return pages.button_action(
        request,
        lambda: services.recompute_for_organization(request.user, root, month),
        success=lambda r: (
            f"已重新计算 {month:%Y年%-m月} 积分：{r['members']} 名党员，新增明细 {r['added']} 条，冲销 {r['reversed']} 条"
        ),
        to=back,
    )


@login_required
def panel(request):
    """The points card of the command screen and the organization page (loaded by htmx)."""
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    # Whole months only: the months before this one (in January, last year's twelve).
    year, through = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    figures, ranked = queries.figures(root, year, through)
    context = {
        "title": f"党员积分（{year}年）",
        "pace": queries.pace_line(year, through),
        "figures": figures,
        "children": ranked[:10],
        "year": year,
        "ranking_url": f"{reverse('ratings:ranking')}?org={root.pk}&year={year}&through={through}",
        "claims_url": f"{reverse('ratings:claims')}?org={root.pk}&state=submitted",
    }
    return render(request, "ratings/panel.html", context)
