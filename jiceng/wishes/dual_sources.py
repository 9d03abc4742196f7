"""What dual registration (在职党员到社区报到, jiceng.dual) counts from wishes: the wishes the
member claimed in the year and did not give back ("claim one wish a year", spec §2 [C]).

An agreed module (see jiceng/dual/queries.py): ``KIND`` and ``count(registration, year)``.
"""

from __future__ import annotations

from .queries import wishes_claimed_by_members

KIND = "wish"


def count(registration: dict, year: int) -> dict[int, int]:
    """{member_id: wishes claimed} for the members of `registration` ({member_id: (registered
    community path, registration date)}). One query."""
    return wishes_claimed_by_members(list(registration), year)
