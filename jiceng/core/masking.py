"""Masking residents' details in text that goes public (the request board, Open311, the wish
wall). One function for every app: `mask_text`.

Phone numbers are found however they are typed: 13812345678, 138-1234-5678, 138 1234 5678,
+86 138…, 0731-12345678, 0731 12345678, (0731)12345678, （0731）1234 5678, in ASCII or
full-width digits. Digits are read in groups separated by up to three spaces, dashes, dots or
brackets; any run of consecutive groups that spells a mainland mobile (1[3-9] + 9 digits,
optionally after 86 / 0086) or a landline with its area code (0 + 9–11 digits) is masked as a
whole. A run of digits glued to more digits (a longer account or order number) is not a phone
number and is left alone; 18-character ID numbers are masked first.
"""

from __future__ import annotations

import re

DIGITS = "0-9０-９"
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")
_SEPARATORS = " \u00a0\u3000\\-－‐–—.．()（）"
_OPEN_BRACKET = "(（"
# A chain of digit groups: an optional opening bracket (of an area code), then digits, then
# more digit groups each after 1–3 separators.
_CHAIN_RE = re.compile(rf"[{_OPEN_BRACKET}]?[{DIGITS}]+(?:[{_SEPARATORS}]{{1,3}}[{DIGITS}]+)*")
_GROUP_RE = re.compile(rf"[{DIGITS}]+")
ID_IN_TEXT_RE = re.compile(rf"(?<![{DIGITS}Xx])[{DIGITS}]{{17}}[{DIGITS}Xx](?![{DIGITS}Xx])")
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE_RE = re.compile(r"0[0-9]{9,11}")
LONGEST = 15  # 0086 + 11 digits


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; shorter values are starred out entirely."""
    phone = phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ("*" * len(phone))


def _mobile(digits: str) -> str | None:
    """The masked form of `digits` (ASCII) if they spell a mobile number, else None."""
    if MOBILE_RE.fullmatch(digits):
        return mask_phone(digits)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and MOBILE_RE.fullmatch(digits[len(prefix) :]):
            return prefix + mask_phone(digits[len(prefix) :])
    return None


def _landline(digits: str) -> str | None:
    return mask_phone(digits) if LANDLINE_RE.fullmatch(digits) else None


def _find_runs(groups: list[str], taken: list[bool], spell) -> list[tuple[int, int, str]]:
    """Left to right, the longest run of free consecutive groups that `spell` accepts."""
    runs, i = [], 0
    while i < len(groups):
        if taken[i] or groups[i] in ("86", "0086"):  # a country code on its own stays as typed
            i += 1
            continue
        found, digits = None, ""
        for j in range(i, len(groups)):
            if taken[j]:
                break
            digits += groups[j]
            if len(digits) > LONGEST:
                break
            masked = spell(digits)
            if masked is not None:
                found = (j, masked)
        if found is None:
            i += 1
            continue
        j, masked = found
        runs.append((i, j, masked))
        taken[i : j + 1] = [True] * (j + 1 - i)
        i = j + 1
    return runs


def _mask_chain(match: re.Match) -> str:
    chain = match.group(0)
    spans = [(m.start(), m.end()) for m in _GROUP_RE.finditer(chain)]
    groups = [chain[a:b].translate(_TO_ASCII) for a, b in spans]
    taken = [False] * len(groups)
    # Mobiles first (the more specific pattern), then landlines among the groups left.
    runs = sorted(_find_runs(groups, taken, _mobile) + _find_runs(groups, taken, _landline))
    out, done = [], 0
    for i, j, masked in runs:
        start = 0 if i == 0 else spans[i][0]  # an opening bracket goes with the area code
        out.append(chain[done:start])
        out.append(masked)
        done = spans[j][1]
    out.append(chain[done:])
    return "".join(out)


def mask_numbers(text: str) -> str:
    """ID numbers and phone numbers in `text` masked."""
    out = ID_IN_TEXT_RE.sub(lambda m: m.group(0)[:4] + "*" * 10 + m.group(0)[-4:], text or "")
    return _CHAIN_RE.sub(_mask_chain, out)


def _mask_name(name: str) -> str:
    return name[0] + "*" * max(1, len(name) - 1)


def mask_text(text: str, *, name: str = "", phone: str = "") -> str:
    """Text for public pages: phone numbers, ID numbers and the resident's own name and phone
    (as stored) masked."""
    out = mask_numbers(text)
    name = (name or "").strip()
    if len(name) >= 2:
        out = out.replace(name, _mask_name(name))
    if phone and len(phone) >= 7:
        out = out.replace(phone, mask_phone(phone))
    return out
