"""Cadence rules of organizational life — pure functions, no database.

Statute: 《中国共产党支部工作条例（试行）》(2018): branch general meeting generally once a quarter,
branch committee meeting generally once a month, party group meeting generally once a month,
party lecture at least once a year, organizational life meeting and democratic appraisal of
members generally once a year. County practice [C] adds the rest (themed party day monthly on
a fixed day, a party lecture a quarter, a county's own types) as rows of ActivityType.

How an activity type is judged for an organization and a reporting window (month, quarter,
year) — see docs/decisions/0009-organizational-life.md:

- The window is cut into the type's cadence periods (weeks, months, quarters, years) that
  *end* inside the window; a type whose cadence is longer than the window is not judged there.
- A cadence period is owed only if the organization was applicable (it existed, and for
  committee meetings it had a committee) on every day of it — in practice, on its first and
  its last day. A branch that gains a committee mid-month owes committee meetings from the
  next month; a group founded by a split owes group meetings from its first whole month.
- An activity counts for the cadence period containing its date (Asia/Shanghai). It is on
  time if it was recorded no later than the period's last day plus the type's grace days;
  recorded after that it is *late*: held, counted, but marked.
- A period whose last day is still to come is *pending* while it lacks meetings; after it
  ends it is *missing* if fewer than the minimum were held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

REGULATION = "《中国共产党支部工作条例（试行）》"

MET = "met"
LATE = "late"
MISSING = "missing"
PENDING = "pending"
NOT_OWED = "not_owed"

STATUS_LABELS = {MET: "按时完成", LATE: "补录（逾期纪实）", MISSING: "缺失", PENDING: "待完成", NOT_OWED: "不要求"}
STATUS_LEVELS = {MET: "success", LATE: "warning", MISSING: "danger", PENDING: "azure", NOT_OWED: "secondary"}
# The worst status of the parts is the status of the whole.
_SEVERITY = {NOT_OWED: 0, MET: 1, PENDING: 2, LATE: 3, MISSING: 4}

CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
WINDOW_KINDS = ("month", "quarter", "year")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str = "month"

    @cached_property  # read for every member of a county when the watch counts runs of months
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%m-%d}至{self.end:%m-%d}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def month_of(day: date) -> Period:
    return Period(date(day.year, day.month, 1), _month_end(day.year, day.month), "month")


def quarter_of(day: date) -> Period:
    first = (day.month - 1) // 3 * 3 + 1
    return Period(date(day.year, first, 1), _month_end(day.year, first + 2), "quarter")


def year_of(day: date) -> Period:
    return Period(date(day.year, 1, 1), date(day.year, 12, 31), "year")


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), "week")


def window_of(kind: str, day: date) -> Period:
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[kind](day)


def cadence_period(cadence: str, day: date) -> Period:
    """The cadence period an activity held on `day` counts for."""
    return {"weekly": week_of, "monthly": month_of, "quarterly": quarter_of, "yearly": year_of}[cadence](day)


# Years a period, an appraisal or a talk may name. No party organization had a life to record
# before the Party's founding (1921); 2100 is far enough ahead for any plan, and the bounds keep
# the date arithmetic (a window minus a week, cadence periods past its end) inside `date`.
MIN_YEAR = 1921
MAX_YEAR = 2100


def year_error(year: int | None) -> str | None:
    """Why `year` cannot be used (None: it can)."""
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return f"年份应在{MIN_YEAR}年到{MAX_YEAR}年之间"
    return None


_PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{1,2})))?$", re.ASCII)


def parse_period(text: str) -> Period:
    """'2026' → the year, '2026-Q3' → the quarter, '2026-07' → the month; ValueError otherwise
    (also for a year outside MIN_YEAR..MAX_YEAR)."""
    text = (text or "").strip()
    m = _PERIOD_RE.match(text)
    if not m:
        raise ValueError(f"无法识别的期间：{text[:40]}（格式如 2026、2026-Q3、2026-07）")
    year = int(m.group(1))
    if year_error(year):
        raise ValueError(f"{year_error(year)}：{text}")
    if m.group(2):
        return quarter_of(date(year, (int(m.group(2)) - 1) * 3 + 1, 1))
    if m.group(3):
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise ValueError(f"月份应在1到12之间：{text}")
        return month_of(date(year, month, 1))
    return year_of(date(year, 1, 1))


def previous_window(kind: str, today: date) -> Period:
    current = window_of(kind, today)
    return window_of(kind, current.start - timedelta(days=1))


def cadence_periods(cadence: str, window: Period) -> list[Period]:
    """The cadence periods that end inside `window` (none when the cadence is longer)."""
    if cadence == "weekly":
        out, week = [], week_of(window.start)
        while week.start <= window.end:
            if week.end in window:
                out.append(week)
            week = week_of(week.end + timedelta(days=1))
        return out
    if CADENCE_MONTHS[cadence] > {"month": 1, "quarter": 3, "year": 12}[window.kind]:
        return []
    out, day = [], window.start
    while day <= window.end:
        p = cadence_period(cadence, day)
        out.append(p)
        day = p.end + timedelta(days=1)
    return out


Span = tuple[date, date | None]  # applicable from, to (inclusive; None: still applicable)


def applicable_on(spans: Iterable[Span], day: date) -> bool:
    return any(s <= day and (e is None or day <= e) for s, e in spans)


def is_owed(period: Period, spans: Iterable[Span]) -> bool:
    """Owed only when applicable on every day of the period: one span covers it whole."""
    return any(s <= period.start and (e is None or period.end <= e) for s, e in spans)


def is_late(held_on: date, recorded_on: date, cadence: str, grace_days: int = 0) -> bool:
    """Recorded after the last day of the cadence period it counts for (plus grace days)."""
    return recorded_on > cadence_period(cadence, held_on).end + timedelta(days=grace_days)


@dataclass(frozen=True)
class Held:
    """Held activities of one organization and type: `n` of them on (or in the bucket of)
    `day`, all late or all on time."""

    day: date
    late: bool
    n: int = 1


@dataclass(frozen=True)
class PeriodResult:
    period: Period
    required: int
    held: int
    on_time: int
    status: str

    @property
    def missing(self) -> int:
        return max(0, self.required - self.held) if self.status == MISSING else 0


def evaluate_period(period: Period, *, min_count: int, owed: bool, held: Iterable[Held], today: date) -> PeriodResult:
    inside = [h for h in held if h.day in period]
    n_held = sum(h.n for h in inside)
    on_time = sum(h.n for h in inside if not h.late)
    return _period_result(period, min_count, owed, n_held, on_time, today)


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: _SEVERITY[s], default=NOT_OWED)


@dataclass(frozen=True)
class TypeResult:
    """One activity type for one organization and window (frozen: organizations with the same
    counts share one, see jiceng.life.queries.compliance)."""

    type_id: int
    periods: tuple[PeriodResult, ...]

    @property
    def required(self) -> int:
        return sum(p.required for p in self.periods)

    @property
    def held(self) -> int:
        return sum(p.held for p in self.periods)

    @property
    def late(self) -> int:
        return sum(1 for p in self.periods if p.status == LATE)

    @property
    def missing(self) -> int:
        return sum(p.missing for p in self.periods)

    @property
    def status(self) -> str:
        return worst(p.status for p in self.periods)


def evaluate_type(
    window: Period,
    *,
    type_id: int,
    cadence: str,
    min_count: int,
    spans: list[Span],
    held: list[Held],
    today: date,
    periods: list[Period] | None = None,
) -> TypeResult:
    """`periods` may be passed when many organizations are judged for the same window."""
    if periods is None:
        periods = cadence_periods(cadence, window)
    return TypeResult(
        type_id,
        tuple(evaluate_period(p, min_count=min_count, owed=is_owed(p, spans), held=held, today=today) for p in periods),
    )


def evaluate_counts(
    type_id: int,
    periods: list[Period],
    *,
    min_count: int,
    owed: Sequence[bool],
    held: Sequence[int],
    on_time: Sequence[int],
    today: date,
) -> TypeResult:
    """`evaluate_type` with what it derives per period given: whether the period is owed, and the
    activities held in it and those held on time (the compliance table of a city judges 40,000
    organizations and types, and counts each one's records per period once)."""
    return TypeResult(
        type_id,
        tuple(
            _period_result(p, min_count, o, h, t, today)
            for p, o, h, t in zip(periods, owed, held, on_time, strict=True)
        ),
    )


def _period_result(period: Period, min_count: int, owed: bool, n_held: int, on_time: int, today: date) -> PeriodResult:
    if not owed:
        return PeriodResult(period, 0, n_held, on_time, NOT_OWED)
    if on_time >= min_count:
        status = MET
    elif n_held >= min_count:
        status = LATE
    elif period.end >= today:
        status = PENDING
    else:
        status = MISSING
    return PeriodResult(period, min_count, n_held, on_time, status)


def score(results: Iterable[TypeResult]) -> float | None:
    """Share of owed cadence periods done (met counts 1, late counts 0.5), in percent.

    Pending periods are left out: they are not over."""
    done = total = 0.0
    for r in results:
        for p in r.periods:
            if p.status in (MET, LATE, MISSING):
                total += 1
                done += 1 if p.status == MET else 0.5 if p.status == LATE else 0
    return round(done * 100 / total, 1) if total else None


def sign_in_window(starts_at, ends_at, early_minutes: int = 30):
    """QR sign-in opens `early_minutes` before the start and closes at the end [C]."""
    return starts_at - timedelta(minutes=early_minutes), ends_at


def rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def add_months_start(day: date, months: int) -> date:
    """First day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[Period]:
    out, day = [], date(first.year, first.month, 1)
    while day <= last:
        p = month_of(day)
        out.append(p)
        day = p.end + timedelta(days=1)
    return out


def consecutive_missed(months_attended: dict[str, bool], months: list[Period]) -> int:
    """Whole months in a row, counted back from the last of `months`, in which the member was
    expected at some meeting (key present) and attended none (value False). A month with no
    meeting expecting the member ends the run: the member cannot be blamed for a meeting the
    branch did not hold (the compliance table reports that instead)."""
    run = 0
    for p in reversed(months):
        if months_attended.get(p.code, True):
            break
        run += 1
    return run
