"""Reads shared by the pages, exports, API, panels and the command screen (ADR 0014a).

Figures are counted over the wishes **posted** in the period (a cohort), so that "fulfilled"
is never more than "collected" and every count opens as a filtered ledger of the same wishes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from jiceng.core.scoping import path_q, visible
from jiceng.orgs.models import Organization

from . import rules
from .models import Wish

S = rules.State


@dataclass
class Figures:
    collected: int = 0  # posted in the period
    pending: int = 0  # still waiting to be accepted (待审核)
    pooled: int = 0  # in the pool now, unclaimed
    claimed: int = 0  # ever claimed and still on a claim path (claimed, fulfilled, confirmed)
    fulfilled: int = 0  # fulfilled (including confirmed)
    confirmed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    by_member: int = 0  # of the claimed, by claimant type
    by_party_org: int = 0
    by_social_org: int = 0
    overdue: int = 0  # now past the acceptance or fulfilment deadline

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]


FIGURE_LABELS = {
    "collected": "收集心愿",
    "pending": "待审核",
    "pooled": "心愿池待认领",
    "claimed": "已认领",
    "fulfilled": "已实现",
    "confirmed": "群众已确认",
    "rejected": "未采纳",
    "withdrawn": "已撤回",
    "by_member": "党员认领",
    "by_party_org": "党组织认领",
    "by_social_org": "社会组织认领",
    "overdue": "超期",
}

# Filters of the ledger behind each figure (wishes:list ?figure=…).
CLAIM_PATH = [S.CLAIMED, S.FULFILLED, S.CONFIRMED]


def overdue_q(now: datetime) -> Q:
    return Q(state=S.POSTED, accept_due_at__lt=now) | Q(state=S.CLAIMED, fulfil_due_at__lt=now)


def figure_q(figure: str, now: datetime) -> Q:
    return {
        "collected": Q(),
        "pending": Q(state=S.POSTED),
        "pooled": Q(state=S.POOLED),
        "claimed": Q(state__in=CLAIM_PATH),
        "fulfilled": Q(state__in=[S.FULFILLED, S.CONFIRMED]),
        "confirmed": Q(state=S.CONFIRMED),
        "rejected": Q(state=S.REJECTED),
        "withdrawn": Q(state=S.WITHDRAWN),
        "by_member": Q(state__in=CLAIM_PATH, claimant_type=rules.ClaimantType.MEMBER),
        "by_party_org": Q(state__in=CLAIM_PATH, claimant_type=rules.ClaimantType.PARTY_ORG),
        "by_social_org": Q(state__in=CLAIM_PATH, claimant_type=rules.ClaimantType.SOCIAL_ORG),
        "overdue": overdue_q(now),
    }[figure]


def aggregates(now: datetime) -> dict:
    return {key: Count("pk", filter=figure_q(key, now)) for key in FIGURE_LABELS}


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, the day after end 00:00) in local time."""
    lo = timezone.make_aware(datetime.combine(start, time.min)) if start else None
    hi = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)) if end else None
    return lo, hi


def wishes_in(user, root: Organization, start: date | None, end: date | None) -> QuerySet:
    qs = visible(user, Wish.objects.all()).filter(path_q("organization__path", root.path))
    lo, hi = period_bounds(start, end)
    if lo:
        qs = qs.filter(posted_at__gte=lo)
    if hi:
        qs = qs.filter(posted_at__lt=hi)
    return qs


def figures(user, root: Organization, start: date | None, end: date | None, now: datetime | None = None) -> Figures:
    """The wish figures of `root`'s subtree for wishes posted in the period (one query)."""
    now = now or timezone.now()
    row = wishes_in(user, root, start, end).aggregate(**aggregates(now))
    return Figures(**{k: v or 0 for k, v in row.items()})


def figures_by_child(user, root: Organization, start: date | None, end: date | None, now=None) -> dict[str, Figures]:
    now = now or timezone.now()
    unit = Substr(F("organization__path"), 1, len(root.path) + 4)
    rows = wishes_in(user, root, start, end).annotate(unit=unit).values("unit").annotate(**aggregates(now)).order_by()
    return {row.pop("unit"): Figures(**row) for row in rows}


def figure_links(root: Organization, start: date | None, end: date | None) -> dict[str, str]:
    params = {"org": root.pk, "start": start.isoformat() if start else "", "end": end.isoformat() if end else ""}
    base = reverse("wishes:list")
    out = {}
    for key in FIGURE_LABELS:
        query = {
            k: v for k, v in {**params, "figure": key if key != "collected" else ""}.items() if v not in ("", None)
        }
        out[key] = base + "?" + urlencode(query)
    return out


@dataclass
class ReportRow:
    organization: Organization | None
    label: str
    figures: Figures
    links: dict[str, str]


def report(user, root: Organization, start: date | None, end: date | None, now=None) -> dict:
    now = now or timezone.now()
    total = figures(user, root, start, end, now)
    by_child = figures_by_child(user, root, start, end, now)
    rows = []
    for child in Organization.objects.filter(parent=root).order_by("path"):
        f = by_child.get(child.path)
        if f is None and child.domain not in (Organization.Domain.RURAL, Organization.Domain.COMMUNITY):
            continue
        rows.append(ReportRow(child, child.short_name or child.name, f or Figures(), figure_links(child, start, end)))
    own = by_child.get(root.path)
    if own is not None:
        rows.append(ReportRow(None, f"{root.short_name or root.name}（本级）", own, {}))
    return {"total": total, "links": figure_links(root, start, end), "rows": rows, "sentence": sentence(root, total)}


def sentence(root: Organization, f: Figures) -> str:
    from jiceng.orgs.queries import scope_label

    text = f"{scope_label(root)}收集群众微心愿 {f.collected:,} 个，已认领 {f.claimed:,} 个"
    if f.claimed:
        parts = []
        if f.by_member:
            parts.append(f"党员认领 {f.by_member:,} 个")
        if f.by_party_org:
            parts.append(f"党组织认领 {f.by_party_org:,} 个")
        if f.by_social_org:
            parts.append(f"社会组织认领 {f.by_social_org:,} 个")
        text += "（" + "，".join(parts) + "）"
    text += f"，已实现 {f.fulfilled:,} 个"
    text += f"，群众确认 {f.confirmed:,} 个"
    if f.pooled:
        text += f"，心愿池中待认领 {f.pooled:,} 个"
    return text + "。"


# ---- the public pool and the member's pages -------------------------------------------------------


def public_pool(area: Organization | None = None) -> QuerySet:
    """Open wishes in the pool, for public pages (show only public fields)."""
    qs = Wish.objects.filter(state=S.POOLED).select_related("organization", "organization__parent")
    if area is not None:
        qs = qs.filter(path_q("organization__path", area.path))
    return qs.order_by("-accepted_at", "-pk")


def public_wall(area: Organization | None = None) -> QuerySet:
    """Fulfilled wishes that staff chose to publish, with their chosen photos."""
    qs = Wish.objects.filter(state__in=[S.FULFILLED, S.CONFIRMED], published=True).select_related(
        "organization", "claimed_member", "claimed_org", "claimed_enterprise"
    )
    if area is not None:
        qs = qs.filter(path_q("organization__path", area.path))
    return qs.order_by("-published_at", "-pk")


def member_claims(member) -> QuerySet:
    return (
        Wish.objects.filter(claimed_member=member)
        .select_related("organization")
        .order_by(
            # open claims first
            F("fulfilled_at").asc(nulls_first=True),
            "-claimed_at",
        )
    )


def wishes_claimed_by_members(member_ids_queryset, year: int) -> dict[int, int]:
    """How many wishes each member claimed in `year` (claim date, local time) and did not give
    back, for the dual-registration check ("claim one wish a year", spec §2 [C]).

    `member_ids_queryset` is a queryset of Member or of member ids (``values_list("pk")``);
    every member in it is in the result, with 0 when they claimed nothing. Two queries.
    """
    model = getattr(member_ids_queryset, "model", None)
    if (
        model is not None
        and model._meta.label == "members.Member"
        and not getattr(member_ids_queryset, "_fields", None)
    ):
        member_ids_queryset = member_ids_queryset.values_list("pk", flat=True)
    lo, hi = period_bounds(date(year, 1, 1), date(year, 12, 31))
    rows = (
        Wish.objects.filter(
            claimed_member__in=member_ids_queryset,
            claimed_at__gte=lo,
            claimed_at__lt=hi,
            state__in=CLAIM_PATH,
        )
        .values("claimed_member")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = {pk: 0 for pk in member_ids_queryset}
    for row in rows:
        out[row["claimed_member"]] = row["n"]
    return out
