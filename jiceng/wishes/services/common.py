"""Small pieces every step uses: the clock, who is a signed-in user, the length limits and
cleaning of typed text, the organizations that collect wishes, and the photos."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from jiceng.core import uploads
from jiceng.orgs.models import Organization

from .. import rules
from ..models import Wish, WishPhoto

S = rules.State
WISH_DOMAINS = (Organization.Domain.RURAL, Organization.Domain.COMMUNITY)
NAME_MAX = 50
ADDRESS_MAX = 200


def _now() -> datetime:
    return timezone.now()


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _text(value: str, label: str, limit: int, field: str | None = None, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        message = f"请填写{label}"
        raise ValidationError({field: message} if field else message)
    if len(value) > limit:
        message = f"{label}最多 {limit} 个字（现有 {len(value)} 个字）"
        raise ValidationError({field: message} if field else message)
    return value


def _photos(wish: Wish, photos: Iterable, kind: str, actor, max_photos: int) -> int:
    photos = [p for p in photos if p]
    already = wish.photos.filter(kind=kind).count() if wish.pk and photos else 0
    return WishPhoto.save_uploads(
        photos,
        max_photos=max_photos,
        already=already,
        uploaded_by=actor if _is_user(actor) else None,
        wish=wish,
        kind=kind,
    )


def _check_photos(photos: Iterable) -> None:
    """Validate photos before anything is written (the post page must lose nothing)."""
    for upload in [p for p in photos if p]:
        try:
            uploads.clean_photo(upload)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
