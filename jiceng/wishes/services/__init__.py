"""Every write to wishes goes through here (and is audit-logged).

Each step (1) checks the transition table (`rules.TRANSITIONS`) and who may take it,
(2) claims the wish with a conditional UPDATE on its `version` and state, so of two people
acting at once exactly one wins (two claimants never both get the same wish), and (3) appends
a `WishEvent` and an audit entry, all in one transaction.

Callers use `from jiceng.wishes import services` and the names below. The modules, by
sub-domain:

    intake    where wishes are collected; post_wish (ticket, first deadline); the requester's lookup
    engine    the transition engine (check, claim, record); who manages a wish
    staff     accept, reject, withdraw, edit, publish and unpublish (the wish wall)
    claims    claim, release, fulfil; the requester's confirm and dispute
    sweeps    the scheduled notices for overdue wishes (jobs.py)
    config    the county admin's settings
    events    the wish's trail and the notices to the nearest staff
    common    the clock, text limits and cleaning, the collecting organizations, photos
"""

from .claims import claim_wish, confirm_wish, dispute_wish, fulfil_wish, release_wish
from .common import ADDRESS_MAX, NAME_MAX, WISH_DOMAINS
from .config import SETTINGS_FIELDS, update_settings
from .engine import AUDITED, is_manager_of
from .events import role_label, staff_for
from .intake import find_for_requester, post_wish, wish_organization_error
from .staff import accept_wish, edit_wish, public_text_for, publish_wish, reject_wish, unpublish_wish, withdraw_wish
from .sweeps import notify_overdue

__all__ = [
    "ADDRESS_MAX",
    "AUDITED",
    "NAME_MAX",
    "SETTINGS_FIELDS",
    "WISH_DOMAINS",
    "accept_wish",
    "claim_wish",
    "confirm_wish",
    "dispute_wish",
    "edit_wish",
    "find_for_requester",
    "fulfil_wish",
    "is_manager_of",
    "notify_overdue",
    "post_wish",
    "public_text_for",
    "publish_wish",
    "reject_wish",
    "release_wish",
    "role_label",
    "staff_for",
    "unpublish_wish",
    "update_settings",
    "wish_organization_error",
    "withdraw_wish",
]
