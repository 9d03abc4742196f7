"""The six-month watch page (六个月预警): members approaching or reaching the condition of
《中国共产党章程》第九条, per branch, one column per source (see watch.py).

The page only lists. It has no button that changes a status: the platform never changes a
status on its own; a person decides and records it through the member page (change_status).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from jiceng.core import xlsx
from jiceng.core.navigation import is_staff
from jiceng.core.pages import paginate
from jiceng.core.scoping import page_root, path_q, visible
from jiceng.orgs.models import Organization

from . import watch as watch_rules
from .models import Member

LEVEL_LABELS = {4: "4个月", 5: "5个月", 6: "6个月及以上"}
BRANCHES_PER_PAGE = 25


def _unit(org: Organization) -> Organization:
    """The branch a member belongs to: a party group's members are listed with its branch."""
    if org.type == Organization.Type.GROUP and org.parent_id:
        return org.parent
    return org


def watch_data(request, today):
    """The watch of the page's organization: counts per level and the branches with their rows,
    each row holding only the member's id until `fill` loads the members of the branches shown
    (a city's watch has thousands of rows; a page shows 25 branches)."""
    root = page_root(request)
    try:
        level = int(request.GET.get("level") or watch_rules.LEVELS[0])
    except ValueError:
        level = watch_rules.LEVELS[0]
    level = min(max(level, watch_rules.LEVELS[0]), watch_rules.LEVELS[-1])
    members = visible(
        request.user,
        Member.objects.filter(path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES),
    )
    sources = watch_rules.sources()
    # The counts cover every level; the list shows the chosen level and above.
    everyone = watch_rules.watch(members, today)
    counts = defaultdict(int)
    for r in everyone:
        counts[r.level] += 1
    rows = [r for r in everyone if r.level >= level]
    # Plain columns to group and order the rows by branch: no model instance per row.
    groups: dict[int, dict] = {}
    facts = Member.objects.filter(pk__in=[r.member_id for r in rows]).values_list(
        "pk",
        "name_pinyin",
        "organization_id",
        "organization__path",
        "organization__type",
        "organization__parent_id",
        "organization__parent__path",
    )
    by_member = {}
    for pk, pinyin, org_id, path, org_type, parent_id, parent_path in facts:
        in_group = org_type == Organization.Type.GROUP and parent_id
        by_member[pk] = (parent_id if in_group else org_id, parent_path if in_group else path, pinyin)
    for r in rows:
        unit_id, unit_path, pinyin = by_member[r.member_id]
        group = groups.setdefault(unit_id, {"unit_id": unit_id, "path": unit_path, "rows": []})
        group["rows"].append(
            {
                "member_id": r.member_id,
                "pinyin": pinyin,
                "months": [r.months.get(s.key, 0) for s in sources],
                "level": r.level,
            }
        )
    ordered = sorted(groups.values(), key=lambda g: g["path"])
    for g in ordered:
        g["rows"].sort(key=lambda x: (-x["level"], x["pinyin"], x["member_id"]))
    crumbs = [root.path[:i] for i in range(4, len(root.path), 4)]
    return {
        "root": root,
        "crumbs": list(visible(request.user, Organization.objects.filter(path__in=crumbs)).order_by("path")),
        "children": list(root.children.order_by("path")),
        "level": level,
        "sources": sources,
        "groups": ordered,
        "counts": [(lv, LEVEL_LABELS[lv], counts[lv]) for lv in watch_rules.LEVELS],
        "total": len(rows),
    }


def fill(groups: list[dict]) -> list[dict]:
    """Give `groups` their units and their rows their members (one query)."""
    ids = [r["member_id"] for g in groups for r in g["rows"]]
    by_id = Member.objects.select_related("organization", "organization__parent").in_bulk(ids)
    for g in groups:
        for r in g["rows"]:
            r["member"] = by_id[r["member_id"]]
        g["unit"] = _unit(g["rows"][0]["member"].organization)
    return groups


@login_required
def watch(request):
    if not is_staff(request.user):
        raise PermissionDenied("六个月预警供党组织查看")
    today = timezone.localdate()
    data = watch_data(request, today)
    if request.GET.get("export") == "xlsx":
        headers = [
            "所在支部",
            "姓名",
            "公民身份号码",
            "状态",
            "入党日期",
            *[f"{s.label}（月）" for s in data["sources"]],
            "预警级别",
        ]
        rows = (
            [
                g["unit"].name,
                r["member"].name,
                r["member"].id_number_masked,
                r["member"].get_status_display(),
                r["member"].join_date,
                *r["months"],
                LEVEL_LABELS[r["level"]],
            ]
            for g in fill(data["groups"])
            for r in g["rows"]
        )
        notes = [
            watch_rules.STATUTE,
            f"统计至 {today:%Y年%m月%d日}：连续月数只计算到上月末，本月尚未结束不计入。",
            "本表仅供党组织了解情况、谈心谈话；平台不会自动变更任何党员的状态。",
        ]
        return xlsx.xlsx_response(
            f"六个月预警-{data['root'].short_name or data['root'].name}",
            xlsx.build_workbook("六个月预警", headers, rows, notes=notes),
        )
    # The page shows the branches a page at a time (a county has hundreds of rows); the export has all.
    pages = paginate(request, data["groups"], per_page=BRANCHES_PER_PAGE)
    fill(pages["rows"])
    return render(
        request,
        "members/watch.html",
        {**data, **pages, "today": today, "statute": watch_rules.STATUTE, "active_nav": "watch"},
    )
