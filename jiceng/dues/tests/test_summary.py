"""The yearly summary (`DuesYear`) stays equal to the payments through every write path: one
payment, a quarter at once, a removal, an import and its undo; the command finds and repairs a
difference."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiceng.dues import services, summary
from jiceng.dues.models import DuesPayment, DuesYear
from jiceng.dues.testing import at

pytestmark = pytest.mark.django_db


def test_services_keep_the_summary(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.zhang, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 5))
        services.record_payment(
            None,
            dues.zhang,
            months=[date(2026, 3, 1)],
            paid_on=date(2026, 3, 5),
            amount=Decimal("60.00"),
            note="自愿多交",
        )
    assert summary.differences() == []
    row = DuesYear.objects.get(member=dues.zhang, year=2026)
    # Running totals from January: three months paid by March, none in April.
    assert (row.paid_01, row.paid_02, row.paid_03, row.paid_04, row.paid_12) == (1, 2, 3, 3, 3)
    assert row.amount_03 == Decimal("160.00") and row.credited_03 == Decimal("150.00")
    with at(2026, 3, 21):
        services.delete_payment(None, DuesPayment.objects.get(member=dues.zhang, month=date(2026, 2, 1)), reason="录错")
    assert summary.differences() == []
    assert DuesYear.objects.get(member=dues.zhang, year=2026).paid_03 == 2


def test_the_command_finds_and_repairs_a_difference(dues):
    with at(2026, 3, 20):
        services.record_payment(None, dues.li, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 8))
    DuesYear.objects.filter(member=dues.li).update(paid_01=0)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("dues_summary", "--check", stdout=out)
    assert "李四" not in out.getvalue() and str(dues.li.pk) in out.getvalue()
    call_command("dues_summary", "--rebuild", "--check", stdout=StringIO())
    assert summary.differences() == []
