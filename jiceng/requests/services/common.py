"""Small pieces every step uses: the clock, the length limits and cleaning of typed text and
coordinates, and how a holder and its level are named."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from jiceng.core import params
from jiceng.orgs.models import Organization

from .. import rules
from ..models import Department

S = rules.State
DESCRIPTION_MAX = 2000
PLACE_MAX = 200
NAME_MAX = 50
NOTE_MAX = 2000


def _now() -> datetime:
    return timezone.now()


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _holder_text(org: Organization | None, department: Department | None) -> str:
    if department is not None:
        return department.name
    return org.name if org is not None else ""


def _level_of(org: Organization | None, department: Department | None, depth: int) -> str:
    if department is not None:
        return "department"
    return rules.org_level(org.depth, depth) if org is not None else "village"


def _clean_text(value: str, label: str, limit: int, *, required: bool = False, field: str | None = None) -> str:
    value = (value or "").strip()
    if params.has_control_chars(value, allow_whitespace=True):  # NUL cannot even be stored in PostgreSQL
        message = f"{label}含有无法保存的控制字符"
        raise ValidationError({field: message} if field else message)
    if required and not value:
        raise ValidationError({field: f"请填写{label}"} if field else f"请填写{label}")
    if len(value) > limit:
        message = f"{label}最多 {limit} 个字（现有 {len(value)} 个字）"
        raise ValidationError({field: message} if field else message)
    return value


def _coordinate(value, low: int, high: int, label: str, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: f"{label}不是数字"}) from exc
    if not number.is_finite():  # NaN, sNaN, Infinity: Decimal reads them, no comparison can
        raise ValidationError({field: f"{label}不是数字"})
    if not low <= number <= high:
        raise ValidationError({field: f"{label}应在 {low} 到 {high} 之间"})
    return number.quantize(Decimal("0.000001"))
