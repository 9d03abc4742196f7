"""What dual registration (在职党员到社区报到, jiceng.dual) counts from organizational life:
the themed party days (主题党日) of the member's registered community that the member attended.

An agreed module (see jiceng/dual/queries.py): ``KIND`` and ``count(registration, year)``. The
community's desk also records a registered member at one of its party days through
`add_present` (life keeps its rosters: the write is `services.add_to_roster`), and the member's
dual-registration page lists the party days attended (`attended`) and those that can still be
recorded (`open_party_days`, `PartyDayForm`).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiceng.core.scoping import path_q, visible

from . import services
from .forms import DualPartyDayForm as PartyDayForm
from .models import Attendance, Record

__all__ = ["KIND", "PartyDayForm", "add_present", "attended", "community_party_days", "count", "open_party_days"]

KIND = "party_day"
THEMED_DAY = "themed_day"  # the 主题党日 activity type


def _themed_day_q(prefix: str = "") -> Q:
    """A themed party day, or a county's own type that counts as one."""
    return Q(**{f"{prefix}activity_type__code": THEMED_DAY}) | Q(
        **{f"{prefix}activity_type__counts_for__code": THEMED_DAY}
    )


def count(registration: dict, year: int) -> dict[int, int]:
    """{member_id: themed party days} held in the year, on or after the registration date, by
    the member's registered community or an organization below it, where the member is recorded
    present. `registration`: {member_id: (registered community path, registration date)}.

    Two queries (one more per 5,000 party days in the year). Records first: the year's themed
    party days held in the registered communities' subtrees (the Record (held_on) index bounds
    the scan to the year), then their present marks. Driving from the members' attendance
    instead makes a planner walk every year of records.
    """
    out: dict[int, int] = {}
    communities = {path for path, _ in registration.values() if path}
    if not communities:
        return out
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_communities = Q()
    for path in communities:
        in_communities |= path_q("organization__path", path)
    party_days = {
        pk: (org_path, held_on)
        for pk, org_path, held_on in Record.objects.filter(
            in_communities, state__in=Record.HELD_STATES, held_on__gte=first, held_on__lte=last
        )
        .filter(_themed_day_q())
        .values_list("pk", "organization__path", "held_on")
        .order_by()
    }
    record_ids = list(party_days)
    marks = (
        row
        for start in range(0, len(record_ids), 5000)  # SQLite's bound on query parameters
        for row in Attendance.objects.filter(
            record_id__in=record_ids[start : start + 5000], status=Attendance.Status.PRESENT
        )
        .values_list("record_id", "member_id")
        .order_by()
    )
    for record_id, member_id in marks:
        if member_id not in registration:
            continue
        org_path, held_on = party_days[record_id]
        path, since = registration[member_id]
        if path and org_path.startswith(path) and (since is None or held_on >= since):
            out[member_id] = out.get(member_id, 0) + 1
    return out


def community_party_days(member, since: date, until: date) -> QuerySet:
    """Held themed party days of the member's registered community (and the organizations
    below it) between the dates, on or after the registration: the ones the community can
    record the member at (`add_present`)."""
    community = member.registered_community
    if community is None:
        return Record.objects.none()
    since = max(since, member.registered_on) if member.registered_on else since
    return (
        Record.objects.filter(
            community.subtree_filter("organization__"),
            state__in=Record.HELD_STATES,
            held_on__gte=since,
            held_on__lte=until,
        )
        .filter(_themed_day_q())
        .select_related("organization", "activity_type")
        .order_by("-held_on", "-id")
    )


def _present(member):
    return Attendance.objects.filter(member=member, status=Attendance.Status.PRESENT).values("record_id")


def attended(member, year: int) -> QuerySet:
    """The year's themed party days of the member's community the member was present at."""
    return community_party_days(member, date(year, 1, 1), date(year, 12, 31)).filter(pk__in=_present(member))


def open_party_days(member, user=None) -> QuerySet:
    """This year's and last year's themed party days of the member's community that the
    member is not yet recorded present at (those `user` can see, when given)."""
    today = timezone.localdate()
    qs = community_party_days(member, date(today.year - 1, 1, 1), today).exclude(pk__in=_present(member))
    return qs if user is None else visible(user, qs)


def add_present(actor, record: Record, member) -> Attendance:
    """The registered member joins the activity's attendance as present (a guest)."""
    return services.add_to_roster(actor, record, member, present=True)
