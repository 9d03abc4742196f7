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


def overdue_since(kind: str, today: date) -> date:
    """A paired household is overdue when it has no visit on or after this day: the first day of
    the period before the current one of the pair rule, so a whole period of the rule has passed
    without a visit (monthly: nothing in April nor so far in May)."""
    return period_of(kind, today).previous().first


# ---- visit cadence (走访频次规则) ---------------------------------------------------------------------
#
# The rules themselves are rows (models.VisitCadence, defaults in migration 0006: county practice
# [C]); here is the arithmetic of their periods and the "met / not met" of each duty. A period is
# a calendar week (ISO 8601, Monday to Sunday), month or quarter in Asia/Shanghai: a visit counts
# for the period containing its local date, so 23:59 on 31 March is the first quarter's and 00:00
# on 1 April the second's.

WEEK, MONTH, QUARTER = "week", "month", "quarter"
PERIOD_LABELS = {WEEK: "周", MONTH: "月", QUARTER: "季度"}


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def key(self) -> str:
        """2026-W19, 2026-05, 2026-Q2: the form of ``?period=``."""
        if self.kind == WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == MONTH:
            return f"{self.first:%Y-%m}"
        return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.kind == WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}年第{week}周（{self.first:%m月%d日}—{self.last:%m月%d日}）"
        if self.kind == MONTH:
            return f"{self.first.year}年{self.first.month}月"
        return f"{self.first.year}年第{(self.first.month - 1) // 3 + 1}季度"

    def bounds(self, tz) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in ``tz``: 00:00 of the first day to 00:00 after the last."""
        start = datetime.combine(self.first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return start, end

    def previous(self) -> Period:
        return period_of(self.kind, self.first - timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` containing ``day`` (a local date)."""
    if kind == WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == MONTH:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1))
    if kind == QUARTER:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        following = (first + timedelta(days=95)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1))
    raise ValueError(f"unknown period kind: {kind}")


def parse_period(kind: str, text: str | None) -> Period | None:
    """``?period=`` of a rule's kind (2026-W19, 2026-05, 2026-Q2), or None when it does not read
    as one (the page then shows the current period). Years 2000–2100."""
    import re

    text = (text or "").strip()
    patterns = {WEEK: r"(\d{4})-W(\d{2})", MONTH: r"(\d{4})-(\d{2})", QUARTER: r"(\d{4})-Q(\d)"}
    found = re.fullmatch(patterns[kind], text, re.ASCII)
    if not found:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if not 2000 <= year <= 2100:
        return None
    try:
        if kind == WEEK:
            return period_of(WEEK, date.fromisocalendar(year, number, 1))
        if kind == MONTH:
            return period_of(MONTH, date(year, number, 1))
        if 1 <= number <= 4:
            return period_of(QUARTER, date(year, 3 * number - 2, 1))
    except ValueError:
        return None
    return None


def recent_periods(kind: str, today: date, n: int = 6) -> list[Period]:
    """The current period and the ``n - 1`` before it, newest first (the page's selector)."""
    out = [period_of(kind, today)]
    while len(out) < n:
        out.append(out[-1].previous())
    return out


def duty_owed(starts_on: date, ends_on: date | None, period: Period) -> bool:
    """A pair owes the period's visits when it was open on its first and its last day (a pair
    made or ended within the period owes nothing for it; a pair ends on its successor's first
    day, and is open on that day)."""
    return starts_on <= period.first and (ends_on is None or ends_on >= period.last)


def household_met(visits: int, required: int) -> bool:
    """Each household of the duty visited at least ``required`` times within the period."""
    return visits >= max(required, 1)


def activity_met(days: int, households: int, min_days: int, min_households: int) -> bool:
    """A cadre's week: visits on at least ``min_days`` distinct days and to at least
    ``min_households`` distinct households (both counted within the period)."""
    return days >= min_days and households >= min_households


def rate(met: int, owed: int) -> float | None:
    return round(100 * met / owed, 1) if owed else None


PERIOD_DAYS = {WEEK: 7, MONTH: 28, QUARTER: 90}  # the fewest days a period of the kind has


def cadence_errors(
    kind: str, period: str, visits: int | None, min_days: int | None, min_households: int | None
) -> dict:
    """What is wrong with a rule's counts (the settings page shows these)."""
    errors = {}
    if kind == "each_household":
        if not visits or visits < 1:
            errors["visits_per_household"] = "每户走访次数至少为 1 次"
    else:
        most = PERIOD_DAYS.get(period, 7)
        if min_days is None or not 0 <= min_days <= most:
            errors["min_days"] = f"走访天数应在 0 到 {most} 之间"
        if min_households is None or min_households < 0:
            errors["min_households"] = "走访户数不能为负数"
        if not errors and not (min_days or min_households):
            errors["min_days"] = "走访天数和户数不能都为 0"
    return errors
