"""Party dues (党费) rules: pure functions, no database.

Statute: 《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）.

- 第二条: members on a monthly salary pay, on their monthly salary income after tax, 0.5% up to
  and including 3,000 yuan; 1% over 3,000 up to and including 5,000; 1.5% over 5,000 up to and
  including 10,000; 2% over 10,000. The text reads "交纳月工资收入的0.5%" and so on: the rate
  of the bracket applies to the WHOLE monthly income, not progressively by slices (6,500 yuan
  pays 6,500 × 1.5% = 97.50 yuan, not 3,000 × 0.5% + 2,000 × 1% + 1,500 × 1.5%). So there is
  a step at each boundary: 3,000.00 pays 15.00 and 3,000.01 pays 30.00.
- Retired members (离退休干部、职工) pay on their pension: up to and including 5,000 yuan 0.5%,
  over 5,000 yuan 1% (again on the whole pension).
- Farmers (农民党员) pay 0.2 to 1 yuan a month, the standard being set locally; students,
  unemployed members, members living on relief (抚恤、救济) or on the minimum living allowance
  (最低生活保障金) pay 0.2 yuan a month.
- Members without a monthly salary (flexible employment, 个体经营等) pay on their average
  monthly income on the employed scale; Jiceng uses the previous year's average, as the
  county's rules say (the 2008 text says "上季度月平均纯收入"; see docs/dues.md).
- 第十二条: members pay monthly; in special circumstances, with the branch's consent, once a
  quarter; back payment (补交) generally not beyond 6 months.
- 第十三条 and 《中国共产党章程》第九条: six consecutive months without paying dues and
  without proper reason → regarded as having left the party (自行脱党). The platform lists,
  never decides.

Money is `Decimal` in yuan with 2 places, rounded half-up to the fen (0.005 → 0.01), the way
a cashier rounds; the rate is applied to the exact income first and rounded once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

STATUTE = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
FEN = Decimal("0.01")
ZERO = Decimal("0.00")

EMPLOYED = "employed"
RETIRED = "retired"
FARMER = "farmer"
STUDENT = "student"
UNEMPLOYED = "unemployed"
RELIEF = "relief"
OTHER = "other"

CATEGORY_LABELS = {
    EMPLOYED: "在职（按月领取工资）",
    RETIRED: "离退休",
    FARMER: "农民",
    STUDENT: "学生",
    UNEMPLOYED: "下岗失业",
    RELIEF: "依靠抚恤、救济或领取最低生活保障金",
    OTHER: "其他（灵活就业等，按上年月平均收入）",
}
CATEGORIES = tuple(CATEGORY_LABELS)
INCOME_CATEGORIES = (EMPLOYED, RETIRED, OTHER)

# (upper bound inclusive, rate); None = no upper bound.
EMPLOYED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)
FIXED_AMOUNT = Decimal("0.20")
FIXED_CATEGORIES = (STUDENT, UNEMPLOYED, RELIEF)
FARMER_MIN = Decimal("0.20")
FARMER_MAX = Decimal("1.00")
DEFAULT_FARMER_AMOUNT = Decimal("0.50")  # [C] county default, editable within the range
# Typo guards, not rules: a monthly income up to ten million yuan, one month's payment (a
# voluntary extra, 自愿多交, included) up to one million yuan.
MAX_INCOME = Decimal("10000000")
MAX_PAYMENT = Decimal("1000000")
MAX_MONEY_TEXT = 1000  # characters of a typed amount; longer text is not a number
# Years the ledger may hold: the regulation took effect in 2008; LAST_YEAR only keeps dates
# and month arithmetic away from datetime's limits.
FIRST_YEAR = 2008
LAST_YEAR = 2100
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
BACKPAY_MONTHS = 6  # 第十二条：补交党费的时间一般不得超过6个月


class DuesRuleError(ValueError):
    """Input that the statute does not allow, with a message for the user (in Chinese)."""

    def __init__(self, message: str, field: str = "", code: str = ""):
        super().__init__(message)
        self.field = field
        self.code = code  # "too_large" for an amount over its bound


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _money_text(raw: str) -> str:
    """The number in a money text as Decimal reads it: full-width characters folded (NFKC:
    ３，０００ → 3,000), spaces dropped, a leading ¥ and a trailing 元 removed, and thousands
    commas checked and removed ("1,5" is refused rather than read as 15)."""
    text = "".join(unicodedata.normalize("NFKC", raw).split())
    text = text.removeprefix("¥").removesuffix("元")
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValueError("thousands")
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ValueError("not a number")
    return text


def parse_money(raw, field: str = "income", label: str = "月收入", *, maximum: Decimal = MAX_INCOME) -> Decimal:
    """An amount in yuan from 0 to `maximum` with at most two decimals, from a number or a
    text such as "3000", "3,000.50", "¥3000", "3000元" or full-width "３０００". Anything else
    raises DuesRuleError with a message in Chinese (never another exception), so pages, the
    API and the import answer with the message, not a server error."""
    not_a_number = DuesRuleError(f"{label}应为数字，如 3000 或 3000.50", field)
    if isinstance(raw, bool):
        raise not_a_number
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int | float):
        value = Decimal(raw) if isinstance(raw, int) else Decimal(repr(raw))
    else:
        raw = str(raw or "")
        if not raw.strip():
            raise DuesRuleError(f"请填写{label}（元）", field)
        if len(raw) > MAX_MONEY_TEXT:
            raise not_a_number
        try:
            value = Decimal(_money_text(raw))
        except ValueError as exc:  # InvalidOperation is a ValueError too (huge exponents)
            if str(exc) == "thousands":
                raise DuesRuleError(f"{label}的千分位逗号位置不对，应如 3,000.50", field) from None
            raise not_a_number from None
    if not value.is_finite():
        raise not_a_number
    # Bounds before any arithmetic: quantizing 1e30 to the fen overflows the decimal context.
    if value < 0:
        raise DuesRuleError(f"{label}不能为负数", field)
    if value > maximum:
        raise DuesRuleError(f"{label}不能超过{maximum:,.0f}元，请核对是否多输了位数", field, "too_large")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise DuesRuleError(f"{label}最多保留两位小数（精确到分）", field)
    return value.quantize(FEN) if value else ZERO  # "-0" reads as 0.00


def _bracket_rate(brackets, income: Decimal) -> Decimal:
    for upper, rate in brackets:
        if upper is None or income <= upper:
            return rate
    raise AssertionError("brackets end with an open bracket")


def rate_for(category: str, income: Decimal) -> Decimal:
    """The statute rate for an income-based category (the whole income is charged at it)."""
    if category in (EMPLOYED, OTHER):
        return _bracket_rate(EMPLOYED_BRACKETS, income)
    if category == RETIRED:
        return _bracket_rate(RETIRED_BRACKETS, income)
    raise DuesRuleError(f"“{CATEGORY_LABELS.get(category, category)}”不按收入比例交纳", "category")


def rate_display(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return f"{(rate * 100).normalize():f}%"


@dataclass(frozen=True)
class DuesAmount:
    category: str
    monthly_amount: Decimal
    income: Decimal | None = None
    rate: Decimal | None = None
    allowed_min: Decimal | None = None  # farmers: the range the amount may be chosen in
    allowed_max: Decimal | None = None
    basis: str = ""  # the rule applied, in Chinese, for the page and the API

    @property
    def rate_display(self) -> str:
        return rate_display(self.rate)


def _bracket_text(brackets, rate: Decimal) -> str:
    lower = None
    for upper, r in brackets:
        if r == rate:
            if lower is None:
                return f"{upper:,.0f}元以下（含{upper:,.0f}元）"
            if upper is None:
                return f"{lower:,.0f}元以上"
            return f"{lower:,.0f}元以上至{upper:,.0f}元（含{upper:,.0f}元）"
        lower = upper
    return ""


def _fold(text: str) -> str:
    """Full-width letters and brackets folded (NFKC), spaces dropped, letters in lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


# Chinese names a secretary may write instead of the code (the calculator, the API). "党员" at
# the end is dropped first ("退休党员" → 退休). Relief (抚恤、救济、低保) is a category a person
# sets; these names only read what was written.
CATEGORY_ALIASES = {
    _fold(name): code
    for name, code in [
        *((label, code) for code, label in CATEGORY_LABELS.items()),
        ("在职", EMPLOYED),
        ("在岗", EMPLOYED),
        ("离休", RETIRED),
        ("退休", RETIRED),
        ("离退休", RETIRED),
        ("农民", FARMER),
        ("学生", STUDENT),
        ("下岗", UNEMPLOYED),
        ("失业", UNEMPLOYED),
        ("下岗失业", UNEMPLOYED),
        ("低保", RELIEF),
        ("救济", RELIEF),
        ("抚恤", RELIEF),
        ("生活困难", RELIEF),
        ("最低生活保障", RELIEF),
        ("其他", OTHER),
        ("其它", OTHER),
        ("灵活就业", OTHER),
    ]
}


def normalize_category(raw) -> str:
    """A category code from the code itself in any case, or from its Chinese name or a usual
    synonym (在职, 离休/退休, 下岗/失业, 低保/救济/生活困难, …); anything else is returned folded,
    for the caller to refuse."""
    text = _fold(str(raw or ""))
    if text in CATEGORY_LABELS:
        return text
    return CATEGORY_ALIASES.get(text) or CATEGORY_ALIASES.get(text.removesuffix("党员"), text)


def unknown_category_message(raw) -> str:
    return (
        f"未知的党员类别“{str(raw or '').strip()[:20]}”，可选："
        + "、".join(f"{k}（{v}）" for k, v in CATEGORY_LABELS.items())
        + "；也可填写中文名称，如 在职、退休、农民、学生、失业、低保、其他"
    )


def monthly_dues(
    category: str,
    income=None,
    *,
    farmer_amount=None,
    farmer_default: Decimal = DEFAULT_FARMER_AMOUNT,
) -> DuesAmount:
    """The monthly dues of one member; raises DuesRuleError (with the field) on bad input."""
    code = normalize_category(category)
    if code not in CATEGORY_LABELS:
        raise DuesRuleError(unknown_category_message(category), "category")
    category = code
    if category in INCOME_CATEGORIES:
        if income is None or (isinstance(income, str) and not income.strip()):
            raise DuesRuleError("该类别按月收入比例交纳，请填写月收入（税后，元）", "income")
        value = parse_money(income)
        if value <= 0:
            raise DuesRuleError("月收入须大于0；确无收入的，请按“下岗失业”或“依靠救济”类别核定", "income")
        rate = rate_for(category, value)
        amount = round_fen(value * rate)
        if amount <= 0:
            raise DuesRuleError("按比例计算不足1分，请核对月收入；交纳确有困难的，可经批准少交或免交", "income")
        brackets = RETIRED_BRACKETS if category == RETIRED else EMPLOYED_BRACKETS
        base_word = {EMPLOYED: "月工资收入（税后）", RETIRED: "月离退休费（养老金）", OTHER: "上年月平均收入"}[category]
        basis = (
            f"{STATUTE}：{base_word}{_bracket_text(brackets, rate)}按{rate_display(rate)}交纳，"
            f"比例适用于全部收入（非超额累进）：{value:,.2f} × {rate_display(rate)} = {amount:,.2f}元"
            "（四舍五入到分）"
        )
        return DuesAmount(category, amount, income=value, rate=rate, basis=basis)
    if category == FARMER:
        out_of_range = f"农民党员每月交纳党费{FARMER_MIN}元至{FARMER_MAX}元（{STATUTE}）"
        if farmer_amount in (None, ""):
            amount = round_fen(Decimal(farmer_default))
        else:
            try:
                amount = parse_money(farmer_amount, "amount", "月交纳额", maximum=MAX_PAYMENT)
            except DuesRuleError as exc:
                if exc.code == "too_large":
                    raise DuesRuleError(f"{out_of_range}，请核对", "amount") from None
                raise
        if not FARMER_MIN <= amount <= FARMER_MAX:
            raise DuesRuleError(f"{out_of_range}，{amount}元不在此范围内", "amount")
        basis = f"{STATUTE}：农民党员每月交纳0.2元至1元；本县默认{round_fen(farmer_default)}元，可在此范围内按人核定"
        return DuesAmount(category, amount, allowed_min=FARMER_MIN, allowed_max=FARMER_MAX, basis=basis)
    basis = f"{STATUTE}：学生党员、下岗失业的党员、依靠抚恤或救济生活的党员、领取最低生活保障金的党员每月交纳0.2元"
    return DuesAmount(category, FIXED_AMOUNT, basis=basis)


def default_category(occupation: str) -> str:
    """A starting point only: the secretary sets the category; relief is never guessed."""
    return {"retired": RETIRED, "farmer": FARMER, "student": STUDENT, "unemployed": UNEMPLOYED}.get(
        occupation or "", EMPLOYED
    )


# ---------------------------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Months from `first` to `last` counting both ends (0 when last is before first)."""
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    return max(n, 0)


def month_range(first: date, last: date) -> list[date]:
    return [add_months(month_start(first), i) for i in range(months_between(first, last))]


def quarter_end(day: date) -> date:
    """First day of the last month of the quarter containing `day`."""
    return date(day.year, (day.month - 1) // 3 * 3 + 3, 1)


def parse_month(raw) -> date:
    """2026-11, 2026/11, 2026年11月, 202611 or a date → the first day of that month, for a year
    from FIRST_YEAR to LAST_YEAR; ValueError with a message in Chinese otherwise."""
    if isinstance(raw, date):
        month = month_start(raw)
    else:
        text = str(raw or "").strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "")
        text = text.rstrip("-")
        if len(text) == 6 and text.isdigit():
            text = f"{text[:4]}-{text[4:]}"
        parts = text.split("-")
        try:
            if len(parts) == 3:  # a full date: its month
                month = date(int(parts[0]), int(parts[1]), int(parts[2])).replace(day=1)
            else:
                year, month_no = (int(p) for p in parts)
                month = date(year, month_no, 1)
        except (ValueError, TypeError, OverflowError):
            raise ValueError("月份格式应为 2026-11") from None
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise ValueError(f"月份应在{FIRST_YEAR}年至{LAST_YEAR}年之间（现行党费规定自{FIRST_YEAR}年施行）")
    return month


def year_error(year, today: date) -> str:
    """Why `year` is not a year of the ledger that can be asked about (empty when it is):
    from FIRST_YEAR, when the regulation took effect, to next year."""
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year + 1:
        return f"年度应为{FIRST_YEAR}年至{today.year + 1}年之间的整数"
    return ""


def year_or_default(raw, today: date) -> int:
    """A year from a page's query string, or this year when it is missing or out of range."""
    text = str(raw or "").strip()
    year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None
    return today.year if year is None or year_error(year, today) else year


MAX_MONTHS_AT_ONCE = 12


def span_error(first: date, last: date) -> str:
    """Why months `first` to `last` cannot be recorded as one payment (empty when they can)."""
    if last < first:
        return "截止月份不能早于起始月份"
    if months_between(first, last) > MAX_MONTHS_AT_ONCE:
        return f"一次最多登记{MAX_MONTHS_AT_ONCE}个月"
    return ""


def dues_start(join_date: date | None, ledger_start: date) -> date:
    """First month a member owes dues in the ledger.

    A probationary member pays from the day the branch meeting admitted them (the join date),
    so the join month is due; months before the county's ledger start are not on record.
    """
    if join_date is None:
        return ledger_start
    return max(month_start(join_date), ledger_start)


def months_missed(*, last_covered: date | None, start: date, today: date) -> int:
    """Whole months in a row without dues up to the end of last month (the current month is
    never counted), from `start` on; `last_covered` is the latest month up to last month that
    was paid (or exempt)."""
    last_month = add_months(month_start(today), -1)
    first_open = start if last_covered is None else max(start, add_months(last_covered, 1))
    return months_between(first_open, last_month)


def payment_month_errors(
    months: list[date],
    *,
    paid_on: date,
    join_date: date | None,
    consent_months: set[date],
    has_note: bool,
) -> list[str]:
    """Why these months may not be paid on `paid_on` (empty when they may).

    `consent_months`: months covered by a branch consent to quarterly payment decided on or
    before `paid_on`.
    """
    errors = []
    paid_month = month_start(paid_on)
    limit = quarter_end(paid_on)
    for month in months:
        label = f"{month.year}年{month.month}月"
        if join_date is not None and month < month_start(join_date):
            errors.append(f"{label}早于入党日期（{join_date:%Y-%m-%d}），预备党员自支部大会通过之日起交纳党费")
        elif month > paid_month:
            if month not in consent_months:
                errors.append(
                    f"预交{label}党费须经党支部同意按季度交纳（{STATUTE}第十二条），该党员没有覆盖该月的支部同意记录"
                )
            elif month > limit:
                errors.append(
                    f"经支部同意按季度交纳的，最多预交至本季度末（{limit.year}年{limit.month}月），{label}尚不能预交"
                )
        elif months_between(month, paid_month) - 1 > BACKPAY_MONTHS and not has_note:
            errors.append(f"补交{label}党费已超过6个月（{STATUTE}第十二条：补交一般不得超过6个月），请在备注中说明原因")
    return errors


def amount_error(amount: Decimal, due: Decimal, *, has_note: bool) -> str:
    """Amounts must be the full dues; more is allowed with a note (自愿多交), less never."""
    if amount < due:
        return (
            f"应足额交纳{due}元（{STATUTE}）；交纳确有困难的，经党支部研究、上一级党委批准后在年度基数中登记少交或免交"
        )
    if amount > due and not has_note:
        return f"实交{amount}元多于应交{due}元，请在备注中注明原因（如：自愿多交）"
    return ""


def rate_percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """Completion rate in percent with one decimal; None when nothing is due."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
