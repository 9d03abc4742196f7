"""Reads of dual registration shared by the pages, the export and the panels.

The year's party days and wishes are kept by other apps (jiceng.life, jiceng.wishes), which this
app may not import (siblings, docs/architecture.md). Each of them says what dual registration
counts from it in a module of the agreed name ``dual_sources`` (found by
`jiceng.core.registry.app_modules`, like ``panels`` or ``nav``):

    KIND                       the item it counts, one of rules.DUAL_KINDS ("party_day", "wish")
    count(registration, year)  {member_id: n} for the members of `registration`
                               ({member_id: (registered community path, registration date)}),
                               a fixed number of queries whatever the number of members

Service projects are this app's own entries (DualRegistrationRecord).
"""

from __future__ import annotations

from types import ModuleType

from django.db.models import Count, QuerySet

from jiceng.core.registry import app_modules
from jiceng.core.scoping import has_full_scope, is_member_role, path_q, scope_root, visible
from jiceng.members.models import Member

from . import rules
from .models import DualRegistrationRecord


def sources() -> dict[str, ModuleType]:
    """The ``dual_sources`` modules by the kind each counts."""
    return {module.KIND: module for module in app_modules("dual_sources")}


def registered_members(user) -> QuerySet:
    """Members in office registered with a community in the user's scope.

    A community sees these members although they belong to other organizations, because the
    registration is with it; pages show them only the fields the registration needs (name,
    gender, work organization, masked phone, registration date and the year's records).
    """
    qs = Member.objects.filter(registered_community__isnull=False, status__in=Member.ACTIVE_STATUSES)
    if has_full_scope(user):
        return qs
    root = scope_root(user)
    if root is None or is_member_role(user):
        return qs.none()
    return qs.filter(path_q("registered_community__path", root.path))


def dual_records(user) -> QuerySet:
    """The service-project entries a community side counts: those of communities in the
    user's scope."""
    return visible(user, DualRegistrationRecord.objects.all())


def dual_progress(members, year: int, records: QuerySet | None = None) -> dict[int, dict[str, int]]:
    """{member_id: {kind: count}} for the year, from records (five queries, whatever the number
    of members; members may be a Member queryset or a list of ids):

    - ``party_day``: themed party days (主题党日, jiceng.life) held in the year, on or after the
      registration date, by the member's registered community or an organization below it,
      where the member is recorded present (life.dual_sources);
    - ``wish``: wishes the member claimed in the year and did not give back
      (wishes.dual_sources);
    - ``service_project``: the community's entries (DualRegistrationRecord); `records` limits
      those counted (a community counts what it recorded).

    Every member is in the result, with zeros where nothing was done.
    """
    ids = members.values("pk") if isinstance(members, QuerySet) else list(members)
    registration = {
        pk: (path, since)
        for pk, path, since in Member.objects.filter(pk__in=ids).values_list(
            "pk", "registered_community__path", "registered_on"
        )
    }
    return dual_progress_of(registration, year, records)


def dual_progress_of(registration: dict, year: int, records: QuerySet | None = None) -> dict[int, dict[str, int]]:
    """`dual_progress` for members already read: {member_id: (registered community path,
    registration date)}. Four queries (one more per 5,000 party days in the year)."""
    out = {pk: dict.fromkeys(rules.DUAL_KINDS, 0) for pk in registration}
    if not out:
        return out
    for kind, source in sources().items():
        for member_id, n in source.count(registration, year).items():
            if member_id in out:
                out[member_id][kind] = n
    records = DualRegistrationRecord.objects.all() if records is None else records
    for row in (
        records.filter(member_id__in=list(out), year=year, kind=DualRegistrationRecord.Kind.SERVICE_PROJECT)
        .values("member_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[row["member_id"]]["service_project"] = row["n"]
    return out
