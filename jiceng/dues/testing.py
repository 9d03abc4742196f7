"""Builders of the dues tests (the fixtures are in jiceng/dues/conftest.py; what every app's
tests share is in jiceng/testing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import time_machine

from jiceng.dues import summary
from jiceng.dues.models import DuesBase, DuesPayment
from jiceng.members.models import Member
from jiceng.testing import SHANGHAI

SH = SHANGHAI


def at(year: int, month: int, day: int, hour: int = 10):
    """Travel to a local time in Asia/Shanghai (the clock never ticks in these tests)."""
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=SH), tick=False)


@dataclass
class Dues:
    county: object
    zhang: Member  # branch A, joined 2010, employed 5,000 → 50.00 a month
    li: Member  # branch A, joined 2018, retired 5,000.01 → 50.00
    wang: Member  # group A (under branch A), probationary since 2026-01-10, student → 0.20
    zhao: Member  # branch B (the other township), farmer → 0.50


def bulk_members(org, n: int, *, paid_months=(), year: int = 2026, amount: str = "15.00") -> list[Member]:
    """`n` active members of `org` with a base for `year` and payments for `paid_months`."""
    members = Member.objects.bulk_create(
        [
            Member(
                name=f"批量{i}",
                gender="male",
                birth_date=date(1980, 1, 1),
                id_number_encrypted="x",
                id_number_digest=f"dues-bulk-{org.pk}-{i}",
                id_number_masked="4301**********0000",
                organization=org,
                status="full",
                join_date=date(2000, 1, 1),
                full_date=date(2001, 1, 1),
            )
            for i in range(n)
        ]
    )
    money = Decimal(amount)
    DuesBase.objects.bulk_create(
        [
            DuesBase(
                member=m,
                year=year,
                category="employed",
                income=money * 200,
                rate=Decimal("0.005"),
                standard_amount=money,
                monthly_amount=money,
            )
            for m in members
        ]
    )
    DuesPayment.objects.bulk_create(
        [
            DuesPayment(member=m, month=month, amount=money, due_amount=money, paid_on=month)
            for m in members
            for month in paid_months
        ]
    )
    summary.rebuild()
    return members
