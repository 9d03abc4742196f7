"""Parts of the fortress index (jiceng.ratings) from organizational life: the compliance score
of the year's required activities and the attendance rate of the year's held activities, per
organization. See jiceng/core/indices.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from jiceng.core.indices import FORTRESS, VANGUARD, IndexComponent, IndexFigure
from jiceng.core.scoping import path_q
from jiceng.core.tree import sum_up_the_tree
from jiceng.orgs.queries import by_organization

from . import queries, rules
from .models import Record


def _compliance(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Owed cadence periods done (met 1, late ½) over those owed, as on the compliance page."""
    window = rules.year_of(date(year, 1, 1))
    result = queries.compliance(root.path, window, today)
    out = {}
    for org_id, org in result.results.items():
        done = total = Decimal(0)
        for type_result in org.types.values():
            for p in type_result.periods:
                if p.status in (rules.MET, rules.LATE, rules.MISSING):
                    total += 1
                    done += 1 if p.status == rules.MET else Decimal("0.5") if p.status == rules.LATE else 0
        if total:
            url = reverse("life:compliance_org", args=[org_id]) + f"?period={year}"
            out[org_id] = IndexFigure(done, total, url, f"落实 {done.normalize():f}/{total} 个周期")
    return out


def _attendance(root, year: int, today: date) -> dict[int, IndexFigure]:
    """Members present over members expected at the year's held activities of the organization
    and the organizations below it (its party groups), as the attendance page of it counts."""
    rows = (
        Record.objects.filter(
            path_q("organization__path", root.path),
            state__in=Record.HELD_STATES,
            held_on__gte=date(year, 1, 1),
            held_on__lte=date(year, 12, 31),
        )
        .values_list("organization__path")
        .annotate(p=Sum("present_count"), e=Sum("expected_count"))
        .order_by()
    )
    totals = sum_up_the_tree(root.path, ((path, p or 0, e or 0) for path, p, e in rows))
    base = reverse("life:attendance_report")
    return by_organization(
        totals,
        lambda pk, p, e: (
            IndexFigure(Decimal(p), Decimal(e), f"{base}?org={pk}&period={year}", f"出席 {p}/{e} 人次") if e else None
        ),
    )


COMPONENTS = [
    IndexComponent(
        "life.compliance",
        "组织生活落实",
        FORTRESS,
        30,
        _compliance,
        "当年应开展的组织生活按期完成的比例（逾期纪实计一半）",
    ),
    IndexComponent("life.attendance", "组织生活出勤", FORTRESS, 20, _attendance, "当年已开展活动的实到人次 ÷ 应到人次"),
]


# ---- the vanguard index (先锋指数) of a member: keyed by member id ------------------------------


def _member_attendance(root, year: int, today: date) -> dict[int, IndexFigure]:
    """The member's attendance of the year: present at the held activities whose roster named
    them, over those activities (leave counts as not present). One query."""
    from django.db.models import Count, Q

    from jiceng.members.models import Member

    from .models import Attendance

    rows = (
        Attendance.objects.filter(
            member__in=Member.objects.filter(
                path_q("organization__path", root.path), status__in=Member.ACTIVE_STATUSES
            ).values("pk"),
            record__state__in=Record.HELD_STATES,
            record__held_on__gte=date(year, 1, 1),
            record__held_on__lte=date(year, 12, 31),
        )
        .values_list("member_id", "member__organization_id")
        .annotate(p=Count("id", filter=Q(status=Attendance.Status.PRESENT)), e=Count("id"))
        .order_by()
    )
    base = reverse("life:attendance_report")
    return {
        member_id: IndexFigure(Decimal(p), Decimal(e), f"{base}?org={org_id}&period={year}", f"出席 {p}/{e} 次")
        for member_id, org_id, p, e in rows
        if e
    }


COMPONENTS += [
    IndexComponent(
        "life.member_attendance",
        "组织生活出勤",
        VANGUARD,
        30,
        _member_attendance,
        "当年本人应参加的已开展活动中出席的比例（请假不计出席）",
    )
]
