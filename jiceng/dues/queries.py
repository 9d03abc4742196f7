"""Reads about dues shared by pages, exports, the API, panels, the watch and the jobs.

Who is due in a month (an "应交" member-month):
- the member is active now (Member.ACTIVE_STATUSES);
- the month is on or after the member's join month (a probationary member pays from the day
  the branch meeting admitted them) and on or after the county's ledger start;
- the member's base for that year is not 0 (exempt, 免交, with the higher committee's approval).
A member without a base for the year is still due; the amount is unknown and shown as "未核定".

Completion rate (完成率) = members who paid / members due. The amount rate counts each paid
month up to its due amount (Σ min(实交, 应交) / Σ 应交), so a voluntary extra (自愿多交) does
not hide someone else's arrears; the extra is shown separately.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear, Substr

from jiceng.core.scoping import path_q, visible
from jiceng.members.models import Member
from jiceng.orgs import rules as org_rules
from jiceng.orgs.models import Organization

from . import rules
from .models import DuesBase, DuesConsent, DuesPayment, DuesSettings

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")


def visible_dues(user, queryset: QuerySet) -> QuerySet:
    """`visible()` for dues records: a plain member sees only their own."""
    qs = visible(user, queryset)
    if not user.is_superuser and getattr(user, "role", None) == "member":
        qs = qs.filter(member_id=user.member_id) if user.member_id else qs.none()
    return qs


def ledger_start(settings: DuesSettings | None = None) -> date:
    """First month on record: the county's setting, else January of the earliest base year,
    else the current month (nothing recorded yet, so nothing is counted as missed)."""
    from django.utils import timezone

    settings = settings or DuesSettings.current()
    if settings.ledger_start:
        return rules.month_start(settings.ledger_start)
    first_year = DuesBase.objects.aggregate(y=Min("year"))["y"]
    if first_year:
        return date(first_year, 1, 1)
    return rules.month_start(timezone.localdate())


def due_in_month(members: QuerySet, month: date, start: date) -> QuerySet:
    """Active members of `members` who owe dues for `month` if not exempt (see module doc),
    annotated with `expected` (the year's monthly amount, None without a base) and `paid_amount`."""
    next_month = rules.add_months(month, 1)
    # Left joins on the (member, year) and (member, month) unique keys: at most one row each, so
    # the same figures as a lookup per member, but the database reads each once, where a
    # correlated subquery runs again for every aggregate that names it.
    qs = (
        members.filter(status__in=Member.ACTIVE_STATUSES)
        .filter(Q(join_date__isnull=True) | Q(join_date__lt=next_month))
        .annotate(
            year_base=FilteredRelation("dues_bases", condition=Q(dues_bases__year=month.year)),
            month_payment=FilteredRelation("dues_payments", condition=Q(dues_payments__month=month)),
        )
        .annotate(expected=F("year_base__monthly_amount"), paid_amount=F("month_payment__amount"))
    )
    return qs.none() if month < start else qs


NOT_EXEMPT = Q(expected__isnull=True) | Q(expected__gt=0)
PAID = Q(paid_amount__isnull=False)
CREDITED = Case(
    When(Q(paid_amount__isnull=False, paid_amount__lt=F("expected")), then=F("paid_amount")),
    When(Q(paid_amount__isnull=False, expected__isnull=False), then=F("expected")),
    default=Value(ZERO),
    output_field=MONEY,
)


def state_filter(qs: QuerySet, state: str) -> QuerySet:
    """Narrow an annotated `due_in_month` queryset to one state of the month."""
    if state == "paid":
        return qs.filter(NOT_EXEMPT, PAID)
    if state == "unpaid":
        return qs.filter(NOT_EXEMPT, paid_amount__isnull=True)
    if state == "no_base":
        return qs.filter(expected__isnull=True)
    if state == "exempt":
        return qs.filter(expected=0)
    if state == "due":
        return qs.filter(NOT_EXEMPT)
    return qs


STATES = {"due": "应交", "paid": "已交", "unpaid": "未交", "no_base": "未核定基数", "exempt": "免交"}


@dataclass
class Completion:
    """Figures for one organization subtree and one month (or a year to date)."""

    path: str = ""
    org: Organization | None = None
    due: int = 0  # members (or member-months for a year) due
    paid: int = 0
    no_base: int = 0
    exempt: int = 0
    due_amount: Decimal = ZERO  # of those with a base
    paid_amount: Decimal = ZERO
    credited_amount: Decimal = ZERO

    @property
    def unpaid(self) -> int:
        return self.due - self.paid

    @property
    def rate(self) -> Decimal | None:
        return rules.rate_percent(self.paid, self.due)

    @property
    def amount_rate(self) -> Decimal | None:
        return rules.rate_percent(self.credited_amount, self.due_amount)

    @property
    def extra_amount(self) -> Decimal:
        return self.paid_amount - self.credited_amount

    def add(self, other: Completion) -> None:
        for name in ("due", "paid", "no_base", "exempt", "due_amount", "paid_amount", "credited_amount"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _money(value) -> Decimal:
    return rules.round_fen(Decimal(value)) if value is not None else ZERO


def month_completion(
    members: QuerySet, month: date, start: date, *, unit_width: int | None = None
) -> dict[str, Completion]:
    """Completion of `month` for `members` (one query), keyed by the first `unit_width`
    characters of the organization path (all under "" when None)."""
    qs = due_in_month(members, month, start)
    if unit_width:
        qs = qs.annotate(unit=Substr("organization__path", 1, unit_width))
    else:
        qs = qs.annotate(unit=Value(""))
    rows = (
        qs.values("unit")
        .annotate(
            members=Count("pk"),
            exempt=Count("pk", filter=Q(expected=0)),
            no_base=Count("pk", filter=Q(expected__isnull=True)),
            paid=Count("pk", filter=NOT_EXEMPT & PAID),
            due_sum=Sum("expected", filter=Q(expected__gt=0)),
            paid_sum=Sum("paid_amount", filter=NOT_EXEMPT & PAID),
            credited=Sum(CREDITED, filter=Q(expected__gt=0)),
        )
        .order_by()
    )
    out: dict[str, Completion] = {}
    for r in rows:
        out[r["unit"]] = Completion(
            path=r["unit"],
            due=r["members"] - r["exempt"],
            paid=r["paid"],
            no_base=r["no_base"],
            exempt=r["exempt"],
            due_amount=_money(r["due_sum"]),
            paid_amount=_money(r["paid_sum"]),
            credited_amount=_money(r["credited"]),
        )
    return out


def year_completion(
    members: QuerySet, year: int, through: date, start: date, *, unit_width: int | None = None
) -> dict[str, Completion]:
    """Member-months of `year` from January to `through`, keyed like `month_completion` (one
    query whatever the size). The inner statement gives one row per active member: unit, the
    year's monthly amount (`expected`), the months owed since January or the join month, and
    the count, sum and credited sum of their payments of those months (from the member's
    `DuesYear` row); the outer statement adds them up per unit in the database.
    A member is credited at most the months they owed (a payment recorded before a join date
    that was corrected later does not push a rate over 100%), and at most the amount due for
    those months."""
    first = max(date(year, 1, 1), start)
    last = min(rules.month_start(through), date(year, 12, 1))
    if last < first:
        return {}
    next_month = rules.add_months(last, 1)
    first_index = first.year * 12 + first.month
    owed_from = Case(
        When(
            join_date__gt=first,
            then=ExtractYear("join_date") * Value(12) + ExtractMonth("join_date"),
        ),
        default=Value(first_index),
        output_field=IntegerField(),
    )
    unit = Substr("organization__path", 1, unit_width) if unit_width else Value("")
    # The year's payments of the months first..last, from the per-member yearly summary
    # (`DuesYear`: running totals from January, kept with the payments, jiceng/dues/summary.py).

    def months_of(column: str):
        through_last = F(f"paid_year__{column}_{last.month:02d}")
        if first.month == 1:
            return through_last
        return through_last - F(f"paid_year__{column}_{first.month - 1:02d}")

    inner = (
        members.filter(status__in=Member.ACTIVE_STATUSES)
        .filter(Q(join_date__isnull=True) | Q(join_date__lt=next_month))
        .annotate(
            year_base=FilteredRelation("dues_bases", condition=Q(dues_bases__year=year)),
            paid_year=FilteredRelation("dues_years", condition=Q(dues_years__year=year)),
        )
        .order_by()
        .annotate(
            unit=unit,
            expected=F("year_base__monthly_amount"),
            months=Value(last.year * 12 + last.month + 1) - owed_from,
            n=ExpressionWrapper(months_of("paid"), output_field=IntegerField()),
            amt=ExpressionWrapper(months_of("amount"), output_field=MONEY),
            cred=ExpressionWrapper(months_of("credited"), output_field=MONEY),
        )
        .values("unit", "expected", "months", "n", "amt", "cred")
    )
    sql, params = inner.query.sql_with_params()
    owes = "(expected IS NULL OR expected <> 0)"
    n, amt, cred = "COALESCE(n, 0)", "COALESCE(amt, 0)", "COALESCE(cred, 0)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT unit,
                  SUM(CASE WHEN expected = 0 THEN 1 ELSE 0 END),
                  SUM(CASE WHEN {owes} THEN months ELSE 0 END),
                  SUM(CASE WHEN expected IS NULL THEN months ELSE 0 END),
                  SUM(CASE WHEN expected <> 0 THEN expected * months ELSE 0 END),
                  SUM(CASE WHEN {owes} THEN (CASE WHEN {n} < months THEN {n} ELSE months END) ELSE 0 END),
                  SUM(CASE WHEN {owes} THEN {amt} ELSE 0 END),
                  SUM(CASE WHEN expected IS NULL THEN {cred}
                           WHEN expected <> 0 THEN
                             (CASE WHEN {cred} < expected * months THEN {cred} ELSE expected * months END)
                           ELSE 0 END)
                FROM ({sql}) AS per_member GROUP BY unit""",
            params,
        )
        rows = cursor.fetchall()
    return {
        key: Completion(
            path=key,
            exempt=exempt,
            due=due,
            no_base=no_base,
            due_amount=_money(due_amount),
            paid=paid,
            paid_amount=_money(paid_amount),
            credited_amount=_money(credited),
        )
        for key, exempt, due, no_base, due_amount, paid, paid_amount, credited in rows
    }


def by_child(root: Organization, figures: dict[str, Completion]) -> tuple[list[Completion], Completion]:
    """Rows for each child of `root` that has figures, `root`'s own members as a row, and the total."""
    width = len(root.path) + org_rules.SEGMENT
    children = {o.path: o for o in Organization.objects.filter(parent=root).order_by("path")}
    rows, total = [], Completion(path=root.path, org=root)
    own = Completion(path=root.path, org=root)
    for key, c in sorted(figures.items()):
        if not key.startswith(root.path):
            continue  # outside the subtree (callers normally pass the subtree only)
        total.add(c)
        if len(key) == width and key in children:
            c.org = children[key]
            rows.append(c)
        else:
            own.add(c)
    if own.due or own.exempt:
        own.org = root
        rows.insert(0, own)
    return rows, total


def subtree_members(user, root: Organization) -> QuerySet:
    return visible(user, Member.objects.filter(path_q("organization__path", root.path)))


# ---------------------------------------------------------------------------------------------
# One member
# ---------------------------------------------------------------------------------------------


@dataclass
class MonthCell:
    month: date
    state: str  # paid / unpaid / exempt / before (not yet due) / future
    payment: DuesPayment | None = None
    expected: Decimal | None = None


@dataclass
class MemberDues:
    member: Member
    bases: list[DuesBase] = field(default_factory=list)
    months: list[MonthCell] = field(default_factory=list)
    consents: list[DuesConsent] = field(default_factory=list)

    @property
    def base_this_year(self) -> DuesBase | None:
        return self.bases[0] if self.bases else None


def month_cells(
    member: Member,
    months: list[date],
    bases: dict[int, DuesBase],
    payments: dict[date, DuesPayment],
    *,
    start: date,
    today: date,
) -> list[MonthCell]:
    current = rules.month_start(today)
    first = rules.dues_start(member.join_date, start)
    cells = []
    for month in months:
        base = bases.get(month.year)
        expected = base.monthly_amount if base else None
        payment = payments.get(month)
        if payment is not None:
            state = "paid"
        elif month < first:
            state = "before"
        elif base is not None and base.is_exempt:
            state = "exempt"
        elif month > current:
            state = "future"
        else:
            state = "unpaid"
        cells.append(MonthCell(month, state, payment, expected))
    return cells


def member_dues(member: Member, today: date, months: int = 12) -> MemberDues:
    """Bases, the last `months` months up to the current one, and consents (three queries)."""
    current = rules.month_start(today)
    span = [rules.add_months(current, -i) for i in range(months - 1, -1, -1)]
    bases = list(DuesBase.objects.filter(member=member).select_related("set_by").order_by("-year"))
    payments = {p.month: p for p in DuesPayment.objects.filter(member=member, month__gte=span[0], month__lte=current)}
    cells = month_cells(member, span, {b.year: b for b in bases}, payments, start=ledger_start(), today=today)
    consents = list(DuesConsent.objects.filter(member=member).order_by("-first_month"))
    return MemberDues(member=member, bases=bases, months=cells, consents=consents)


def year_grid(members: list[Member], year: int, today: date, start: date) -> dict[int, list[MonthCell]]:
    """Twelve cells per member for `year` (two queries whatever the number of members)."""
    ids = [m.pk for m in members]
    bases: dict[int, dict[int, DuesBase]] = defaultdict(dict)
    for b in DuesBase.objects.filter(member_id__in=ids, year=year):
        bases[b.member_id][year] = b
    payments: dict[int, dict[date, DuesPayment]] = defaultdict(dict)
    for p in DuesPayment.objects.filter(member_id__in=ids, month__year=year):
        payments[p.member_id][p.month] = p
    months = [date(year, m, 1) for m in range(1, 13)]
    return {m.pk: month_cells(m, months, bases[m.pk], payments[m.pk], start=start, today=today) for m in members}


CELL_TEXT = {"unpaid": "未交", "exempt": "免交", "before": "—", "future": ""}


def ledger_rows(members: QuerySet, year: int, today: date, start: date, chunk: int = 2000):
    """Rows of the Excel ledger: member, category, monthly amount, twelve months, total.

    Plain tuples in chunks (three queries per 2,000 members), so a whole county exports in
    seconds; the cell states are the same as on the page (month_cells)."""
    labels = dict(DuesBase.Category.choices)
    months = [date(year, m, 1) for m in range(1, 13)]
    current = rules.month_start(today)
    rows = members.values_list("pk", "name", "id_number_masked", "organization__name", "join_date")
    buffer: list[tuple] = []

    def flush():
        ids = [r[0] for r in buffer]
        bases = {
            m: (c, a)
            for m, c, a in DuesBase.objects.filter(member_id__in=ids, year=year)
            .order_by()
            .values_list("member_id", "category", "monthly_amount")
        }
        paid: dict[int, dict[date, Decimal]] = defaultdict(dict)
        for m, month, amount in (
            DuesPayment.objects.filter(member_id__in=ids, month__gte=months[0], month__lte=months[-1])
            .order_by()
            .values_list("member_id", "month", "amount")
        ):
            paid[m][month] = amount
        for pk, name, masked, org_name, join_date in buffer:
            category, amount = bases.get(pk, (None, None))
            first = rules.dues_start(join_date, start)
            cells = []
            for month in months:
                if month in paid[pk]:
                    cells.append(paid[pk][month])
                elif month < first:
                    cells.append(CELL_TEXT["before"])
                elif amount is not None and amount == 0:
                    cells.append(CELL_TEXT["exempt"])
                elif month > current:
                    cells.append(CELL_TEXT["future"])
                else:
                    cells.append(CELL_TEXT["unpaid"])
            total = sum(paid[pk].values(), Decimal("0.00"))
            yield [
                pk,
                name,
                masked,
                org_name,
                labels.get(category, "未核定"),
                amount if amount is not None else "",
                *cells,
                total,
            ]
        buffer.clear()

    for row in rows.iterator(chunk_size=chunk):
        buffer.append(row)
        if len(buffer) >= chunk:
            yield from flush()
    if buffer:
        yield from flush()


# ---------------------------------------------------------------------------------------------
# 党费交至 (dues paid up to), for transfer letters
# ---------------------------------------------------------------------------------------------


def paid_until(member, on: date | None = None) -> date | None:
    """党费交至: the latest month the ledger holds a payment for (advance payments included), counting
    only payments made on or before `on` when given; None without payments. Arrears before that
    month are shown by the ledger, not by this figure."""
    payments = DuesPayment.objects.filter(member=member)
    if on is not None:
        payments = payments.filter(paid_on__lte=on)
    return payments.aggregate(month=Max("month"))["month"]


def paid_until_subquery(member_ref: str = "member", on_ref: str | None = None) -> Subquery:
    """`paid_until` as a subquery for rows that point at a member (e.g. transfers: "member",
    "issued_on"), so that a list reads it in the same query."""
    payments = DuesPayment.objects.filter(member=OuterRef(member_ref))
    if on_ref is not None:
        payments = payments.filter(paid_on__lte=OuterRef(on_ref))
    return Subquery(payments.order_by("-month").values("month")[:1], output_field=DateField())


# ---------------------------------------------------------------------------------------------
# The six-month watch source
# ---------------------------------------------------------------------------------------------


def months_without_dues(members: QuerySet, today: date) -> dict[int, int]:
    """For each member of `members`: consecutive whole months without dues up to the end of last
    month, from the later of the join month and the ledger start. A month is covered by a
    payment for it (paid on time, in advance or back-paid) or by an exempt base (免交) for its
    year. Members missing nothing are left out (as the watch sources allow). One query (plus the
    ledger start), over the members whose last month is not covered (a payment for it, or an exempt
    base of its year): only they can be missing anything, and only for them are the latest payment
    and exemption looked up."""
    start = ledger_start()
    last_month = rules.add_months(rules.month_start(today), -1)
    out = {}
    last_paid = (
        DuesPayment.objects.filter(member=OuterRef("pk"), month__lte=last_month).order_by("-month").values("month")[:1]
    )
    last_exempt = (
        DuesBase.objects.filter(member=OuterRef("pk"), monthly_amount=0, year__lte=last_month.year)
        .order_by("-year")
        .values("year")[:1]
    )
    rows = (
        # `members` filtered directly (not `pk IN (members)`): one pass over the members table.
        members.order_by()
        .exclude(Exists(DuesPayment.objects.filter(member=OuterRef("pk"), month=last_month)))
        .exclude(Exists(DuesBase.objects.filter(member=OuterRef("pk"), year=last_month.year, monthly_amount=0)))
        .values_list("pk", "join_date")
        .annotate(
            last_paid=Subquery(last_paid, output_field=DateField()),
            last_exempt=Subquery(last_exempt, output_field=IntegerField()),
        )
        .order_by()
    )
    for pk, join_date, paid, exempt_year in rows:
        covered = [m for m in (paid, date(exempt_year, 12, 1) if exempt_year else None) if m is not None]
        last_covered = min(max(covered), last_month) if covered else None
        missed = rules.months_missed(last_covered=last_covered, start=rules.dues_start(join_date, start), today=today)
        if missed:
            out[pk] = missed
    return out
