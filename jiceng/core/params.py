"""Reading values that arrive as text (query strings, POST fields, Open311 parameters).

`str.isdigit()` is True for "²" and "٣", which `int()` then refuses or reads as another
number; a 23-digit id overflows the database's 64-bit integer; a year like 9999 overflows
`date` arithmetic (the day after 9999-12-31) and year 1 the conversion to UTC. These helpers
accept only what the pages and the API can use, so that bad input is a message, never a 500.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError

INT64_MAX = 2**63 - 1
# Years a date may have anywhere in the request, wish and liaison pages and APIs.
MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_MESSAGE = f"日期超出范围：年份应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间"

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def int_or_none(value) -> int | None:
    """A non-negative integer written in ASCII digits (no sign, no spaces) that fits a 64-bit
    database column; None for anything else ("", "²", "1.5", "-1", "1e3", 20 digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= INT64_MAX else None
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= INT64_MAX else None


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def date_in_range(day: date | datetime | None) -> bool:
    return day is not None and year_in_range(day.year)


def validate_year(day: date | datetime | None) -> None:
    """Form-field validator: a date outside MIN_YEAR–MAX_YEAR is refused with a Chinese message."""
    if day is not None and not year_in_range(day.year):
        raise ValidationError(YEAR_MESSAGE, code="year_range")


def parse_date(value) -> date | None:
    """An ISO date (YYYY-MM-DD) within MIN_YEAR–MAX_YEAR, else None."""
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if year_in_range(day.year) else None


# Tab, line feed and carriage return are ordinary in typed text; every other control
# character (NUL above all: PostgreSQL text cannot hold it) is not.
_TEXT_WHITESPACE = {"\t", "\n", "\r"}


def has_control_chars(value: str, *, allow_whitespace: bool = False) -> bool:
    """Whether `value` holds a control character (Unicode category Cc: C0, DEL, C1)."""
    for char in value or "":
        if unicodedata.category(char) == "Cc" and not (allow_whitespace and char in _TEXT_WHITESPACE):
            return True
    return False
