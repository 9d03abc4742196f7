"""The six-month watch (六个月预警): members approaching or reaching the condition of the
Party Constitution (《中国共产党章程》第九条): a member who, without proper reason, for six
consecutive months does not take part in organizational life, or does not pay dues, or does
not do the work the party assigns, is regarded as having left the party (自行脱党).

Each half of the rule is a *source* that some app provides in its ``watch.py``::

    SOURCES = [WatchSource("dues", "未交党费", months_without_dues)]

where ``months_without_dues(members, today) -> dict[member_id, int]`` gives, for the members of
the `members` queryset (active members in the user's scope; use it as a subquery, never
as a Python list), how many whole months in a row up to the end of last month the member has
missed. Members missing nothing may be left out (a county has tens of thousands of them). The
current month is never counted: it is not over.

The watch lists members at 4, 5 and 6 or more months in any source. The platform never
changes a status by itself: the list is for the branch to talk to the member, and a status
change is always a person's decision recorded through members.services.change_status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from jiceng.core.registry import app_modules

LEVELS = (4, 5, 6)  # shown as 4, 5 and "6 or more"
STATUTE = (
    "《中国共产党章程》第九条：连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作，就被认为是自行脱党"
)


@dataclass(frozen=True)
class WatchSource:
    key: str
    label: str  # e.g. "未交党费", "未参加组织生活"
    months: Callable[[QuerySet, date], dict[int, int]]


@dataclass
class WatchRow:
    member_id: int
    months: dict[str, int] = field(default_factory=dict)  # source key -> consecutive months missed

    @property
    def worst(self) -> int:
        return max(self.months.values(), default=0)

    @property
    def level(self) -> int:
        """4, 5 or 6 (meaning six or more); 0 below the watch."""
        worst = self.worst
        return 6 if worst >= 6 else (worst if worst >= LEVELS[0] else 0)


def sources() -> list[WatchSource]:
    out: list[WatchSource] = []
    for module in app_modules("watch"):
        out.extend(getattr(module, "SOURCES", []))
    return out


def watch(members: QuerySet, today: date, min_months: int = LEVELS[0]) -> list[WatchRow]:
    """Rows for the members of `members` that missed `min_months` or more in any source."""
    rows: dict[int, WatchRow] = {}
    for source in sources():
        for member_id, months in source.months(members, today).items():
            if months:
                rows.setdefault(member_id, WatchRow(member_id)).months[source.key] = months
    return sorted((r for r in rows.values() if r.worst >= min_months), key=lambda r: (-r.worst, r.member_id))
