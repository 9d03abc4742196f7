"""Reads shared by pages, API, exports, sweeps and the command screen.

Visibility (ADR 0012): a request is visible to users of the organization subtree where it
was filed (its territory, `Request.scope_path`), and to the organizations and departments it
has been sent to (escalated, transferred, assigned) — so each rung of the ladder sees what
comes up from below, and nobody else sees anything.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from jiceng.core.calendar import WorkingCalendar
from jiceng.core.scoping import has_full_scope, is_member_role, path_q, scope_root
from jiceng.core.tree import SEGMENT, path_upper_bound
from jiceng.orgs.models import Organization

from . import rules
from .models import (
    Category,
    DeadlineRule,
    Department,
    DepartmentStaff,
    Request,
    RequestEvent,
    RequestSettings,
    RoutingRule,
)

# ---- who is who ----------------------------------------------------------------------------


def department_of(user) -> Department | None:
    """The department a 部门经办人 works for (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, "_request_department"):
        staff = DepartmentStaff.objects.filter(user=user).select_related("department").first()
        user._request_department = staff.department if staff and staff.department.is_active else None
    return user._request_department


def is_request_staff(user) -> bool:
    """Anyone who works on requests: managers of organizations and department handlers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or (user.can_manage and user.organization_id is not None):
        return True
    return user.role == "department_handler" and department_of(user) is not None


def township_depth() -> int:
    return RequestSettings.current().township_depth


def handling_organizations(queryset, depth: int | None = None):
    """The organizations that take and handle residents' requests: townships, villages,
    communities and grids — not the county, agencies, or party groups (党小组)."""
    depth = township_depth() if depth is None else depth
    return (
        queryset.filter(depth__gte=depth, domain__in=[Organization.Domain.RURAL, Organization.Domain.COMMUNITY])
        .exclude(type=Organization.Type.GROUP)
        .order_by("path")
    )


def by_township(organizations, depth: int | None = None) -> list[tuple[str, list]]:
    """[(township name, its organizations)] in tree order, for a <select> with <optgroup>s."""
    depth = township_depth() if depth is None else depth
    width = (depth + 1) * SEGMENT
    organizations = list(organizations)
    names = dict(
        Organization.objects.filter(path__in={o.path[:width] for o in organizations}).values_list("path", "name")
    )
    groups: dict[str, list] = {}
    for org in organizations:
        groups.setdefault(org.path[:width], []).append(org)
    return [(names.get(path, ""), orgs) for path, orgs in groups.items()]


def user_level(user, depth: int | None = None) -> str | None:
    """Rung of the user: village, township, county, or department."""
    if user.is_superuser:
        return "county"
    if department_of(user) is not None and not user.can_manage:
        return "department"
    root = scope_root(user)
    if root is None:
        return None
    return rules.org_level(root.depth, township_depth() if depth is None else depth)


def visible_requests(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = Request.objects.all() if queryset is None else queryset
    if has_full_scope(user):
        return qs
    if not getattr(user, "is_authenticated", False) or not user.is_active or is_member_role(user):
        return qs.none()
    condition = Q(pk__in=[])
    root = scope_root(user)
    if root is not None:
        condition |= path_q("organization__path", root.path)
        if root.parent_id is not None:
            # A top-level organization already holds everything in its territory.
            reached = RequestEvent.objects.filter(
                request=OuterRef("pk"),
                target_org__path__gte=root.path,
                target_org__path__lt=path_upper_bound(root.path),
            )
            condition |= Exists(reached)
    department = department_of(user)
    if department is not None:
        condition |= Q(holder_department=department) | Exists(
            RequestEvent.objects.filter(request=OuterRef("pk"), target_department=department)
        )
    return qs.filter(condition)


def in_user_subtree(user, org: Organization | None) -> bool:
    if org is None:
        return False
    if has_full_scope(user):
        return True
    root = scope_root(user)
    return root is not None and root.path <= org.path < path_upper_bound(root.path)


def can_handle(user, req: Request) -> bool:
    """May `user` handle the request for its current holder (sign for it, hand it on, resolve it)?

    The holder's own handlers, and managers of the levels above the holding organization
    (a township may act for its villages). A department's requests: its handlers, and the
    county admins of the department's county.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if req.holder_department_id:
        department = department_of(user)
        if department is not None and department.pk == req.holder_department_id:
            return True
        return user.can_manage and user.role == "county_admin" and in_user_subtree(user, req.holder_department.county)
    if req.holder_org_id:
        return user.can_manage and in_user_subtree(user, req.holder_org)
    return False


def can_manage_request(user, req: Request) -> bool:
    """May `user` manage the request (record the call-back, close or publish it)? Request staff
    who handle it (`can_handle`), and managers of the organization it was filed in or above."""
    if not is_request_staff(user):
        return False
    if can_handle(user, req):
        return True
    return user.can_manage and in_user_subtree(user, req.organization)


def is_supervisor(user) -> bool:
    """Township level and above (may dismiss requests as not admissible)."""
    return user.is_superuser or (user.can_manage and user_level(user) in ("township", "county"))


# ---- routing ---------------------------------------------------------------------------------


def ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(4, len(path) + 1, 4)]


def route(organization: Organization, category) -> tuple[Organization | None, Department | None]:
    """Who handles a request filed in `organization` about `category` (brief item 2):
    the routing table (deepest organization first, the category before "any category"),
    else the organization itself if it has a handler, else the nearest one above with one
    (the village itself, then its township)."""
    candidates = RoutingRule.objects.filter(
        organization__path__in=ancestor_paths(organization.path), mode=RoutingRule.Mode.INTAKE
    ).filter(Q(category=category) | Q(category__isnull=True))
    best = None
    for rule in candidates.select_related("organization", "target_org", "target_department"):
        if rule.target_department_id and not rule.target_department.is_active:
            continue
        key = (len(rule.organization.path), rule.category_id is not None)
        if best is None or key > best[0]:
            best = (key, rule)
    if best is not None:
        return best[1].target_org, best[1].target_department
    return staffed_ancestor(organization), None


def staffed_ancestor(organization: Organization) -> Organization:
    """The organization itself or the nearest one above it with an active manager."""
    from jiceng.accounts.models import User

    paths = ancestor_paths(organization.path)
    staffed = set(
        User.objects.filter(
            is_active=True,
            role__in=["county_admin", "township_admin", "branch_secretary"],
            organization__path__in=paths,
        ).values_list("organization__path", flat=True)
    )
    for path in reversed(paths):
        if path in staffed:
            return organization if path == organization.path else Organization.objects.get(path=path)
    return organization


def township_of(organization: Organization, depth: int | None = None) -> Organization | None:
    depth = township_depth() if depth is None else depth
    if organization.depth < depth:
        return None
    if organization.depth == depth:
        return organization
    return Organization.objects.filter(path=rules.ancestor_path(organization.path, depth)).first()


def departments_for(organization: Organization) -> QuerySet:
    """Active departments that serve the county (or city) above `organization`."""
    return Department.objects.filter(is_active=True, county__path__in=ancestor_paths(organization.path))


def default_department(organization: Organization, category) -> Department | None:
    """The department the routing table names for the category, for a township's whistle."""
    rules_qs = RoutingRule.objects.filter(
        organization__path__in=ancestor_paths(organization.path),
        target_department__isnull=False,
        mode=RoutingRule.Mode.WHISTLE,
    ).filter(Q(category=category) | Q(category__isnull=True))
    best = None
    for rule in rules_qs.select_related("organization", "target_department"):
        if not rule.target_department.is_active:
            continue
        key = (len(rule.organization.path), rule.category_id is not None)
        if best is None or key > best[0]:
            best = (key, rule.target_department)
    return best[1] if best else None


# ---- deadlines -------------------------------------------------------------------------------


def deadline_rules() -> list[rules.DeadlineRuleData]:
    return [r.as_rule() for r in DeadlineRule.objects.all()]


def calendar_for(start: datetime) -> WorkingCalendar:
    year = timezone.localtime(start).year
    return WorkingCalendar.load(year, year + 1)


# ---- overdue ---------------------------------------------------------------------------------


def overdue_q(now: datetime, stage: str | None = None) -> Q:
    """Open requests with a passed deadline; each part matches a partial index."""
    parts = {
        "assign": Q(accepted_at__isnull=True, assign_due_at__lt=now),
        "response": Q(responded_at__isnull=True, response_due_at__lt=now),
        "done": Q(resolved_at__isnull=True, done_due_at__lt=now),
    }
    open_q = Q(state__in=list(rules.OPEN_STATES))
    if stage:
        return open_q & parts[stage]
    return open_q & (parts["assign"] | parts["response"] | parts["done"])


# ---- metrics (ADR 0013) ----------------------------------------------------------------------


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return _local_midnight(start), _local_midnight(end)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in local time."""
    from datetime import timedelta

    return _local_midnight(start), _local_midnight(end + timedelta(days=1))


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


FIGURE_LABELS = {
    "received": "受理",
    "response_ok": "按时响应",
    "response_settled": "应响应",
    "response_missed": "未按时响应",
    "resolved": "已办结",
    "done_ok": "按时办结",
    "done_settled": "应办结",
    "late": "超期办结或超期未办结",
    "village_resolved": "村级办结",
    "rated": "已回访（评价）",
    "satisfied": "满意和基本满意",
    "unsatisfied": "不满意",
    "solved": "群众认为已解决",
    "unsolved": "群众认为未解决",
    "overdue_open": "当前超期",
    "dismissed": "不予受理",
}


def figure_q(name: str, now: datetime) -> Q:
    """The condition behind each figure; the counts and the ledger's `figure=` filter share it."""
    response_ok = Q(responded_at__isnull=False, response_late=False)
    response_settled = Q(responded_at__isnull=False) | Q(response_due_at__lt=now) | Q(response_late=True)
    resolved = Q(resolved_at__isnull=False)
    done_ok = Q(resolved_at__isnull=False, done_late=False)
    done_settled = resolved | Q(done_due_at__lt=now) | Q(done_late=True)
    rated = Q(rating__gt="")
    table = {
        "received": ~Q(state=rules.State.DISMISSED),
        "response_ok": response_ok,
        "response_settled": response_settled,
        "response_missed": response_settled & ~response_ok,
        "resolved": resolved,
        "done_ok": done_ok,
        "done_settled": done_settled,
        "late": done_settled & ~done_ok,
        "village_resolved": resolved & Q(resolved_level="village"),
        "rated": rated,
        "satisfied": Q(rating__in=sorted(rules.SATISFIED_RATINGS)),
        "unsatisfied": Q(rating="unsatisfied"),
        "solved": rated & Q(solved=True),
        "unsolved": rated & Q(solved=False),
        "overdue_open": overdue_q(now),
        "dismissed": Q(state=rules.State.DISMISSED),
    }
    return table[name]


# The counts of rules.Figures, each from figure_q.
FIGURE_COUNTS = [
    "received",
    "response_settled",
    "response_ok",
    "resolved",
    "done_settled",
    "done_ok",
    "village_resolved",
    "rated",
    "satisfied",
    "solved",
    "overdue_open",
]


def figure_aggregates(now: datetime) -> dict:
    """Conditional counts behind rules.Figures, for `.aggregate()` or `.annotate()`."""
    return {name: Count("pk", filter=figure_q(name, now)) for name in FIGURE_COUNTS}


def metric_base(qs: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Requests received in [start, end), not dismissed (不予受理 are counted apart)."""
    return qs.filter(received_at__gte=start, received_at__lt=end).exclude(state=rules.State.DISMISSED)


class HoursToResolution(Func):
    """Hours from receipt to resolution, in SQL (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0"
    arg_joiner = " - "
    output_field = FloatField()


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median as statistics.median computes it."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_in_database() -> bool:
    return connection.vendor == "postgresql"


def figures_by(qs: QuerySet, key, now: datetime, *, durations: bool = True) -> dict:
    """{group key: rules.Figures}: the counts by one grouped query of conditional counts, then
    the median hours to resolution by a second one over the resolved requests alone —
    percentile_cont on PostgreSQL; on SQLite, which has no percentile function, the second
    query reads the resolution times and Python takes the median.

    Two queries, not one: an ordered-set aggregate such as percentile_cont cannot be hashed or
    split among parallel workers, so in the same statement it made PostgreSQL sort every
    request of the period with all the columns of the counts and aggregate them in one
    process. Apart, the counts are hashed in parallel and only (unit, two timestamps) of the
    resolved requests are sorted; the median is taken over the same rows (the FILTER of the
    single statement is now the WHERE), so every figure is the same (docs/performance.md,
    "Ranking over a year")."""
    out: dict = defaultdict(rules.Figures)
    for row in qs.annotate(unit=key).values("unit").annotate(**figure_aggregates(now)).order_by():
        unit = row.pop("unit")
        out[unit] = rules.Figures(**row)
    if not durations:
        return out
    resolved = qs.filter(resolved_at__isnull=False).annotate(unit=key).values("unit").order_by()
    if median_in_database():
        hours = HoursToResolution(F("resolved_at"), F("received_at"))
        for unit, median in resolved.annotate(median=Median(hours)).values_list("unit", "median"):
            out[unit].median_hours = median
    else:
        for unit, received, resolved_at in resolved.values_list("unit", "received_at", "resolved_at"):
            out[unit].durations.append((resolved_at - received).total_seconds() / 3600)
    return out


def figures_total(qs: QuerySet, now: datetime, *, durations: bool = True) -> rules.Figures:
    row = qs.aggregate(**figure_aggregates(now))
    f = rules.Figures(**{k: v or 0 for k, v in row.items()})
    if durations:
        f.durations = [
            (resolved - received).total_seconds() / 3600
            for received, resolved in qs.filter(resolved_at__isnull=False).values_list("received_at", "resolved_at")
        ]
    return f


def child_key(root: Organization):
    return Substr(F("organization__path"), 1, len(root.path) + 4)


def rows_from(figures: dict, units: list[tuple[object, str, object]], weights: dict[str, int]) -> list[dict]:
    """Ranking rows: (key, label, object) per unit, with figures, rates, score and rank."""
    rows = []
    for key, label, obj in units:
        f = figures.get(key) or rules.Figures()
        r = rules.rates(f)
        rows.append(
            {
                "key": key,
                "label": label,
                "obj": obj,
                "figures": f,
                "rates": r,
                "median_hours": rules.median_hours(f.durations, f.median_hours),
                "score": rules.composite(r, weights) if f.received else None,
            }
        )
    ranks = rules.rank([(row["key"], row["score"]) for row in rows])
    for row in rows:
        row["rank"] = ranks[row["key"]]
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["label"]))
    return rows


def ranking_children(
    root: Organization, start: datetime, end: datetime, now: datetime, weights, *, durations: bool = True
) -> list[dict]:
    """The organizations one level below `root`, ranked by the composite score (territory).

    Children that take no requests (a county's working committees for agencies) are listed
    only if requests were filed under them anyway."""
    children = list(Organization.objects.filter(parent=root).order_by("path"))
    # Below a tree's root, the path range selects the territory. For the root itself the
    # grouping key already does (other trees' requests match no child), and leaving the
    # range out lets PostgreSQL read the period by the received_at index (0.5 s instead of
    # 0.7 s for a county's month of 85,000 requests, see docs/performance.md).
    base = (
        Request.objects.all()
        if root.parent_id is None
        else Request.objects.filter(path_q("organization__path", root.path))
    )
    qs = metric_base(base, start, end).exclude(organization__path=root.path)
    figures = figures_by(qs, child_key(root), now, durations=durations)
    intake = (Organization.Domain.RURAL, Organization.Domain.COMMUNITY)
    units = [(c.path, c.short_name or c.name, c) for c in children if c.domain in intake or c.path in figures]
    return rows_from(figures, units, weights)


def children_total(
    root: Organization, rows: list[dict], start: datetime, end: datetime, now: datetime
) -> rules.Figures:
    """The figures of `root`'s whole territory from the rows of `ranking_children`, without
    counting the period again: a request of the territory was filed either at the root itself
    or in the subtree of exactly one child (the child's row counts it), and the counts add up.
    Equal to `figures_total` over the territory (tests check it); without the durations."""
    own = Request.objects.filter(organization=root)
    total = figures_total(metric_base(own, start, end), now, durations=False)
    for row in rows:
        for name in FIGURE_COUNTS:
            setattr(total, name, getattr(total, name) + getattr(row["figures"], name))
    return total


def ranking_departments(root: Organization, start: datetime, end: datetime, now: datetime, weights) -> list[dict]:
    """County departments ranked by the requests they hold (escalated or routed to them)."""
    departments = list(
        Department.objects.filter(county__path__gte=root.path, county__path__lt=path_upper_bound(root.path))
        .filter(is_active=True)
        .order_by("order", "code")
    )
    if not departments:
        return []
    qs = metric_base(Request.objects.filter(holder_department__in=departments), start, end)
    figures = figures_by(qs, F("holder_department_id"), now)
    return rows_from(figures, [(d.pk, d.name, d) for d in departments], weights)


def ranking_handlers(user, root: Organization, start: datetime, end: datetime, now: datetime, weights) -> list[dict]:
    """Handlers (经办人) of the requests in `root`'s territory or reach."""
    from jiceng.accounts.models import User

    qs = metric_base(visible_requests(user, Request.objects.filter(holder_user__isnull=False)), start, end)
    if not has_full_scope(user) or root.parent_id is not None:
        qs = qs.filter(path_q("organization__path", root.path))
    figures = figures_by(qs, F("holder_user_id"), now)
    users = User.objects.filter(pk__in=list(figures)).select_related("organization")
    units = []
    for u in users:
        where = (u.organization.short_name or u.organization.name) if u.organization else "县直部门"
        units.append((u.pk, f"{u} · {where}", u))
    return rows_from(figures, units, weights)


# ---- for apps that pass residents' problems on as requests (liaison) ---------------------------


def active_categories() -> QuerySet:
    """The request categories a problem can be filed under now."""
    return Category.objects.filter(is_active=True)


def is_active_category(value) -> bool:
    return isinstance(value, Category) and value.is_active


def request_kinds() -> list[tuple[str, str]]:
    """(value, label) of the kinds of request (help, complaint, suggestion, …)."""
    return list(rules.KINDS)


# ---- the secretaries' annual appraisal (jiceng.ratings) ---------------------------------------


def year_figures(root: Organization, year: int, now: datetime) -> rules.Figures:
    """The figures of the requests filed in `root`'s subtree (its territory) and received in
    `year`, dismissed ones apart, as the ranking counts them: attached to a secretary's report in
    the annual appraisal (jiceng.ratings). One query."""
    start, end = period_bounds(date(year, 1, 1), date(year, 12, 31))
    qs = metric_base(Request.objects.filter(path_q("organization__path", root.path)), start, end)
    return figures_total(qs, now, durations=False)


def year_figures_by_path(root: Organization, year: int, now: datetime) -> dict[str, rules.Figures]:
    """`year_figures` for every organization of `root`'s subtree at once, by the path of the
    organization where each request was filed (add them up the tree for a subtree): the
    organization star rating (jiceng.ratings). One grouped query."""
    start, end = period_bounds(date(year, 1, 1), date(year, 12, 31))
    qs = metric_base(Request.objects.filter(path_q("organization__path", root.path)), start, end)
    return figures_by(qs, F("organization__path"), now, durations=False)
