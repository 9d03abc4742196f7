"""The year's completion is added up in the database (one statement); it must equal a recount of
the records member by member, on the demo county with the awkward cases added: exempt and
missing bases, partial and voluntary extra payments, and payments recorded before a join date
that was corrected later."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from jiceng.demo.testing import tiny_demo
from jiceng.dues import queries, rules, summary
from jiceng.dues.models import DuesBase, DuesPayment
from jiceng.dues.testing import at
from jiceng.members.models import Member
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db


def recount(year: int, through: date, start: date, width: int | None) -> dict[str, tuple]:
    """Member by member, from the model instances: the rules of `year_completion`'s docstring."""
    first = max(date(year, 1, 1), start)
    last = min(rules.month_start(through), date(year, 12, 1))
    bases = {b.member_id: b.monthly_amount for b in DuesBase.objects.filter(year=year)}
    payments = defaultdict(list)
    for p in DuesPayment.objects.filter(month__gte=first, month__lte=last):
        payments[p.member_id].append(p)
    out: dict[str, list] = {}
    for m in Member.objects.filter(status__in=Member.ACTIVE_STATUSES).select_related("organization"):
        owed_from = max(first, rules.month_start(m.join_date)) if m.join_date else first
        months = rules.months_between(owed_from, last)
        if months == 0:
            continue
        key = m.organization.path[:width] if width else ""
        row = out.setdefault(key, [0, 0, 0, Decimal(0), 0, Decimal(0), Decimal(0)])
        expected = bases.get(m.pk)
        if expected == 0:
            row[0] += 1
            continue
        paid = payments[m.pk]
        credited = sum((min(p.amount, p.due_amount) for p in paid), Decimal(0))
        row[1] += months
        if expected is None:
            row[2] += months
        else:
            row[3] += expected * months
            credited = min(credited, expected * months)
        row[4] += min(len(paid), months)
        row[5] += sum((p.amount for p in paid), Decimal(0))
        row[6] += credited
    return {k: tuple(v) for k, v in out.items()}


def figures(c: queries.Completion) -> tuple:
    return (c.exempt, c.due, c.no_base, c.due_amount, c.paid, c.paid_amount, c.credited_amount)


@pytest.fixture(scope="module")
def awkward_demo(django_db_setup, django_db_blocker):
    """Built once for the module's tests (each runs in a savepoint and leaves it as built)."""
    with kept_for_the_module(django_db_blocker):
        with at(2026, 11, 25):
            tiny_demo(3, password="demo-test-2468")
        assert summary.differences() == []  # the demo leaves the summary equal to its payments
        members = list(Member.objects.filter(status__in=Member.ACTIVE_STATUSES).order_by("pk"))
        # Exempt for 2026, and no base at all for 2026.
        DuesBase.objects.filter(member__in=members[0:6], year=2026).update(monthly_amount=Decimal("0.00"))
        DuesBase.objects.filter(member__in=members[6:12], year=2026).delete()
        # Partial payments (under the amount due) and voluntary extras.
        partial = DuesPayment.objects.filter(member__in=members[12:30], month__year=2026)
        partial.update(amount=F("due_amount") - Decimal("0.10"))  # stays a sum in fen
        DuesPayment.objects.filter(member__in=members[30:40], month__year=2026).update(amount=F("due_amount") + 7)
        # Joined later than first recorded: payments before the join month are not months owed.
        Member.objects.filter(pk__in=[m.pk for m in members[40:50]]).update(join_date=date(2026, 7, 14))
        # The amount due on a payment above the year's base: credited at most the base × months.
        DuesPayment.objects.filter(member__in=members[50:60], month__year=2026).update(due_amount=F("due_amount") * 3)
        # The updates above bypass the services, like a bulk loader: rebuild the yearly summary.
        summary.rebuild()
        yield members


@pytest.mark.parametrize(
    "year, through",
    [(2026, date(2026, 11, 25)), (2026, date(2026, 3, 1)), (2026, date(2026, 7, 31)), (2025, date(2025, 12, 31))],
)
def test_year_completion_equals_a_recount(awkward_demo, year, through):
    start = queries.ledger_start()
    root = Member.objects.select_related("organization").first().organization.path[:4]
    for width in (None, len(root) + 4, len(root) + 8):
        with CaptureQueriesContext(connection) as captured:
            got = queries.year_completion(Member.objects.all(), year, through, start, unit_width=width)
        assert len(captured) == 1
        expected = recount(year, through, start, width)
        assert {k: figures(c) for k, c in got.items()} == expected
        assert expected  # the demo has figures for the period


def test_the_awkward_cases_are_present(awkward_demo):
    """The recount above only proves something if each rule changes a figure."""
    start = queries.ledger_start()
    total = recount(2026, date(2026, 11, 25), start, None)[""]
    exempt, due, no_base, due_amount, paid, paid_amount, credited = total
    assert exempt == 6 and no_base > 0
    assert paid_amount != credited  # partial payments and extras
    joined_late = awkward_demo[40:50]
    assert DuesPayment.objects.filter(member__in=joined_late, month__lt=date(2026, 7, 1)).exists()
