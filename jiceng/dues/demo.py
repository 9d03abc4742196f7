"""Demo dues: a base for every active member for each year of the records' window and two years
of payments with realistic gaps (the window of jiceng/demo/context.py: the last eight whole
quarters and this one so far).

Most members pay every month, a few days into it; some pay a quarter at a time with the
branch's consent; some pay late (补交); a few have stopped, with runs of 4, 5 and 6 or more
months up to last month, so the six-month watch has people at every level, the demo branch
included. New members of this year partly have no base yet (未核定), as in real branches.
Bases and consents with bulk_create, payments by plain INSERTs: about 540,000 rows at county scale.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from jiceng.members.models import Member

from . import rules, summary
from .models import DuesBase, DuesConsent, DuesPayment, DuesSettings
from .services import compute_base

BATCH = 5000
FARMER_DEFAULT = rules.DEFAULT_FARMER_AMOUNT

# Monthly income after tax (yuan) by occupation: (low, high).
INCOME = {
    "civil_servant": (4200, 9800),
    "professional": (3800, 12500),
    "manager": (4500, 16000),
    "worker": (2600, 6500),
    "other": (2200, 8500),
    "retired": (2400, 7200),
}


def _income(rng, occupation: str) -> Decimal:
    low, high = INCOME.get(occupation, INCOME["worker"])
    value = rng.triangular(low, high, low + (high - low) * 0.35)
    # Salaries end in whole yuan or 50 fen; the boundaries themselves appear now and then.
    if rng.random() < 0.02:
        return Decimal(rng.choice(["3000.00", "5000.00", "10000.00", "3000.50"]))
    return Decimal(int(value * 2)) / 2


def _category(rng, occupation: str) -> str:
    category = rules.default_category(occupation)
    if occupation in ("unemployed", "farmer") and rng.random() < 0.04:
        return rules.RELIEF
    if occupation == "other" and rng.random() < 0.5:
        return rules.OTHER
    return category


def _paid_day(rng, month: date) -> date:
    return month.replace(day=rng.choice((3, 5, 8, 10, 12, 15, 15, 18, 20, 25)))


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("dues")
    today = ctx.today
    current = rules.month_start(today)
    first = ctx.first_month
    years = list(range(first.year, today.year + 1))
    DuesSettings.objects.all().delete()
    DuesSettings.objects.create(ledger_start=first, farmer_amount=FARMER_DEFAULT)

    members = list(
        Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
        .order_by("organization__path", "pk")
        .values_list("pk", "occupation", "join_date", "organization_id")
    )
    branch_members = [m[0] for m in members if m[3] == ctx.branch.pk]
    demo_member = getattr(ctx.users.get("demo-member"), "member_id", None)
    # The demo branch shows one member at each level of the watch.
    planted = [pk for pk in branch_members if pk != demo_member][:3]
    stopped_for = dict(zip(planted, (4, 5, 7), strict=False))

    bases: list[DuesBase] = []
    base_amount: dict[tuple[int, int], Decimal] = {}
    cache: dict[tuple, dict] = {}
    for pk, occupation, join_date, _org in members:
        category = _category(rng, occupation)
        income = _income(rng, occupation) if category in rules.INCOME_CATEGORIES else None
        farmer = None
        if category == rules.FARMER:
            farmer = rng.choices(["0.20", "0.50", "1.00"], weights=(15, 75, 10))[0]
        reduced = None
        if rng.random() < 0.004:
            reduced = Decimal("0.00") if rng.random() < 0.5 else Decimal("0.20")
        for year in years:
            if join_date and join_date.year > year:
                continue
            if year == today.year and join_date and join_date.year == year and rng.random() < 0.15:
                continue  # a new member whose base the branch has not set yet
            if income is not None and year > years[0]:
                income = (income * Decimal(str(1 + rng.uniform(0, 0.05)))).quantize(Decimal("0.5"))
            key = (category, income, farmer, reduced)
            if key not in cache:
                cache[key] = compute_base(
                    category=category,
                    income=income,
                    farmer_amount=farmer,
                    reduced_amount=reduced
                    if reduced is not None and reduced < _standard(category, income, farmer)
                    else None,
                    reduction_note="经党支部研究、镇党委批准（演示）" if reduced is not None else "",
                    farmer_default=FARMER_DEFAULT,
                )
            fields = cache[key]
            bases.append(DuesBase(member_id=pk, year=year, note="演示数据", **fields))
            base_amount[(pk, year)] = fields["monthly_amount"]
    DuesBase.objects.bulk_create(bases, batch_size=BATCH)

    # Each member's habit, drawn in member order so the same seed gives the same ledger.
    plans = []
    consents: dict[int, DuesConsent] = {}
    for pk, _occupation, join_date, _org in members:
        habit = rng.random()
        stop = stopped_for.get(pk)
        if stop is None and habit < 0.03:
            stop = rng.choice((4, 4, 5, 5, 6, 7, 8, 10))
        if stop is None and 0.03 <= habit < 0.11:
            consents[pk] = DuesConsent(
                member_id=pk,
                first_month=first,
                last_month=date(today.year, 12, 1),
                decided_on=first - timedelta(days=5),
                decision="支部委员会研究同意按季度交纳（外出务工，演示）",
            )
        plans.append((pk, join_date, stop, stop is None and 0.11 <= habit < 0.17))
    DuesConsent.objects.bulk_create(list(consents.values()), batch_size=BATCH)

    payments: list[tuple] = []
    created = 0
    for pk, join_date, stop, irregular in plans:
        start = rules.dues_start(join_date, first)
        consent = consents.get(pk)
        if stop:
            last = rules.add_months(current, -(stop + 1))
        elif consent is not None:
            last = rules.quarter_end(today)  # a quarter paid at its start covers months ahead
        else:
            last = current
        month = start
        while month <= last:
            due = base_amount.get((pk, month.year))
            if due is None or due == 0 or (irregular and rng.random() < 0.08):
                month = rules.add_months(month, 1)
                continue
            if consent is not None:
                quarter_first = date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
                paid_on = _paid_day(rng, max(quarter_first, start))
            elif irregular and rng.random() < 0.3:
                # Paid late, one to three months after, as a back payment.
                paid_on = _paid_day(rng, rules.add_months(month, rng.choice((1, 1, 2, 3))))
            else:
                paid_on = _paid_day(rng, month)
            if paid_on > today:
                if month >= current:
                    month = rules.add_months(month, 1)
                    continue  # not paid yet this month
                paid_on = today  # a late payment made today
            extra = rng.random() < 0.01
            payments.append(
                (
                    pk,
                    month,
                    due + Decimal("10.00") if extra else due,
                    due,
                    paid_on,
                    rng.choices(METHODS, weights=(50, 35, 10, 5))[0],
                    "自愿多交" if extra else "",
                    consent.pk if consent is not None and month > rules.month_start(paid_on) else None,
                )
            )
            month = rules.add_months(month, 1)
        if len(payments) >= BATCH * 4:
            created += _insert_payments(payments)
            payments.clear()
    created += _insert_payments(payments)
    summary.rebuild()  # the payments went in by plain INSERTs

    from .queries import months_without_dues

    missed = months_without_dues(Member.objects.filter(status__in=Member.ACTIVE_STATUSES), today).values()
    return {
        "党费年度基数": len(bases),
        "党费交纳记录": created,
        "经支部同意按季度交纳": len(consents),
        "连续4个月未交": sum(1 for n in missed if n == 4),
        "连续5个月未交": sum(1 for n in missed if n == 5),
        "连续6个月及以上未交": sum(1 for n in missed if n >= 6),
    }


PAYMENT_COLUMNS = ("member_id", "month", "amount", "due_amount", "paid_on", "method", "note", "consent_id")
METHODS = ("cash", "online", "transfer", "proxy")


def _insert_payments(rows: list[tuple]) -> int:
    """Insert payment rows with one parameterized statement per chunk.

    bulk_create spent most of the demo's time preparing 12 fields for each of ~270,000
    objects (about 13 s on SQLite); the rows here are plain tuples whose few distinct dates
    and amounts are adapted once. Constraints (one payment per member and month, amounts
    not negative) are in the database and hold for these rows too. See ADR 0007a.
    """
    if not rows:
        return 0
    ops = connection.ops
    dates: dict[date, object] = {}
    money: dict[Decimal, object] = {}

    def d(value):
        if value not in dates:
            dates[value] = ops.adapt_datefield_value(value)
        return dates[value]

    def m(value):
        if value not in money:
            money[value] = ops.adapt_decimalfield_value(value, 12, 2)
        return money[value]

    recorded_at = ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(DuesPayment._meta.db_table)
    names = [*PAYMENT_COLUMNS, "receipt", "recorded_at"]
    columns = ", ".join(connection.ops.quote_name(c) for c in names)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    params = [
        (pk, d(month), m(amount), m(due), d(paid_on), method, note, consent, "", recorded_at)
        for pk, month, amount, due, paid_on, method, note, consent in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(params), BATCH):
            cursor.executemany(sql, params[i : i + BATCH])
    return len(rows)


def _standard(category, income, farmer) -> Decimal:
    return rules.monthly_dues(category, income, farmer_amount=farmer, farmer_default=FARMER_DEFAULT).monthly_amount
