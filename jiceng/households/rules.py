"""Pure rules of household work (no database): status changes, income per person against the
monitoring line, the guarantee checks, coverage of pairing and the per-cadre cap.

The monitoring line and the cap are county settings [C] (HouseholdsSettings). The mechanism of
monitoring for relapse is from 《关于建立防止返贫监测和帮扶机制的指导意见》 (国务院扶贫开发领导小组,
2020): households whose yearly net income per person is below the line set each year are monitored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

POOR, OUT, MONITORED, RISK_REMOVED = "poor", "out", "monitored", "risk_removed"

# Which status may follow which. A household out of poverty whose income falls or who meets a
# large expense is monitored (防返贫监测); a monitored household whose risk is removed is marked so,
# and may be monitored again; a relapse into poverty is recorded as such.
TRANSITIONS: dict[str, set[str]] = {
    POOR: {OUT, MONITORED},
    OUT: {MONITORED, POOR},
    MONITORED: {RISK_REMOVED, POOR, OUT},
    RISK_REMOVED: {MONITORED},
}

ITEMS = ("food", "clothing", "education", "medical", "housing", "water")


def transition_error(from_status: str, to_status: str, labels: dict[str, str]) -> str | None:
    """Why a household may not go from one status to another, or None."""
    if from_status == to_status:
        return f"该户已是“{labels[to_status]}”状态"
    if to_status not in TRANSITIONS.get(from_status, set()):
        return f"不能从“{labels[from_status]}”变更为“{labels[to_status]}”"
    return None


def income_per_person(total: Decimal, persons: int) -> Decimal | None:
    """Yearly income per person, in yuan to the fen; None for a household with no people."""
    if persons <= 0:
        return None
    return (Decimal(total) / persons).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def below_line(per_person: Decimal | None, line: Decimal) -> bool:
    """Below the monitoring line: strictly less than it. A household exactly at the line is not
    below it; a household without people (no figure) is not judged."""
    return per_person is not None and per_person < line


def failed_items(latest: dict[str, bool]) -> list[str]:
    """The items whose latest check failed (``latest``: item → met)."""
    return [item for item in ITEMS if latest.get(item) is False]


def unchecked_items(latest: dict[str, bool]) -> list[str]:
    return [item for item in ITEMS if item not in latest]


@dataclass(frozen=True)
class Coverage:
    households: int
    paired: int

    @property
    def unpaired(self) -> int:
        return self.households - self.paired

    @property
    def rate(self) -> float | None:
        """Share of households with a cadre, in percent; None when there are no households."""
        return round(100 * self.paired / self.households, 1) if self.households else None


def over_cap(open_pairs: int, cap: int) -> bool:
    return open_pairs > cap


def cap_error(open_pairs: int, cap: int, cadre_name: str) -> str | None:
    """Before a new pair: the cadre already has ``open_pairs`` households."""
    if open_pairs >= cap:
        return f"{cadre_name}已结对 {open_pairs} 户，达到每名干部 {cap} 户的上限（可在帮扶工作设置中调整）"
    return None


def pair_dates_error(starts_on: date, today: date, previous_start: date | None) -> str | None:
    if starts_on > today:
        return "结对日期不能晚于今天"
    if previous_start is not None and starts_on < previous_start:
        return f"结对日期不能早于上一次结对的开始日期（{previous_start:%Y-%m-%d}）"
    return None


def measure_errors(starts_on: date, ends_on: date | None, money: Decimal | None) -> dict[str, str]:
    errors = {}
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "完成期限不能早于开始日期"
    if money is not None and money < 0:
        errors["money"] = "资金不能为负数"
    return errors


def household_heads(relations: Iterable[str]) -> int:
    return sum(1 for r in relations if r == "head")


# ---- visit logs ------------------------------------------------------------------------------------


def visit_is_late(visited_at: datetime, recorded_at: datetime, late_days: int) -> bool:
    """Recorded more than ``late_days`` days after the visit (a late entry is allowed, and marked)."""
    return recorded_at - visited_at > timedelta(days=late_days)


def visit_locked(recorded_at: datetime, now: datetime, edit_days: int) -> bool:
    """A visit log may be changed for ``edit_days`` days after it was recorded, then only annotated."""
    return now > recorded_at + timedelta(days=edit_days)


def month_start(now: datetime) -> datetime:
    """00:00 of the first day of ``now``'s month, in ``now``'s time zone (Asia/Shanghai)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overdue_since(now: datetime, every_days: int) -> datetime:
    """A paired household is overdue when it has no visit at or after this instant."""
    return now - timedelta(days=every_days)
