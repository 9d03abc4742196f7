"""Reads about transfers shared by pages, API, exports, panels and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, Substr

from jiceng.core.scoping import has_full_scope, path_q, scope_root, visible
from jiceng.members import tally
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import SEGMENT, add_months, add_years

from .models import Transfer


def visible_transfers(user, queryset: QuerySet | None = None) -> QuerySet:
    """Transfers the user may see: `visible()` with the transfer's two sides (scope_paths):
    the sending or the receiving subtree; a plain member, their own."""
    return visible(user, Transfer.objects.all() if queryset is None else queryset)


def with_dues(queryset: QuerySet) -> QuerySet:
    """Annotate `ledger_paid_until`: 党费交至 from the dues ledger as of the letter's issue date
    (`Transfer.dues_month` reads it)."""
    from jiceng.dues.queries import paid_until_subquery

    return queryset.annotate(ledger_paid_until=paid_until_subquery("member", "issued_on"))


def either_side_in(path: str) -> Q:
    return path_q("from_org__path", path) | path_q("to_org__path", path)


def outgoing_from(path: str) -> Q:
    """Leaving the subtree: the sending side is in it and the receiving side is not."""
    return path_q("from_org__path", path) & ~path_q("to_org__path", path)


def incoming_to(path: str) -> Q:
    """Entering the subtree: the receiving side is in it and the sending side is not (or is
    outside the county)."""
    return path_q("to_org__path", path) & ~path_q("from_org__path", path)


def overdue_q(today: date) -> Q:
    """Open transfers past their confirmation deadline (computed at read time)."""
    return Q(state=Transfer.State.IN_TRANSIT, due_on__lt=today)


def sides(user, transfer: Transfer) -> set[str]:
    """Which sides of `transfer` the user stands on: "sending", "receiving" (or both)."""
    out = set()
    if has_full_scope(user):
        return {"sending", "receiving"}
    root = scope_root(user)
    if root is None:
        return out
    end = root.path_end
    if transfer.from_org_id and root.path <= transfer.from_org.path < end:
        out.add("sending")
    if transfer.to_org_id and root.path <= transfer.to_org.path < end:
        out.add("receiving")
    return out


@dataclass
class TransitFigures:
    """Members of a subtree: counted (正式+预备) and in transit, with the open transfers."""

    counted: int
    in_transit: int  # members of the subtree whose relationship is on its way (counted by neither)
    outgoing: int  # open transfers leaving the subtree (within the county or out of it)
    incoming: int  # open transfers entering the subtree (from elsewhere in the county or outside)
    incoming_outside: int  # of which from outside the county (not yet members anywhere here)
    overdue: int  # open transfers with a side in the subtree, past their deadline
    completed_year: int  # transfers completed in the last twelve months with a side in the subtree

    @property
    def total(self) -> int:
        return self.counted + self.in_transit


def transfer_counts(path: str, today: date, user=None) -> dict[str, int]:
    """Open, incoming, overdue and recently completed transfers with a side in the subtree (one query)."""
    transfers = Transfer.objects.filter(either_side_in(path))
    if user is not None:
        transfers = visible_transfers(user, transfers)
    year_ago = add_years(today, -1)
    open_q = Q(state=Transfer.State.IN_TRANSIT)
    return transfers.aggregate(
        outgoing=Count("id", filter=open_q & outgoing_from(path)),
        incoming=Count("id", filter=open_q & incoming_to(path)),
        incoming_outside=Count("id", filter=open_q & incoming_to(path) & Q(kind=Transfer.Kind.IN)),
        overdue=Count("id", filter=overdue_q(today)),
        completed_year=Count("id", filter=Q(state=Transfer.State.COMPLETED, completed_on__gt=year_ago)),
    )


def transit_figures(path: str, today: date, user=None) -> TransitFigures:
    """Two queries whatever the size of the subtree (the members from the member tallies)."""
    m = care_figures(path, today, birthdays=False)
    return TransitFigures(counted=m["counted"], in_transit=m["in_transit"], **transfer_counts(path, today, user))


def care_figures(path: str, today: date, *, birthdays: bool = True) -> dict[str, int]:
    """Members counted (正式+预备) and in transit in the subtree, and the active members whose
    political birthday (入党纪念日) falls in this month: joined in this month of an earlier year.
    From the member tallies (ADR 0019) plus, for the birthdays, the few members who joined in
    this month of this year or later (subtracted; `join_date` is indexed). One or two queries."""
    tallied = tally.figures(path, join_month=today.month if birthdays else None)
    out = {"counted": tally.active_total(tallied), "in_transit": tallied["status"].get(Member.Status.IN_TRANSIT, 0)}
    if birthdays:
        # Joined in this month of this year, or of a later year (a mistyped date): two ranges of
        # the `join_date` index (a month's test on every join date of the year read 38,000 rows
        # of a province for 1,700).
        month_start = date(today.year, today.month, 1)
        this_month = Q(join_date__gte=month_start, join_date__lt=add_months(month_start, 1))
        later = Q(join_date__gte=date(today.year + 1, 1, 1), join_date__month=today.month)
        this_year = Member.objects.filter(
            path_q("organization__path", path), this_month | later, status__in=Member.ACTIVE_STATUSES
        ).count()
        out["birthdays"] = tallied["join_month"].get(f"{today.month:02d}", 0) - this_year
    return out


@dataclass
class OverdueRow:
    organization: Organization
    outgoing_open: int = 0
    outgoing_overdue: int = 0
    incoming_open: int = 0
    incoming_overdue: int = 0


def overdue_by_child(user, root: Organization, today: date) -> tuple[list[OverdueRow], int, int]:
    """Open and overdue transfers per child of `root` (per township for the county), by side.

    A transfer between two townships appears in both rows (each side has to act), so the
    totals returned beside the rows count each transfer once. Three queries.
    """
    children = list(Organization.objects.filter(parent=root).order_by("path"))
    # The root's own transfers (e.g. to the township committee itself) get a row of their own.
    rows = {root.path: OverdueRow(root)} | {c.path: OverdueRow(c) for c in children}
    width = len(root.path) + SEGMENT
    base = visible_transfers(user, Transfer.objects.filter(state=Transfer.State.IN_TRANSIT))
    late = overdue_q(today)
    for side, field in (("outgoing", "from_org__path"), ("incoming", "to_org__path")):
        grouped = (
            base.filter(path_q(field, root.path))
            .annotate(prefix=Substr(field, 1, width))
            .values("prefix")
            .annotate(open=Count("id"), overdue=Count("id", filter=late))
            .order_by()
        )
        for r in grouped:
            row = rows.get(r["prefix"])
            if row is not None:
                setattr(row, f"{side}_open", r["open"])
                setattr(row, f"{side}_overdue", r["overdue"])
    totals = base.filter(either_side_in(root.path)).aggregate(open=Count("id"), overdue=Count("id", filter=late))
    return list(rows.values()), totals["open"], totals["overdue"]


# ---- for other apps (development counts admissions where a member was before moving) ---------


def members_who_moved() -> QuerySet:
    """The ids of members with at least one transfer on record (a subquery)."""
    return Transfer.objects.filter(member__isnull=False).values("member_id")


def first_transfers() -> QuerySet:
    """Each member's first transfer on record (the earliest by ``issued_on``, then ``id``): one
    Transfer per member who has one. A single ranking of the transfers (``ROW_NUMBER`` over the
    member's letters) instead of a lookup per member."""
    ranked = Transfer.objects.filter(member__isnull=False).annotate(
        rank=Window(RowNumber(), partition_by=F("member_id"), order_by=(F("issued_on").asc(), F("id").asc()))
    )
    return Transfer.objects.filter(pk__in=ranked.filter(rank=1).values("id"))


def sent_before_first_transfer(root_path: str) -> QuerySet:
    """Members whose first transfer (`first_transfers`) was sent by an organization of the subtree at
    ``root_path`` — so not one that brought them in from outside the county (「in」): a Transfer
    queryset, one row per member, with ``member_id`` and ``first_transfer_from`` (the sending
    organization's path). Aggregate over it with ``member__…`` for the member's fields."""
    return (
        first_transfers()
        .exclude(kind=CAME_FROM_OUTSIDE)
        .filter(path_q("from_org__path", root_path))
        .annotate(first_transfer_from=F("from_org__path"))
    )


CAME_FROM_OUTSIDE = Transfer.Kind.IN
