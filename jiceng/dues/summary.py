"""The per-member yearly summary of dues payments (`DuesYear`), kept equal to the payments.

Every write of payments calls `recount` for the members and years it touched, inside its own
transaction (`services.record_payment`, `services.delete_payment`, the import and its undo);
`rebuild` recounts everything (the demo loader, the migration and `manage.py dues_summary
--rebuild`), and `differences` compares the table with a fresh recount (`--check`, the tests).

Concurrency: on PostgreSQL a recount first locks its members' rows in id order (as the life
summary does), so two transactions touching the same member recount one after the other; the
unique (member, month) key already keeps two payments of one month from both landing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import ExtractYear

from .models import DuesPayment, DuesYear

BATCH = 2000
MONTHS = range(1, 13)


def _aggregates() -> dict:
    out = {}
    for m in MONTHS:
        in_month = Q(month__month=m)
        out[f"paid_{m:02d}"] = Count("pk", filter=in_month)
        out[f"amount_{m:02d}"] = Sum("amount", filter=in_month, default=0)
        out[f"credited_{m:02d}"] = Sum(
            Case(When(amount__lt=F("due_amount"), then=F("amount")), default=F("due_amount")),
            filter=in_month,
            default=0,
        )
    return out


def cumulate(row: dict) -> dict:
    """Month-by-month sums → running totals from January (what `DuesYear` stores)."""
    for column in ("paid", "amount", "credited"):
        total = 0
        for m in MONTHS:
            total += row[f"{column}_{m:02d}"] or 0
            row[f"{column}_{m:02d}"] = total
    return row


def counted(payments) -> list[DuesYear]:
    """Unsaved DuesYear rows for the (member, year) pairs of `payments`."""
    rows = payments.annotate(y=ExtractYear("month")).values("member_id", "y").annotate(**_aggregates()).order_by()
    return [DuesYear(member_id=r.pop("member_id"), year=r.pop("y"), **cumulate(r)) for r in rows]


def recount(member_ids: Iterable[int], years: Iterable[int | date]) -> None:
    """Replace the summary rows of these members for these years (a date names its year)."""
    from jiceng.members.models import Member

    member_ids = sorted(set(member_ids))
    years = sorted({y.year if isinstance(y, date) else int(y) for y in years if y is not None})
    if not member_ids or not years:
        return
    if connection.vendor == "postgresql":
        list(Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk").values_list("pk"))
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        payments = DuesPayment.objects.filter(
            member_id__in=chunk, month__gte=date(years[0], 1, 1), month__lte=date(years[-1], 12, 31)
        )
        fresh = [row for row in counted(payments) if row.year in years]
        DuesYear.objects.filter(member_id__in=chunk, year__in=years).delete()
        DuesYear.objects.bulk_create(fresh, batch_size=BATCH)


def rebuild() -> int:
    """Recount every member's every year; returns the number of rows.

    Counted in Python in one pass over the payments, and written with `insert_rows`: the SQL of
    `counted` extracts the month 36 times a row, which SQLite does by calling a Python function
    (a county's two years of demo payments, about 540,000 rows, took minutes that way). The
    tests compare the result with `counted` (`differences`)."""
    from jiceng.core.importing import insert_rows

    DuesYear.objects.all().delete()
    zero = Decimal(0)
    cells: dict[tuple[int, int], list[list]] = {}
    payments = DuesPayment.objects.values_list("member_id", "month", "amount", "due_amount").order_by()
    for member_id, month, amount, due in payments.iterator(chunk_size=20000):
        key = (member_id, month.year)
        if key not in cells:
            cells[key] = [[0, zero, zero] for _ in MONTHS]
        cell = cells[key][month.month - 1]
        cell[0] += 1
        cell[1] += amount
        cell[2] += amount if amount < due else due
    rows = []
    for (member_id, year), months in cells.items():
        row = {"member_id": member_id, "year": year}
        for m, (paid, amount, credited) in zip(MONTHS, months, strict=True):
            row[f"paid_{m:02d}"], row[f"amount_{m:02d}"], row[f"credited_{m:02d}"] = paid, amount, credited
        rows.append(cumulate(row))
    return insert_rows(DuesYear, rows)


def _key(row: DuesYear) -> tuple:
    return (row.member_id, row.year)


def _values(row: DuesYear) -> tuple:
    return tuple(
        (getattr(row, f"paid_{m:02d}"), getattr(row, f"amount_{m:02d}"), getattr(row, f"credited_{m:02d}"))
        for m in MONTHS
    )


def differences(limit: int = 20) -> list[str]:
    """What differs between the table and a recount of the payments (empty when they agree)."""
    stored = {_key(r): r for r in DuesYear.objects.all()}
    fresh = {_key(r): r for r in counted(DuesPayment.objects.all())}
    out = []
    for key in sorted(set(stored) | set(fresh)):
        a, b = stored.get(key), fresh.get(key)
        if a is None or b is None or _values(a) != _values(b):
            out.append(
                f"党员 {key[0]} {key[1]}年：汇总 {_values(a) if a else '无'}，重新统计 {_values(b) if b else '无'}"
            )
            if len(out) >= limit:
                break
    return out
