"""Training venues (场所)."""

from __future__ import annotations

from django.db import transaction

from jiceng.core import audit
from jiceng.core.scoping import require_manager

from ..models import Venue
from .common import _bump

VENUE_FIELDS = ["name", "kind", "organization", "address", "capacity"]


@transaction.atomic
def save_venue(actor, venue: Venue | None = None, **fields) -> Venue:
    require_manager(actor, fields.get("organization") or (venue.organization if venue else None))
    if venue is None:
        venue = Venue(**fields)
        venue.full_clean()
        venue.save()
        audit.record(actor, "create", venue, changes=audit.snapshot(venue, VENUE_FIELDS))
        return venue
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    require_manager(actor, venue.organization)
    before = audit.snapshot(venue, VENUE_FIELDS)
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.full_clean()
    _bump(venue, fields, actor, audit.diff(before, audit.snapshot(venue, VENUE_FIELDS)))
    return venue
