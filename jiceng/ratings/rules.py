"""Pure rules of member points (no database): months, caps, the year's verdict.

The scheme is county practice [C] (domain spec §4): "at most 10 points a month; a year-end
total out of 120; below 60 in a year = unqualified; unqualified three years running → the
branch advises the member to leave". The numbers come from the scheme version in force.

How a month is counted (`count_month`): the month's events in date order (then by source and
record, so the order never depends on the database); each award counts its item's points,
cut to what the item's monthly and yearly caps and the scheme's monthly cap leave; deductions
count in full and are not cut. The cut is written on the line ("本月已达上限"), so a member
sees why an event counted less than its value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def months_of(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


@dataclass(frozen=True)
class Item:
    """What counting needs of an item (`PointItem`)."""

    id: int
    code: str
    points: Decimal
    cap_month: Decimal | None = None
    cap_year: Decimal | None = None


@dataclass(frozen=True)
class Event:
    item: Item
    source: str
    record_id: int
    on: date
    text: str
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class Line:
    event: Event
    raw_points: Decimal
    points: Decimal
    note: str = ""


def count_month(events: Iterable[Event], monthly_cap: Decimal, year_before: dict[str, Decimal]) -> list[Line]:
    """The lines of one member's month. ``year_before``: points counted per item code in the
    same year's earlier months (for the items' yearly caps)."""
    lines = []
    month_awards = ZERO
    per_item: dict[str, Decimal] = {}
    for event in sorted(events, key=lambda e: (e.on, e.source, e.record_id)):
        item = event.item
        raw = item.points * event.quantity
        if raw < 0:
            lines.append(Line(event, raw, raw))
            continue
        room, note = raw, ""
        if item.cap_month is not None and per_item.get(item.code, ZERO) + room > item.cap_month:
            room, note = max(ZERO, item.cap_month - per_item.get(item.code, ZERO)), "本项本月已达上限"
        used_year = year_before.get(item.code, ZERO) + per_item.get(item.code, ZERO)
        if item.cap_year is not None and used_year + room > item.cap_year:
            room, note = max(ZERO, item.cap_year - used_year), "本项全年已达上限"
        if month_awards + room > monthly_cap:
            room, note = max(ZERO, monthly_cap - month_awards), "本月积分已达上限"
        per_item[item.code] = per_item.get(item.code, ZERO) + room
        month_awards += room
        lines.append(Line(event, raw, room, note))
    return lines


def prorated_line(unqualified_below: Decimal, year: int, join_date: date | None) -> Decimal:
    """The qualifying line of a member who joined during the year: the line times the months on
    record over 12 (a member who joined in October is held to a quarter of it)."""
    if join_date is None or join_date.year != year:
        return unqualified_below
    months = 12 - join_date.month + 1
    return (unqualified_below * months / 12).quantize(Decimal("0.1"))


def unqualified_run(totals: dict[int, Decimal], lines: dict[int, Decimal], year: int) -> int:
    """How many years running, ending with ``year``, the member was below the line (0 if not in
    ``year``). Years without a total (not on record) break the run."""
    run = 0
    while year in totals and totals[year] < lines[year]:
        run += 1
        year -= 1
    return run


# ---- stars (评星定级) ---------------------------------------------------------------------------

GRANT, KEEP, REMOVE, NONE = "grant", "keep", "remove", "none"


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_months(quarter: date) -> list[date]:
    return [date(quarter.year, quarter.month + k, 1) for k in range(3)]


def star_proposal(points: Decimal, threshold: Decimal, held: bool) -> str:
    """What the platform proposes for one star: the quarter's points of its category reach the
    threshold → grant (or keep, if held); below it → remove (if held) or nothing."""
    earned = points >= threshold
    if earned:
        return KEEP if held else GRANT
    return REMOVE if held else NONE


def follow_up_kind(stars: int, talk_at_or_below: int, warning_at_or_below: int) -> str | None:
    """Three stars or fewer → a talk; fewer still (default: one or none) → a formal warning."""
    if stars <= warning_at_or_below:
        return "warning"
    if stars <= talk_at_or_below:
        return "talk"
    return None


# ---- weak organizations -------------------------------------------------------------------------

DESIGNATED, RECTIFYING, APPLIED, ACCEPTED, EXTENDED = "designated", "rectifying", "applied", "accepted", "extended"

# (from, to) → who may make the move: "manager" (the organization's own managers and those above)
# or "county" (the county organization department: acceptance and extension are its decisions).
MOVES = {
    (DESIGNATED, RECTIFYING): "manager",
    (RECTIFYING, APPLIED): "manager",
    (EXTENDED, APPLIED): "manager",
    (APPLIED, ACCEPTED): "county",
    (APPLIED, RECTIFYING): "county",  # returned: not yet up to standard
    (RECTIFYING, EXTENDED): "county",
    (APPLIED, EXTENDED): "county",
}


def proposal_size(branches: int, share_percent: int) -> int:
    """How many branches to propose as weak: the share rounded up (10% of 25 → 3), at least one
    when there are any."""
    if branches <= 0 or share_percent <= 0:
        return 0
    return max(1, -(-branches * share_percent // 100))


# ---- secretaries' appraisal (书记抓基层党建述职评议考核) --------------------------------------
# The four grades of the appraisal (中共中央办公厅《关于进一步加强基层党组织书记抓基层党建工作
# 述职评议考核的意见》: 好、较好、一般、差). How votes make a grade is county practice [C]; the
# defaults are on AppraisalRound and the rule is `appraisal_grade` below.

GRADES = ("good", "fair", "average", "poor")
GRADE_LABELS = {"good": "好", "fair": "较好", "average": "一般", "poor": "差"}


@dataclass(frozen=True)
class Tally:
    counts: dict  # grade → votes (online and paper together)
    total: int
    satisfaction: Decimal | None  # (好 + 较好) ÷ total × 100, one decimal
    grade: str  # a key of GRADES, or "" without votes


def appraisal_grade(counts: dict, *, good_at_least: int, fair_at_least: int, poor_over: int) -> str:
    """The overall grade from the votes (county practice [C]), checked in this order:
    差 when 差 votes are more than `poor_over`% of the votes; 好 when 好 votes are at least
    `good_at_least`%; 较好 when 好 + 较好 are at least `fair_at_least`%; else 一般. No votes, no grade.
    Compared in integers (votes × 100 against share × total), so no rounding decides a boundary."""
    total = sum(counts.get(g, 0) for g in GRADES)
    if not total:
        return ""
    if counts.get("poor", 0) * 100 > poor_over * total:
        return "poor"
    if counts.get("good", 0) * 100 >= good_at_least * total:
        return "good"
    if (counts.get("good", 0) + counts.get("fair", 0)) * 100 >= fair_at_least * total:
        return "fair"
    return "average"


def appraisal_tally(counts: dict, *, good_at_least: int, fair_at_least: int, poor_over: int) -> Tally:
    counts = {g: int(counts.get(g, 0) or 0) for g in GRADES}
    total = sum(counts.values())
    satisfaction = None
    if total:
        satisfaction = (Decimal(counts["good"] + counts["fair"]) * 100 / total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    grade = appraisal_grade(counts, good_at_least=good_at_least, fair_at_least=fair_at_least, poor_over=poor_over)
    return Tally(counts, total, satisfaction, grade)
