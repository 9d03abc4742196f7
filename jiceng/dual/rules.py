"""Dual registration rules — pure functions, no database.

在职党员到社区报到 [C]: each in-office member registered with a residential community should,
every year, attend one party day, take one service project and claim one wish. The party days
and the wishes are counted from the records of the apps that keep them (a ``dual_sources``
module in jiceng.life and jiceng.wishes, see queries.sources); service projects are entered
by the community (ADR 0008a). Who may register where is a rule of the member's own record:
jiceng.members.rules (IN_OFFICE_OCCUPATIONS, residential_place_error, …).
"""

from __future__ import annotations

DUAL_KINDS = ("party_day", "service_project", "wish")


def dual_complete(done: dict[str, int]) -> bool:
    """True when each of the three yearly items was done at least once."""
    return all(done.get(kind, 0) >= 1 for kind in DUAL_KINDS)
