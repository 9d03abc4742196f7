"""Masking residents' details in text that goes public (the request board, Open311, the wish
pool and wall). One function for every app: `mask_text`.

How numbers are read
--------------------
Every character is one of:

* a **digit**: ASCII 0–9, full-width ０–９, or a Chinese numeral as people read out numbers:
  〇 零 一 二 三 四 五 六 七 八 九, 幺 (1), and the capital forms 壹 贰 叁 肆 伍 陆 柒 捌 玖.
  (十, 百, 千, 万 and 两 are not digits: 「十一月」「两千元」 are words, not numbers read out.)
* the **check character** X/x (also full-width) of an ID number, when it ends a digit group
  and no Latin letter follows it;
* a **separator**: any whitespace (ideographic space, tabs, line breaks, several in a row),
  any dash (-, ‐, ‑, ‒, –, —, ―, －, ﹣, −, …), underscores (_ ＿), slashes (/ ／ \\), dots
  (. ． · ・ •), brackets ( ) （ ） [ ] 【 】, and invisible format characters (zero-width
  space, soft hyphen);
* anything else, which ends a number (Chinese text, letters, ，、：:，%, 元, 号, …).

Digits form **groups**: a group is a run of digits of one kind (Arabic or Chinese), so
「周一13812345678」 is the groups 一 and 13812345678. Groups joined only by separators (any
number of them) form a **chain**. Within a chain, from the left, the longest run of
consecutive whole groups that spells one of these is masked (on a tie, the first listed):

1. **ID numbers**: 17 digits + a digit or X whose birth date (digits 7–14) is a real date in
   1900–2099, or that ends in X; and old 15-digit numbers (first digit 1–8, digits 7–12 a real
   YYMMDD). Shown as `1101**********4514` (first 4 and last 4), like `id_number_masked`.
2. **Mobiles**: 1[3-9] + 9 digits, optionally after 86 or 0086 (a group 86 / 0086 on its own
   stays as typed: `+86 138****5678`). Shown as `138****5678`.
3. **Bank-card-like runs**: 16–19 digits not starting with 0, none of whose groups is part of
   a date (2026 05 01 or 20260501), so 「2026-05-01 12345678」 is a date and a number. Shown as
   stars and the last 4 digits: `***************0123`.
4. **Landlines with their area code**: 0[1-9] + 8–10 more digits, the area code typed as one
   group (`0731 1234 5678`, `(0731)12345678`, `010-1234-5678`). Shown as `073****5678`.

Groups that make two or more dates in a row (a date range, 「2026-05-01—2026-05-31 12:00」)
are never part of a number. A masked run is written in ASCII digits without its inner
separators; an opening bracket before the chain goes with it. Everything else stays as typed.
Because the longest run wins, numbers glued to a phone number by separators alone may be masked
with it (「13812345678 12345」 becomes one card-like run): the mask errs on the side of hiding.

Left alone on purpose
---------------------
* Numbers too short to identify anyone and the usual numbers of a request: dates
  (2026-05-01, 2026/5/1, 20260501, 2026年5月1日), date ranges, times, amounts (1,380.50 元),
  room numbers (3-2-501), postcodes, years.
* A run of digits glued to more digits of the same kind (an order or express number such as
  513812345678) is one group and is not split to find a phone number inside it; glued runs of
  16–19 digits are still masked as cards, and of 15 or 18 as ID numbers.
* Local phone numbers without an area code (8812345): they cannot be told from amounts and
  dates.
* A landline whose area code is itself split (0 731 …), a card or an ID number whose groups
  read as a year-month-day date (a card) or as two dates in a row (an ID number): typed that
  way only by someone trying to get round the mask.
* A Chinese-numeral number glued to a Chinese numeral in front of it (星期一一三八…) is one
  longer group, like an order number.

`mask_text` also masks the resident's own name and phone number (as stored) wherever they
appear. The masked forms are not read as numbers again: masking published text a second
time leaves it as it is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

_ARABIC = {c: str(i) for i, c in enumerate("0123456789")} | {c: str(i) for i, c in enumerate("０１２３４５６７８９")}
_CHINESE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {
    "零": "0",
    "幺": "1",
    **{c: str(i) for i, c in enumerate("壹贰叁肆伍陆柒捌玖", start=1)},
}
CHECK_CHARACTERS = "XxＸｘ"
_SEPARATOR_CHARACTERS = set("_＿/／\\＼∕⁄.．·・•‧∙()（）[]［］【】〔〕−﹒")
_SEPARATOR_CATEGORIES = {"Pd", "Pc", "Cf", "Zs", "Zl", "Zp"}
_OPEN_BRACKETS = "(（[［【〔"
LONGEST = 19  # a 19-digit bank card


def digit_value(ch: str) -> str | None:
    """The ASCII digit `ch` stands for (Arabic, full-width or Chinese numeral), else None."""
    return _ARABIC.get(ch) or _CHINESE.get(ch)


def is_separator(ch: str) -> bool:
    """True for a character that digit groups are read through (spaces, dashes, …)."""
    return ch.isspace() or ch in _SEPARATOR_CHARACTERS or unicodedata.category(ch) in _SEPARATOR_CATEGORIES


def _script(ch: str) -> str:
    return "a" if ch in _ARABIC else "c"


@dataclass
class _Group:
    start: int
    end: int
    digits: str  # ASCII digits
    x_end: int | None = None  # the end of an X after the digits (an ID number's check character)


def _letter_at(text: str, i: int) -> bool:
    return i < len(text) and text[i].isascii() and text[i].isalpha()


def _chains(text: str):
    """Yield the chains of digit groups in `text`, each a list of `_Group`."""
    n, i, chain = len(text), 0, []
    while i < n:
        if digit_value(text[i]) is None:
            i += 1
            continue
        # One group: digits of one script, maybe the X of an ID number at its end.
        start, script, digits = i, _script(text[i]), []
        while i < n and digit_value(text[i]) is not None and _script(text[i]) == script:
            digits.append(digit_value(text[i]))
            i += 1
        group = _Group(start, i, "".join(digits))
        chain.append(group)
        j = i
        while j < n and is_separator(text[j]):
            j += 1
        if j < n and digit_value(text[j]) is not None:
            i = j  # the chain goes on (j == i: digits of the other script, glued)
            continue
        if j < n and text[j] in CHECK_CHARACTERS and not _letter_at(text, j + 1):
            group.x_end = j + 1  # 「…451X」 or 「… 451 X」
        yield chain
        chain = []


# ---- what a run of digits spells ----------------------------------------------------------------


def _real_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _id_number(digits: str) -> str | None:
    if len(digits) == 18 and digits[:17].isdigit() and digits[0] != "0":
        check = digits[17]
        birth_ok = 1900 <= int(digits[6:10]) <= 2099 and _real_date(
            int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
        )
        if check == "X" or birth_ok:
            return digits[:4] + "*" * 10 + digits[-4:]
    if len(digits) == 15 and digits.isdigit() and digits[0] in "12345678":
        yy, mm, dd = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        if _real_date(1900 + yy, mm, dd) or _real_date(2000 + yy, mm, dd):
            return digits[:4] + "*" * 7 + digits[-4:]
    return None


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; shorter values are starred out entirely."""
    phone = phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ("*" * len(phone))


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and digits.isdigit()


def _mobile(digits: str) -> str | None:
    if _is_mobile(digits):
        return mask_phone(digits)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and _is_mobile(digits[len(prefix) :]):
            return prefix + mask_phone(digits[len(prefix) :])
    return None


def _card(digits: str) -> str | None:
    if 16 <= len(digits) <= 19 and digits.isdigit() and digits[0] != "0":
        return "*" * (len(digits) - 4) + digits[-4:]
    return None


def _landline(digits: str) -> str | None:
    if 10 <= len(digits) <= 12 and digits.isdigit() and digits[0] == "0" and digits[1] != "0":
        return mask_phone(digits)
    return None


def _is_date(y: str, m: str, d: str) -> bool:
    return (
        len(y) == 4
        and 1 <= len(m) <= 2
        and 1 <= len(d) <= 2
        and 1900 <= int(y) <= 2099
        and _real_date(int(y), int(m), int(d))
    )


def date_groups(groups: list[str]) -> set[int]:
    """The indexes of the groups that make a date: a year, month and day group in a row
    (2026 5 1), or one group YYYYMMDD."""
    covered: set[int] = set()
    for i in range(len(groups)):
        covered.update(range(i, i + _date_pieces(groups, i)))
    return covered


def has_date_groups(groups: list[str]) -> bool:
    return bool(date_groups(groups))


def _date_pieces(groups: list[str], i: int) -> int:
    """How many groups from `i` on make one date (3 for 2026 5 1, 1 for 20260501), else 0."""
    g = groups[i]
    if len(g) == 8 and _is_date(g[:4], g[4:6], g[6:]):
        return 1
    if i + 2 < len(groups) and len(g) == 4 and _is_date(*groups[i : i + 3]):
        return 3
    return 0


def date_range_groups(groups: list[str]) -> set[int]:
    """The indexes of groups that make two or more dates in a row (a date range such as
    2026-05-01—2026-05-31): they are never read as part of a number."""
    covered: set[int] = set()
    i = 0
    while i < len(groups):
        dates, j = [], i
        while j < len(groups) and (size := _date_pieces(groups, j)):
            dates.append(range(j, j + size))
            j += size
        if len(dates) >= 2:
            covered.update(k for piece in dates for k in piece)
            i = j
        else:
            i += 1
    return covered


_KINDS = (_id_number, _mobile, _card, _landline)  # on a tie, the first that fits


def _best_run(groups: list[_Group], taken: list[bool], i: int, dates):
    """The longest run of free groups from `i` that spells a number: (last group, end in the
    text, masked), or None."""
    found, digits = None, ""
    for j in range(i, len(groups)):
        if taken[j]:
            break
        digits += groups[j].digits
        if len(digits) > LONGEST:
            break
        ends = [(digits, groups[j].end)]
        if groups[j].x_end is not None:
            ends.insert(0, (digits + "X", groups[j].x_end))
        for spelling, end in ends:
            masked = next((m for kind in _KINDS if (m := _spell(kind, spelling, groups, i, j, dates))), None)
            if masked is not None:
                found = (j, end, masked)
                break
    return found


def _spell(kind, spelling: str, groups: list[_Group], i: int, j: int, dates) -> str | None:
    in_range, dates = dates
    if in_range.intersection(range(i, j + 1)):
        return None  # 2026-05-01—2026-05-31 12:00 is a date range and a time
    if kind is _card and dates.intersection(range(i, j + 1)):
        return None  # 2026-05-01 12345678 is a date and a number, not a card
    if kind is _landline and len(groups[i].digits) < 3:
        return None  # the area code is typed as one group
    return kind(spelling)


def _mask_chain(text: str, groups: list[_Group]) -> list[tuple[int, int, str]]:
    dates = (date_range_groups([g.digits for g in groups]), date_groups([g.digits for g in groups]))
    taken = [False] * len(groups)
    spans, i = [], 0
    while i < len(groups):
        found = None if taken[i] else _best_run(groups, taken, i, dates)
        if found and groups[i].digits in ("86", "0086") and i + 1 < len(groups):
            later = _best_run(groups, taken, i + 1, dates)
            if later and later[0] == found[0]:
                found = None  # +86 138 1234 5678: the country code stays as typed
        if found is None:
            i += 1
            continue
        j, end, masked = found
        start = groups[i].start
        if i == 0 and start > 0 and text[start - 1] in _OPEN_BRACKETS:
            start -= 1  # an opening bracket goes with the area code
        spans.append((start, end, masked))
        i = j + 1
    return spans


def mask_numbers(text: str) -> str:
    """ID numbers, phone numbers and card numbers in `text` masked (see the module's docstring)."""
    text = text or ""
    spans = []
    for groups in _chains(text):
        spans.extend(_mask_chain(text, groups))
    if not spans:
        return text
    out, done = [], 0
    for start, end, masked in sorted(spans):
        out.append(text[done:start])
        out.append(masked)
        done = end
    out.append(text[done:])
    return "".join(out)


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***; an empty name stays empty (the page chooses what to show
    instead: 「匿名」 on a request, 「群众」 on a wish)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_text(text: str, *, name: str = "", phone: str = "") -> str:
    """Text for public pages: phone numbers, ID numbers, card numbers and the resident's own
    name and phone (as stored) masked."""
    out = mask_numbers(text)
    name = (name or "").strip()
    if len(name) >= 2:
        out = out.replace(name, mask_name(name))
    if phone and len(phone) >= 7:
        out = out.replace(phone, mask_phone(phone))
    return out
