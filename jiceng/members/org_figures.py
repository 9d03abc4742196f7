"""What the organization pages and structure warnings count of members.

`jiceng.orgs` sits below `members` on the floor plan, so it does not import members: it finds
this module through the registry (`core.registry.app_modules("org_figures")`), as shared
screens find panels. Each function is one grouped query.
"""

from __future__ import annotations

from jiceng.core.scoping import visible

from . import tally
from .models import Member


def direct_counts(root_path: str) -> list[dict]:
    """Active members attached to each organization under `root_path`: rows of
    ``organization_id``, ``full`` and ``probationary`` (from the member tallies, ADR 0019)."""
    return [
        {
            "organization_id": org_id,
            "full": statuses.get(Member.Status.FULL, 0),
            "probationary": statuses.get(Member.Status.PROBATIONARY, 0),
        }
        for org_id, statuses in tally.by_organization(root_path).items()
    ]


def direct_counts_query(root_path: str):
    """The same counts as a queryset the organizations' SQL can embed (a derived table): rows of
    ``org_path``, ``full_n`` and ``members_n`` (probationary + full) for the organizations under
    `root_path` with active members, several rows per organization to be summed (from the member
    tallies, ADR 0019). `orgs.queries.warning_totals_sql` rolls them up by path prefix."""
    return tally.direct_counts_query(root_path)


def active_by_prefix(root_path: str, width: int) -> dict[str, int]:
    """Active members under `root_path`, counted by the first `width` characters of their
    organization's path (the subtree of each child when `width` is one level deeper)."""
    return tally.active_by_prefix(root_path, width)


def direct_members(user, organization, limit: int = 100) -> list:
    """The members attached to the organization itself that the user may see, by pinyin."""
    return list(visible(user, Member.objects.filter(organization=organization)).order_by("name_pinyin")[:limit])
