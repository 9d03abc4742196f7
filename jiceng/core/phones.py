"""Residents' and members' phone numbers: one normalization and one check for every app.

By pattern only (no carrier lookup): a mainland mobile is 1[3-9] + 9 digits; a landline is 0,
an area code of 2–3 more digits and a 7–8 digit number. Spaces, dashes, brackets and a leading
+86 are dropped before the check. Masking is in ``jiceng.core.masking``.
"""

from __future__ import annotations

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")

PHONE_FORMAT_ERROR = "电话号码格式不对：请填写 11 位手机号，或带区号的固定电话（如 0731-12345678）"
PHONE_MISSING_ERROR = "请填写联系电话"
MOBILE_FORMAT_ERROR = "手机号码应为11位数字"


def normalize_phone(raw: str) -> str:
    """「0731-1234 5678」→「073112345678」, 「+86 138 1234 5678」→「13812345678」."""
    return re.sub(r"[\s\-()（）]", "", raw or "").replace("+86", "", 1)


def phone_error(raw: str, *, required: bool = False) -> str | None:
    """The reason a contact phone (mobile or landline) is refused, or None when it is fine."""
    phone = normalize_phone(raw)
    if not phone:
        return PHONE_MISSING_ERROR if required else None
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return None
    return PHONE_FORMAT_ERROR


def mobile_error(raw: str) -> str | None:
    """A member's own mobile number (party member records): 11 ASCII digits starting with 1,
    typed without separators; empty is allowed. The reason it is refused, or None."""
    value = (raw or "").strip()
    if value and not (len(value) == 11 and value.isascii() and value.isdigit() and value.startswith("1")):
        return MOBILE_FORMAT_ERROR
    return None
