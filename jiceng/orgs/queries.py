"""Reads about organizations shared by pages, API, exports and the command screen."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

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
