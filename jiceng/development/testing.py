"""Builders of the development tests: a file walked step by step with the smallest legal dates
(the fixtures are in jiceng/development/conftest.py)."""

from __future__ import annotations

from datetime import date

from jiceng.testing import make_id

from . import rules, services
from .services import PersonInput

# A walk through the whole procedure, each step on a legal date (all in the past of 2026-11).
DATES = {
    1: date(2023, 1, 10),
    2: date(2023, 2, 1),
    3: date(2023, 3, 10),
    4: date(2023, 3, 20),
    5: date(2023, 3, 25),
    6: date(2023, 9, 1),
    7: date(2024, 3, 10),
    8: date(2024, 3, 15),
    9: date(2024, 3, 20),
    10: date(2024, 4, 1),
    11: date(2024, 4, 10),
    12: date(2024, 4, 20),
    13: date(2024, 5, 1),
    14: date(2024, 5, 10),
    15: date(2024, 6, 1),
    16: date(2024, 6, 15),
    17: date(2024, 7, 1),
    18: date(2024, 7, 10),
    19: date(2024, 7, 15),
    20: date(2024, 7, 20),
    21: date(2024, 12, 1),
    22: date(2025, 5, 20),
    23: date(2025, 6, 1),
    24: date(2025, 6, 20),
    25: date(2025, 7, 1),
}


def step_kwargs(county, number: int) -> dict:
    """Valid data for each step in the test county (branch_a has two full members)."""
    zhang, li = county.member_a, county.li
    if number in (2, 16):
        return {"people": [PersonInput(rules.TALKER, member_id=zhang.pk)]}
    if number == 3:
        return {"recommendation": "党员推荐"}
    if number == 5:
        return {"people": [PersonInput(rules.CONTACT, member_id=zhang.pk)]}
    if number == 9:
        return {"people": [PersonInput(rules.SPONSOR, member_id=zhang.pk), PersonInput(rules.SPONSOR, member_id=li.pk)]}
    if number == 11:
        return {"training_days": 3}
    if number == 15:
        return {"vote": rules.Vote(entitled=2, attended=2, yes=2)}
    if number == 23:
        return {"vote": rules.Vote(entitled=2, attended=2, yes=2), "outcome": rules.TO_FULL}
    return {}


def open_applicant(county, name="申请人甲", on=DATES[1], birth=date(2000, 5, 6), actor=None, **extra):
    return services.open_file(
        actor or county.secretary_a,
        organization=county.branch_a,
        id_number=make_id(birth),
        name=name,
        on=on,
        **extra,
    )


def walk(county, file, upto: int, *, dates=DATES, actor=None, start: int | None = None):
    """Record steps start..upto (after the current one) with DATES and valid data."""
    actor = actor or county.secretary_a
    file.refresh_from_db()
    first = start or file.last_step + 1
    for n in range(first, upto + 1):
        services.record_step(actor, file, n, on=dates[n], **step_kwargs(county, n))
    file.refresh_from_db()
    return file
