"""Citizen ID numbers (公民身份号码) per GB 11643-1999: validation, masking, encryption at rest.

Pure validation lives here; encryption uses a Fernet key derived from settings.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"


class IdNumberError(ValueError):
    """Raised with a Chinese message naming what is wrong."""


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: date
    gender: str  # "male" / "female"


def check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CODES[total % 11]


def normalize(raw: str) -> str:
    return (raw or "").strip().upper().replace(" ", "")


def parse(raw: str, today: date | None = None) -> IdNumberInfo:
    """Validate an 18-character ID number and return birth date and gender."""
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError("公民身份号码应为18位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("公民身份号码前17位应为数字，末位为数字或X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError("公民身份号码中的出生日期无效") from exc
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        raise IdNumberError("公民身份号码中的出生日期不合理")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"公民身份号码校验位错误（应为 {expected}）")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumberInfo(number=number, birth_date=birth, gender=gender)


def make(area: str, birth: date, sequence: int, gender: str) -> str:
    """Build a valid number (demo data and tests). sequence 0..99, the gender digit is added."""
    seq = f"{sequence % 100:02d}"
    gender_digit = (sequence // 100 * 2 + (1 if gender == "male" else 0)) % 10
    if (gender_digit % 2 == 1) != (gender == "male"):
        gender_digit = (gender_digit + 1) % 10
    first17 = f"{area}{birth:%Y%m%d}{seq}{gender_digit}"
    return first17 + check_digit(first17)


def mask(number: str) -> str:
    """`4201**********1234`: first 4 and last 4 characters visible."""
    number = normalize(number)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _key_material() -> bytes:
    secret = settings.ID_NUMBER_KEY or settings.SECRET_KEY
    return hashlib.sha256(("jiceng-id-number:" + secret).encode()).digest()


def _fernet():
    return _fernet_for(_key_material())


@functools.lru_cache(maxsize=4)
def _fernet_for(key: bytes):
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(number: str) -> str:
    return _fernet().encrypt(normalize(number).encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def digest(number: str) -> str:
    """Keyed hash used for uniqueness and exact lookup without storing the number in clear."""
    return hmac.new(_key_material(), normalize(number).encode(), hashlib.sha256).hexdigest()
