"""The per-member monthly summary of organizational life (`MemberMonth`), kept equal to the records.

Every service that changes attendance or a held record calls `recount` for the members and
months it touched, inside its own transaction; `rebuild` recounts everything (the demo loader,
the migration and `manage.py life_summary --rebuild`), and `differences` compares the table with
a fresh recount (`manage.py life_summary --check`, and the tests).

Concurrency: a recount reads the committed attendance of its members and replaces their rows.
On PostgreSQL it first locks those members' rows (in id order), so two transactions that touch
the same member recount one after the other and the later one sees the earlier one's marks.
SQLite allows one writer at a time, and every recount follows a write of its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from . import rules
from .models import Attendance, MemberMonth, Record

BATCH = 5000


def _took_part():
    return Count("id", filter=Q(status__in=[Attendance.Status.PRESENT, Attendance.Status.LEAVE]))


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def counted(attendance) -> dict[tuple[int, date], tuple[int, int]]:
    """{(member_id, first day of month): (expected, took_part)} over held records of `attendance`."""
    rows = (
        attendance.filter(record__state__in=Record.HELD_STATES)
        .annotate(month=TruncMonth("record__held_on"))
        .values_list("member_id", "month")
        .annotate(expected=Count("id"), took_part=_took_part())
        .order_by()
    )
    return {(member_id, _as_date(month)): (expected, took) for member_id, month, expected, took in rows}


def recount(member_ids: Iterable[int], months: Iterable[date]) -> None:
    """Replace the summary rows of these members for these months (any day of a month names it)."""
    from jiceng.members.models import Member

    member_ids = sorted(set(member_ids))
    firsts = sorted({rules.month_of(m).start for m in months if m is not None})
    if not member_ids or not firsts:
        return
    if connection.vendor == "postgresql":
        list(Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk").values_list("pk"))
    fresh = {}
    for first in firsts:
        month = rules.month_of(first)
        fresh.update(
            counted(
                Attendance.objects.filter(
                    member_id__in=member_ids, record__held_on__gte=month.start, record__held_on__lte=month.end
                )
            )
        )
    MemberMonth.objects.filter(member_id__in=member_ids, month__in=firsts).delete()
    MemberMonth.objects.bulk_create(
        [MemberMonth(member_id=m, month=month, expected=e, took_part=t) for (m, month), (e, t) in fresh.items()],
        batch_size=BATCH,
    )


def recount_record(record: Record, *also_months: date) -> None:
    """After a change to `record` or its attendance: its roster's months (the record's month and
    any month it was moved from)."""
    member_ids = list(Attendance.objects.filter(record_id=record.pk).values_list("member_id", flat=True))
    recount(member_ids, [record.held_on, *also_months])


def rebuild() -> int:
    """Recount the whole table from the records; returns the number of rows."""
    MemberMonth.objects.all().delete()
    rows = [
        MemberMonth(member_id=m, month=month, expected=e, took_part=t)
        for (m, month), (e, t) in counted(Attendance.objects.all()).items()
    ]
    MemberMonth.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def differences(limit: int = 20) -> list[str]:
    """Where the table differs from a recount of the records (empty when they agree)."""
    stored = {
        (m, month): (e, t)
        for m, month, e, t in MemberMonth.objects.values_list("member_id", "month", "expected", "took_part")
    }
    fresh = counted(Attendance.objects.all())
    out = []
    for key in sorted(set(stored) | set(fresh)):
        if stored.get(key) != fresh.get(key):
            out.append(f"党员 {key[0]} {key[1]:%Y-%m}：汇总 {stored.get(key)}，重新统计 {fresh.get(key)}")
            if len(out) >= limit:
                break
    return out
