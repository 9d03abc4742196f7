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
# The rules themselves are rows (models.VisitCadence, defaults in migration 0008: county practice
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


# ---- relapse watch (返贫监测) ---------------------------------------------------------------------------

INCOME, EXPENSE, CHECK = "income", "expense", "check"

# Households watched for relapse: out of poverty, or monitored once and the risk removed. A
# household still poor or being monitored is already helped; a flag would tell nothing new.
WATCHED_STATUSES = (OUT, RISK_REMOVED)


@dataclass(frozen=True)
class Threshold:
    id: int
    kind: str
    effective_from: date
    amount: Decimal | None = None
    share: Decimal | None = None  # percent of the year before's income
    lookback_days: int = 365


@dataclass(frozen=True)
class Expense:
    id: int
    on: date
    amount: Decimal
    label: str  # 疾病 / 灾害 / 意外 / 其他


@dataclass(frozen=True)
class Check:
    id: int
    item: str
    label: str
    checked_on: date
    met: bool
    note: str = ""


@dataclass(frozen=True)
class Crossing:
    """A threshold crossed by one record. ``key`` names the record: one flag per household and key."""

    kind: str
    threshold_id: int
    key: str
    reason: str
    income_year: int | None = None
    expense_id: int | None = None
    check_id: int | None = None


def yuan(value: Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def expense_crosses(threshold: Threshold, amount: Decimal, income_before: Decimal | None) -> str | None:
    """Why an expense crosses an expense threshold (an amount at least the threshold's, or a share
    of the year before's income at least the threshold's), or None. Both ends are inclusive."""
    if threshold.amount is not None and amount >= threshold.amount:
        return f"达到 {yuan(threshold.amount)} 元"
    if threshold.share is not None and income_before is not None and income_before > 0:
        if amount * 100 >= threshold.share * income_before:
            percent = (amount * 100 / income_before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return f"占上年家庭纯收入 {yuan(income_before)} 元的 {percent}%，达到 {threshold.share.normalize():f}%"
    return None


def crossings(
    *,
    thresholds: Iterable[Threshold],
    today: date,
    line: Decimal,
    persons: int,
    income_by_year: dict[int, Decimal],
    expenses: Iterable[Expense] = (),
    latest_checks: Iterable[Check] = (),
) -> list[Crossing]:
    """Which thresholds a household's records cross today, one crossing per record (the first
    threshold that the record crosses names the reason).

    - income: the latest year with income recorded (not after this year), per person **strictly
      below** the line (``below_line``): exactly at the line does not cross, one fen below does;
    - expense: one expense dated within the threshold's look-back and not after today;
    - check: an item whose latest check failed.
    Records dated before a threshold's ``effective_from`` do not count against it."""
    out: dict[str, Crossing] = {}
    expenses, latest_checks = list(expenses), list(latest_checks)
    years = sorted(y for y in income_by_year if y <= today.year)
    for t in thresholds:
        if t.effective_from > today:
            continue
        if t.kind == INCOME and years:
            year = years[-1]
            if year < t.effective_from.year:
                continue
            total = income_by_year[year]
            per = income_per_person(total, persons)
            key = f"income:{year}"
            if below_line(per, line) and key not in out:
                reason = (
                    f"{year}年家庭人均纯收入 {yuan(per)} 元（{yuan(total)} 元 ÷ {persons} 人），"
                    f"低于监测线 {yuan(line)} 元"
                )
                out[key] = Crossing(INCOME, t.id, key, reason, income_year=year)
        elif t.kind == EXPENSE:
            since = max(t.effective_from, today - timedelta(days=t.lookback_days))
            for e in expenses:
                key = f"expense:{e.id}"
                if key in out or not since <= e.on <= today:
                    continue
                if why := expense_crosses(t, e.amount, income_by_year.get(e.on.year - 1)):
                    reason = f"{e.on:%Y-%m-%d} {e.label}支出 {yuan(e.amount)} 元，{why}"
                    out[key] = Crossing(EXPENSE, t.id, key, reason, expense_id=e.id)
        elif t.kind == CHECK:
            for c in latest_checks:
                key = f"check:{c.id}"
                if c.met or key in out or c.checked_on < t.effective_from:
                    continue
                note = f"：{c.note}" if c.note else ""
                out[key] = Crossing(
                    CHECK, t.id, key, f"{c.checked_on:%Y-%m-%d} 核查「{c.label}」未达标{note}", check_id=c.id
                )
    return list(out.values())


# ---- exit checks (退出核查) -----------------------------------------------------------------------------

# A passed exit check moves a household out: a poor household is out of poverty, a monitored
# household's risk is removed (both are transitions of TRANSITIONS).
EXIT_STATUS = {POOR: OUT, MONITORED: RISK_REMOVED}


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str  # what is required and what was found, in Chinese
    met: bool

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "met": self.met}


def household_exit_criteria(
    *,
    today: date,
    latest_checks: dict[str, Check],
    labels: dict[str, str],
    valid_days: int,
    income_year: int | None,
    per_person: Decimal | None,
    line: Decimal,
    open_flags: int,
) -> list[Criterion]:
    """The criteria of a household's exit check:

    1. each of the six items checked within ``valid_days`` days and met at its latest check;
    2. the income per person of last year (or this year) not below the monitoring line — at the
       line is enough, as a household at the line is not flagged;
    3. no open relapse flag (待核实 or 继续观察)."""
    since = today - timedelta(days=valid_days)
    out = []
    for item in ITEMS:
        check = latest_checks.get(item)
        if check is None:
            out.append(Criterion(f"check_{item}", f"「{labels[item]}」没有核查记录", False))
        elif check.checked_on < since:
            text = f"「{labels[item]}」最近一次核查在 {check.checked_on:%Y-%m-%d}，已超过 {valid_days} 天，须重新核查"
            out.append(Criterion(f"check_{item}", text, False))
        elif not check.met:
            out.append(
                Criterion(
                    f"check_{item}", f"「{labels[item]}」最近一次核查未达标（{check.checked_on:%Y-%m-%d}）", False
                )
            )
        else:
            out.append(Criterion(f"check_{item}", f"「{labels[item]}」达标（{check.checked_on:%Y-%m-%d} 核查）", True))
    if income_year is None or income_year < today.year - 1 or per_person is None:
        out.append(Criterion("income", f"没有 {today.year - 1} 年或 {today.year} 年的家庭收入记录", False))
    elif below_line(per_person, line):
        text = f"{income_year}年家庭人均纯收入 {yuan(per_person)} 元，低于监测线 {yuan(line)} 元"
        out.append(Criterion("income", text, False))
    else:
        text = f"{income_year}年家庭人均纯收入 {yuan(per_person)} 元，不低于监测线 {yuan(line)} 元"
        out.append(Criterion("income", text, True))
    if open_flags:
        out.append(Criterion("flags", f"还有 {open_flags} 条返贫风险预警未核实处理", False))
    else:
        out.append(Criterion("flags", "没有未处理的返贫风险预警", True))
    return out


def village_exit_criteria(
    *, households: int, poor: int, open_flags: int, failed_checks: int, max_poor_share: Decimal
) -> list[Criterion]:
    """The criteria of a village's exit check, from its households: the share of households still
    poor at most ``max_poor_share`` percent (county setting [C], after the 2% incidence of
    《关于建立贫困退出机制的意见》, 2016, counted here on the registered households), no open relapse
    flag, and no household whose latest guarantee check failed."""
    out = []
    if not households:
        return [Criterion("households", "本村（社区）没有登记帮扶户，无法核查", False)]
    share = (Decimal(poor) * 100 / households).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    limit = f"{max_poor_share.normalize():f}%"
    text = f"未脱贫户 {poor} 户，占帮扶户 {households} 户的 {share}%"
    if share > max_poor_share:
        out.append(Criterion("poor_share", f"{text}，超过 {limit}", False))
    else:
        out.append(Criterion("poor_share", f"{text}，不超过 {limit}", True))
    if open_flags:
        out.append(Criterion("flags", f"还有 {open_flags} 条返贫风险预警未核实处理", False))
    else:
        out.append(Criterion("flags", "没有未处理的返贫风险预警", True))
    if failed_checks:
        out.append(Criterion("checks", f"有 {failed_checks} 户两不愁三保障及饮水安全最近一次核查未达标", False))
    else:
        out.append(Criterion("checks", "两不愁三保障及饮水安全最近一次核查均达标", True))
    return out


def exit_status_error(status: str, labels: dict[str, str]) -> str | None:
    if status not in EXIT_STATUS:
        return f"该户是“{labels[status]}”状态，不需要退出核查"
    return None
