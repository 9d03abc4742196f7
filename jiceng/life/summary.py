"""The per-member monthly summary of organizational life (`MemberMonth`), kept equal to the records,
and its yearly digest (`MemberYear`: the months of a year that have a MemberMonth row, as bits).

Every service that changes attendance or a held record calls `recount` for the members and
months it touched, inside its own transaction; `recount` also rewrites those members' MemberYear
rows of the years touched, from their MemberMonth rows. `rebuild` recounts everything (the demo
loader, the migrations and `manage.py life_summary --rebuild`), and `differences` compares both
tables with a fresh recount (`manage.py life_summary --check`, and the tests).

Concurrency: a recount reads the committed attendance of its members and replaces their rows.
On PostgreSQL it first locks those members' rows (in id order), so two transactions that touch
the same member recount one after the other and the later one sees the earlier one's marks.
SQLite allows one writer at a time, and every recount follows a write of its own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from . import rules
from .models import Attendance, MemberMonth, MemberYear, Record

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


def year_masks(keys: Iterable[tuple[int, date]]) -> dict[tuple[int, int], int]:
    """{(member_id, year): months as bits (bit 0 = January)} from (member_id, month) keys."""
    out: dict[tuple[int, int], int] = defaultdict(int)
    for member_id, month in keys:
        out[(member_id, month.year)] |= 1 << (month.month - 1)
    return dict(out)


def window_mask(start: date, end: date) -> int | None:
    """The MemberYear bits of the whole months from `start` to `end` within one year (a month, a
    quarter, a year); None for any other window (it cannot be read from MemberYear)."""
    if start.day != 1 or start.year != end.year or rules.month_of(end).end != end or end < start:
        return None
    return sum(1 << (m - 1) for m in range(start.month, end.month + 1))


def _recount_years(member_ids: list[int], years: list[int]) -> None:
    """Rewrite the MemberYear rows of these members for these years from their MemberMonth rows."""
    keys = MemberMonth.objects.filter(
        member_id__in=member_ids, month__gte=date(years[0], 1, 1), month__lte=date(years[-1], 12, 31)
    ).values_list("member_id", "month")
    masks = {key: bits for key, bits in year_masks(keys).items() if key[1] in years}
    MemberYear.objects.filter(member_id__in=member_ids, year__in=years).delete()
    MemberYear.objects.bulk_create(
        [MemberYear(member_id=m, year=y, months=bits) for (m, y), bits in masks.items()], batch_size=BATCH
    )


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
    _recount_years(member_ids, sorted({first.year for first in firsts}))


def recount_record(record: Record, *also_months: date) -> None:
    """After a change to `record` or its attendance: its roster's months (the record's month and
    any month it was moved from)."""
    member_ids = list(Attendance.objects.filter(record_id=record.pk).values_list("member_id", flat=True))
    recount(member_ids, [record.held_on, *also_months])


def rebuild() -> int:
    """Recount both tables from the records; returns the number of rows written."""
    from jiceng.core.importing import insert_rows

    MemberMonth.objects.all().delete()
    MemberYear.objects.all().delete()
    fresh = counted(Attendance.objects.all())
    # Plain rows (COPY on PostgreSQL): a county's two years are about half a million rows, which
    # bulk_create spent most of the demo's life section building as model instances.
    rows = insert_rows(
        MemberMonth,
        [{"member_id": m, "month": month, "expected": e, "took_part": t} for (m, month), (e, t) in fresh.items()],
    )
    years = insert_rows(
        MemberYear, [{"member_id": m, "year": y, "months": bits} for (m, y), bits in year_masks(fresh).items()]
    )
    return rows + years


def _months_text(bits: int | None) -> str:
    return "无" if not bits else "、".join(f"{m}月" for m in range(1, 13) if bits & (1 << (m - 1)))


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
                return out
    stored_years = {(m, y): bits for m, y, bits in MemberYear.objects.values_list("member_id", "year", "months")}
    fresh_years = year_masks(fresh)
    for key in sorted(set(stored_years) | set(fresh_years)):
        if stored_years.get(key) != fresh_years.get(key):
            out.append(
                f"党员 {key[0]} {key[1]}年有应到活动的月份：汇总 {_months_text(stored_years.get(key))}，"
                f"重新统计 {_months_text(fresh_years.get(key))}"
            )
            if len(out) >= limit:
                break
    return out
