"""Pure rules of the village cadres (no database): grades from points, the streak of equal
grades, the quarter arithmetic, the pay formula and the village's own rules of a cadre record.

County practice [C] (domain spec §4 "Village cadres"): the quarterly assessment by the township,
"excellent three quarters running → recommended for commendation; incompetent three quarters
running → replaced by procedure"; pay "70% basic, paid monthly; 30% performance, paid quarterly
by points; the secretary's post pay 10% higher; the basis twice the previous year's rural
per-capita income". The grade bands (90 / 75 / 60) are Jiceng's defaults, stored in the scheme.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
BASIC_SHARE = Decimal("0.70")
PERFORMANCE_SHARE = Decimal("0.30")
EXCELLENT, COMPETENT, BASIC, INCOMPETENT = "excellent", "competent", "basic", "incompetent"


# ---- quarters ---------------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(year: int, quarter: int) -> date:
    return month_end(year, 3 * quarter)


def quarter_index(year: int, quarter: int) -> int:
    """Consecutive quarters have consecutive indexes (2026 Q4 → 2027 Q1 is one step)."""
    return year * 4 + quarter - 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"


def parse_quarter(text: str) -> tuple[int, int] | None:
    """「2026-Q3」 (also 「2026q3」) → (2026, 3); anything else → None."""
    text = (text or "").strip().upper()
    if len(text) != 7 or text[4:6] != "-Q" or not text[:4].isdigit() or text[6] not in "1234":
        return None
    return int(text[:4]), int(text[6])


def quarter_is_over(year: int, quarter: int, today: date) -> bool:
    return quarter_index(year, quarter) < quarter_index(*quarter_of(today))


# ---- grades and streaks -----------------------------------------------------------------------------


def grade(total: Decimal, excellent_from: Decimal, competent_from: Decimal, basic_from: Decimal) -> str:
    """Excellent at ``excellent_from`` or more, competent at ``competent_from`` or more, basically
    competent at ``basic_from`` or more, incompetent below (each bound included)."""
    if total >= excellent_from:
        return EXCELLENT
    if total >= competent_from:
        return COMPETENT
    if total >= basic_from:
        return BASIC
    return INCOMPETENT


def run_length(grades: dict[tuple[int, int], str], year: int, quarter: int, wanted: str) -> int:
    """How many quarters running, ending with (year, quarter), the grade was ``wanted``. A quarter
    without a result (not assessed) breaks the run like another grade."""
    n = 0
    index = quarter_index(year, quarter)
    by_index = {quarter_index(y, q): g for (y, q), g in grades.items()}
    while by_index.get(index - n) == wanted:
        n += 1
    return n


def streak_reached(grades: dict[tuple[int, int], str], year: int, quarter: int, wanted: str, length: int = 3) -> bool:
    """True exactly when (year, quarter) is the ``length``-th quarter running of ``wanted``: one task
    per run (a fourth excellent quarter in a row raises nothing new; a run broken and started again
    raises a new one when it reaches ``length`` again)."""
    return run_length(grades, year, quarter, wanted) == length


def streak_quarters(year: int, quarter: int, length: int) -> list[tuple[int, int]]:
    index = quarter_index(year, quarter)
    return [divmod(i, 4) for i in range(index - length + 1, index + 1)]


def quarters_text(year: int, quarter: int, length: int) -> str:
    return "、".join(quarter_label(y, q + 1) for y, q in streak_quarters(year, quarter, length))


# ---- pay ----------------------------------------------------------------------------------------------


def fen(amount: Decimal) -> Decimal:
    """Rounded to the fen, half up (0.005 → 0.01)."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Pay:
    income: Decimal  # the previous year's rural disposable income per person
    coefficient: Decimal
    annual_basis: Decimal  # 2 × income × coefficient (not rounded: never paid as such)
    monthly_basic: Decimal  # basis × 70% ÷ 12, to the fen
    months: int  # months of the quarter in post
    quarter_basic: Decimal  # monthly_basic × months
    points: Decimal | None  # assessment points of the quarter (None: not assessed)
    performance: Decimal  # basis × 30% ÷ 4 × points ÷ 100, to the fen (0 when not assessed)
    total: Decimal

    @property
    def explanation(self) -> str:
        points = "未考核，绩效报酬暂计 0" if self.points is None else f"考核 {self.points} 分"
        return (
            f"基数 = 2 × {self.income} × {self.coefficient} = {self.annual_basis.normalize():f} 元/年；"
            f"基本报酬 = 基数 × 70% ÷ 12 = {self.monthly_basic} 元/月 × {self.months} 个月 = {self.quarter_basic}；"
            f"绩效报酬 = 基数 × 30% ÷ 4 × 得分 ÷ 100（{points}）= {self.performance}"
        )


def pay(income: Decimal, coefficient: Decimal, months: int, points: Decimal | None) -> Pay:
    """The pay of one cadre for one quarter. Each paid amount (the monthly basic pay and the
    quarterly performance pay) is rounded to the fen half up; the quarter's basic pay is the
    rounded monthly amount times the months in post, and the total is the sum of rounded amounts."""
    basis = 2 * Decimal(income) * Decimal(coefficient)
    monthly = fen(basis * BASIC_SHARE / 12)
    quarter_basic = monthly * months
    performance = Decimal("0.00") if points is None else fen(basis * PERFORMANCE_SHARE / 4 * Decimal(points) / 100)
    return Pay(
        income=Decimal(income),
        coefficient=Decimal(coefficient),
        annual_basis=basis,
        monthly_basic=monthly,
        months=months,
        quarter_basic=quarter_basic,
        points=points,
        performance=performance,
        total=quarter_basic + performance,
    )


def months_in_post(starts_on: date, left_on: date | None, year: int, quarter: int) -> int:
    """Months of the quarter in which the cadre held the post on at least one day."""
    n = 0
    for month in range(3 * quarter - 2, 3 * quarter + 1):
        first = date(year, month, 1)
        if starts_on <= month_end(year, month) and (left_on is None or left_on >= first):
            n += 1
    return n


# ---- the record ---------------------------------------------------------------------------------------


def term_error(starts_on: date | None, ends_on: date | None, today: date) -> str | None:
    if starts_on is None:
        return "请填写任职（届期）开始日期"
    if starts_on > today:
        return "任职开始日期不能晚于今天"
    if ends_on is not None and ends_on <= starts_on:
        return "届期结束日期应晚于开始日期"
    return None
