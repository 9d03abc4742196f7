"""Reads about organizations shared by pages, API, exports and the command screen."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Length

from jiceng.core.models import CountySettings
from jiceng.core.registry import app_modules
from jiceng.core.scoping import path_q

from . import rules
from .models import Enterprise, Organization


def member_figures():
    """The members app's counts for organizations (jiceng/members/org_figures.py), found through
    the registry: orgs sits below members on the floor plan and does not import it."""
    (module,) = app_modules("org_figures")
    return module


def by_organization(totals: dict[str, list], make) -> dict:
    """{organization id: make(id, a, b)} for the paths of ``totals`` ({path: [a, b]}, e.g. from
    `core.tree.sum_up_the_tree`) that name an organization, leaving out what ``make`` returns None
    for (nothing to judge). One query."""
    ids = dict(Organization.objects.filter(path__in=list(totals)).values_list("path", "pk"))
    out = {}
    for path, (a, b) in totals.items():
        if path in ids and (value := make(ids[path], a, b)) is not None:
            out[ids[path]] = value
    return out


def subtree_is_everything(root_path: str) -> bool:
    """True when no organization lies outside `root_path`'s subtree: the top of the only tree (a
    province's or a county's deployment). A read over that whole subtree may then drop the path
    filter and the join it needs (at province scale a third of a statement's time). One lookup on
    the path index."""
    outside = Q(path__lt=root_path) | Q(path__gte=rules.path_upper_bound(root_path))
    return not Organization.objects.filter(outside).exists()


@dataclass
class SubtreeCounts:
    members: int = 0  # probationary + full
    full: int = 0
    probationary: int = 0


def subtree_counts(root_path: str) -> dict[int, SubtreeCounts]:
    """Active members in each organization's subtree under `root_path`, by organization id.

    Two queries whatever the size: the organizations and the direct counts grouped by
    organization. The roll-up happens in Python, deepest organizations first, each adding its
    subtree's totals to its parent once (a province's 163,000 organizations: one addition each,
    instead of one per ancestor).
    """
    orgs = list(Organization.objects.filter(path_q("path", root_path)).values_list("id", "path", "parent_id"))
    full: dict[int, int] = dict.fromkeys((org_id for org_id, _, _ in orgs), 0)
    probationary = dict(full)
    for row in member_figures().direct_counts(root_path):
        if row["organization_id"] in full:
            full[row["organization_id"]] += row["full"]
            probationary[row["organization_id"]] += row["probationary"]
    orgs.sort(key=lambda o: len(o[1]), reverse=True)  # children before their parents
    for org_id, _, parent_id in orgs:
        if parent_id in full:  # the root's parent is outside the subtree
            full[parent_id] += full[org_id]
            probationary[parent_id] += probationary[org_id]
    return {
        org_id: SubtreeCounts(
            members=full[org_id] + probationary[org_id], full=full[org_id], probationary=probationary[org_id]
        )
        for org_id in full
    }


@dataclass
class OrgWarnings:
    organization: Organization
    counts: SubtreeCounts
    warnings: list[rules.StructureWarning] = field(default_factory=list)


def warnings_in(orgs, root_path: str, today: date, config: CountySettings | None = None) -> list[OrgWarnings]:
    """Structure and term warnings for `orgs` (a queryset inside `root_path`'s subtree)."""
    config = config or CountySettings.current()
    counts = subtree_counts(root_path)
    fields, deferring = getattr(getattr(orgs, "query", None), "deferred_loading", ((), True))
    if not deferring and fields:
        # The caller chose columns with only(): add the approved postponement (no extra query).
        orgs = orgs.only(*fields, "term_postponed_to")
    out = []
    for org in orgs:
        c = counts.get(org.id, SubtreeCounts())
        found = rules.structure_warnings(
            rules.OrgFacts(
                type=org.type,
                has_committee=org.has_committee,
                full_members=c.full,
                members=c.members,
                term_end=org.term_end,
                postponed_to=org.term_postponed_to,
            ),
            today,
            lead_months=config.term_warning_months,
        )
        if found:
            out.append(OrgWarnings(org, c, found))
    return out


def warning_totals_in(orgs, root_path: str, today: date, config: CountySettings | None = None) -> dict[str, int]:
    """How many organizations of `orgs` (inside `root_path`'s subtree) have each warning: the same
    rules as `warnings_in`, read as plain columns (no model instance per organization, which is most
    of the cost of a city's 14,000 organizations on the command screen)."""
    config = config or CountySettings.current()
    counts = subtree_counts(root_path)
    totals = defaultdict(int)
    empty = SubtreeCounts()
    for org_id, type_, has_committee, term_end, postponed_to in orgs.values_list(
        "id", "type", "has_committee", "term_end", "term_postponed_to"
    ).order_by():
        c = counts.get(org_id, empty)
        facts = rules.OrgFacts(type_, has_committee, c.full, c.members, term_end, postponed_to)
        for w in rules.structure_warnings(facts, today, lead_months=config.term_warning_months):
            totals[w.code] += 1
    return {code: totals.get(code, 0) for code in rules.WARNING_LABELS}


# ---- the same warnings counted in SQL (the command screen of a city or province) ----------------
#
# warning_totals_in() above reads every organization's columns and its subtree's counts into
# Python: 1.4 s for a province's 163,000 organizations. The statement below computes the same
# totals in the database. The thresholds are rules.py's constants; the conditions restate
# rules.structure_warnings() and tests compare the two for every boundary and every branch of the
# term rule (jiceng/orgs/tests/test_warning_sql.py) and on the demo county. Change both together.


def _warning_conditions(today: date, lead_months: int) -> dict[str, tuple[str, list]]:
    """{code: (SQL condition over the row ``w``, params)}: when `rules.structure_warnings` gives
    an organization that warning. ``w`` has the organization's ``type``, ``has_committee``,
    ``term_end``, ``term_postponed_to`` and its subtree's ``full_n`` and ``members_n``."""

    def among(types) -> tuple[str, list]:
        types = sorted(types)
        return f"w.type IN ({', '.join(['%s'] * len(types))})", types

    branch, branch_p = among(rules.BRANCH_TYPES)
    counted, counted_p = among(rules.COUNTED_TYPES)
    term, term_p = among(rules.TERM_TYPES)
    lead_until = rules.add_months(today, lead_months)
    # An approved postponement counts when it moves the election past the term's end.
    postponed = "(w.term_postponed_to IS NOT NULL AND w.term_postponed_to > w.term_end)"
    has_term = f"{term} AND w.term_end IS NOT NULL"
    return {
        rules.FEW_FULL: (f"{branch} AND w.full_n < %s", [*branch_p, rules.MIN_FULL_MEMBERS]),
        rules.NO_COMMITTEE: (
            f"{branch} AND w.members_n >= %s AND NOT w.has_committee",
            [*branch_p, rules.COMMITTEE_FROM],
        ),
        rules.SUGGEST_GENERAL_BRANCH: (
            f"{branch} AND w.members_n > %s AND w.members_n < %s",
            [*branch_p, rules.GENERAL_BRANCH_ABOVE, rules.BASE_COMMITTEE_FROM],
        ),
        rules.SUGGEST_COMMITTEE: (f"{counted} AND w.members_n >= %s", [*counted_p, rules.BASE_COMMITTEE_FROM]),
        rules.TERM_EXPIRED: (
            f"{has_term} AND CASE WHEN {postponed} THEN w.term_postponed_to < %s ELSE w.term_end < %s END",
            [*term_p, today, today],
        ),
        rules.TERM_POSTPONED: (f"{has_term} AND {postponed} AND w.term_postponed_to >= %s", [*term_p, today]),
        rules.TERM_EXPIRING: (
            f"{has_term} AND NOT {postponed} AND w.term_end >= %s AND w.term_end <= %s",
            [*term_p, today, lead_until],
        ),
    }


def counted_widths(orgs) -> set[int]:
    """The path lengths (depths) at which `orgs` has organizations of a counted type: the only
    prefixes the warnings' roll-up needs (one small query)."""
    return set(
        orgs.filter(type__in=rules.COUNTED_TYPES)
        .annotate(width=Length("path"))
        .values_list("width", flat=True)
        .order_by()
        .distinct()
    )


def _warning_rows_sql(orgs, root_path: str, widths: set[int]) -> tuple[str, list]:
    """A derived table ``w``: each organization of `orgs` with its columns and its subtree's
    active (``members_n``) and full (``full_n``) members under `root_path`.

    The direct counts (the members' tallies, through the registry) are added up by path prefix:
    each organization's counts go to every ancestor (or itself) whose path length is one of
    `widths` (`counted_widths`: only organizations of a counted type read the counts), and those
    sums are joined to the organizations by path. The widths are constants of the statement, so
    the planner knows how many rows the roll-up makes. One statement; no row per organization
    leaves the database."""
    org_sql, org_params = (
        orgs.values("id", "path", "type", "has_committee", "term_end", "term_postponed_to").order_by().query
    ).sql_with_params()
    direct_sql, direct_params = member_figures().direct_counts_query(root_path).query.sql_with_params()
    widths = sorted(int(w) for w in widths) or [0]  # none: nothing is rolled up
    width_rows = " UNION ALL ".join(["SELECT %s AS width"] * len(widths))
    sql = f"""
        SELECT o.id, o.type, o.has_committee, o.term_end, o.term_postponed_to,
               COALESCE(r.full_n, 0) AS full_n, COALESCE(r.members_n, 0) AS members_n
        FROM ({org_sql}) o
        LEFT JOIN (
            SELECT SUBSTR(d.org_path, 1, widths.width) AS path,
                   SUM(d.full_n) AS full_n, SUM(d.members_n) AS members_n
            FROM ({direct_sql}) d
            JOIN ({width_rows}) widths ON widths.width <= LENGTH(d.org_path)
            GROUP BY SUBSTR(d.org_path, 1, widths.width)
        ) r ON r.path = o.path
    """
    return sql, [*org_params, *direct_params, *widths]


def _warning_statement(orgs, root_path, today, config, widths, per_organization: bool) -> tuple[str, list] | None:
    config = config or CountySettings.current()
    if widths is None:
        widths = counted_widths(orgs)
    try:
        rows_sql, rows_params = _warning_rows_sql(orgs, root_path, widths)
    except EmptyResultSet:  # orgs.none(): nothing to count
        return None
    conditions = _warning_conditions(today, config.term_warning_months)
    columns, params = [], []
    for condition, condition_params in conditions.values():
        hit = f"CASE WHEN {condition} THEN 1 ELSE 0 END"
        columns.append(hit if per_organization else f"COALESCE(SUM({hit}), 0)")
        params += condition_params
    select = "w.id, " if per_organization else ""
    return f"SELECT {select}{', '.join(columns)} FROM ({rows_sql}) w", [*params, *rows_params]


def warning_totals_sql(
    orgs, root_path: str, today: date, config: CountySettings | None = None, widths: set[int] | None = None
) -> dict[str, int]:
    """The same totals as `warning_totals_in` (how many organizations of `orgs`, inside
    `root_path`'s subtree, have each warning), computed in one SQL statement; without `widths`
    (`counted_widths(orgs)`) a small query finds them first."""
    statement = _warning_statement(orgs, root_path, today, config, widths, per_organization=False)
    totals = dict.fromkeys(rules.WARNING_LABELS, 0)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            totals.update(zip(_warning_conditions(today, 3), cursor.fetchone(), strict=True))
    return totals


def warning_codes_sql(orgs, root_path: str, today: date, config: CountySettings | None = None) -> dict[int, set]:
    """{organization id: warning codes} by the SQL conditions of `warning_totals_sql`, for the
    tests that compare them with `rules.structure_warnings` organization by organization."""
    statement = _warning_statement(orgs, root_path, today, config, None, per_organization=True)
    if statement is None:
        return {}
    codes = list(_warning_conditions(today, 3))
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return {
            org_id: {code for code, hit in zip(codes, hits, strict=True) if hit} for org_id, *hits in cursor.fetchall()
        }


def warnings_for(org: Organization, today: date) -> OrgWarnings:
    counts = subtree_counts(org.path).get(org.id, SubtreeCounts())
    config = CountySettings.current()
    found = rules.structure_warnings(
        rules.OrgFacts(org.type, org.has_committee, counts.full, counts.members, org.term_end, org.term_postponed_to),
        today,
        lead_months=config.term_warning_months,
    )
    return OrgWarnings(org, counts, found)


def warning_totals(items: list[OrgWarnings]) -> dict[str, int]:
    totals = defaultdict(int)
    for item in items:
        for w in item.warnings:
            totals[w.code] += 1
    return {code: totals.get(code, 0) for code in rules.WARNING_LABELS}


@dataclass
class Coverage:
    township: Organization
    enterprises: int
    enterprises_with_org: int
    enterprises_with_work: int
    social_orgs: int
    social_orgs_with_org: int
    social_orgs_with_work: int

    @property
    def org_rate(self):
        return rules.coverage_rate(
            self.enterprises_with_org + self.social_orgs_with_org, self.enterprises + self.social_orgs
        )

    @property
    def work_rate(self):
        return rules.coverage_rate(
            self.enterprises_with_work + self.social_orgs_with_work, self.enterprises + self.social_orgs
        )


def coverage_by_township(enterprises) -> list[Coverage]:
    """Organization coverage (has a party organization) and work coverage (organization or an
    instructor) of non-public enterprises and social organizations, per township."""
    has_org = Q(party_organization__isnull=False)
    has_work = has_org | ~Q(instructor_name="")
    pe, so = Enterprise.Kind.PRIVATE_ENTERPRISE, Enterprise.Kind.SOCIAL_ORG
    rows = (
        enterprises.values("township_id")
        .annotate(
            e=Count("id", filter=Q(kind=pe)),
            e_org=Count("id", filter=Q(kind=pe) & has_org),
            e_work=Count("id", filter=Q(kind=pe) & has_work),
            s=Count("id", filter=Q(kind=so)),
            s_org=Count("id", filter=Q(kind=so) & has_org),
            s_work=Count("id", filter=Q(kind=so) & has_work),
        )
        .order_by()
    )
    rows = list(rows)
    townships = Organization.objects.in_bulk([r["township_id"] for r in rows])
    out = [
        Coverage(townships[r["township_id"]], r["e"], r["e_org"], r["e_work"], r["s"], r["s_org"], r["s_work"])
        for r in rows
    ]
    return sorted(out, key=lambda c: c.township.path)


def active_members_by_child(parent: Organization) -> dict[str, int]:
    """Active members in the subtree of each child of `parent`, keyed by the child's path (one query)."""
    width = len(parent.path) + rules.SEGMENT
    counts = member_figures().active_by_prefix(parent.path, width)
    return {prefix: n for prefix, n in counts.items() if len(prefix) == width}


def contact_phone_for(user, org: Organization) -> str:
    """The organization's contact phone as `user` may see it: in full for staff, masked for plain
    members (in the demo, and often in life, it is the secretary's own mobile)."""
    from jiceng.core.masking import mask_phone
    from jiceng.core.navigation import is_staff

    phone = org.contact_phone or ""
    return phone if is_staff(user) or not phone else mask_phone(phone)


def scope_label(root: Organization) -> str:
    """「全县」 for a county root, 「全市」 for a city root, else the organization's short name."""
    name = root.short_name or root.name
    if root.parent_id is None:
        stem = name[:-1] if name.endswith("委") else name
        return "全" + (stem[-1] if stem else "县")
    return name


# Where residents live and are visited: villages and urban communities (and the grids and
# branches below them), not townships, offices or enterprises.
PLACE_DOMAINS = (Organization.Domain.RURAL, Organization.Domain.COMMUNITY)


def place_choices(user):
    """Organizations where representatives visit and where wishes are collected."""
    from jiceng.core.scoping import visible

    return (
        visible(user, Organization.objects.all())
        .filter(domain__in=PLACE_DOMAINS, parent__isnull=False)
        .order_by("path")
    )


def township_like(root: Organization):
    """Townships and streets under `root`: village/community organizations whose parent is not
    one (where residents' visits and wishes are grouped)."""
    return (
        Organization.objects.filter(root.subtree_filter(), domain__in=PLACE_DOMAINS, parent__isnull=False)
        .exclude(parent__domain__in=PLACE_DOMAINS)
        .order_by("path")
    )
