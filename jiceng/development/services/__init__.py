"""Every write to development files goes through here (and is audit-logged).

A step is checked against the statute (`rules.check_step`) with the file row locked
(`select_for_update`), so two secretaries recording the same step at once cannot both
succeed; the file's state columns are refolded from the steps in the same transaction.

One module per sub-domain; the names below are the package's public surface, so callers write
`services.record_step(...)`:

    files      opening a file (step 1), editing it, 不予发展, revoking the last step, documents
    steps      recording a step against the statute
    moves      files following their members on a transfer, or out of the county
    config     the county's development settings
    deadlines  stored deadlines recomputed after a change of the working-day calendar
    common     what they share (people on a step, refusals, folding a file's state)
"""

from .common import DEVELOPING_TYPES, MAX_ID, PERSON_FIELDS, ROLE_FIELDS, PersonInput, Refused, file_state
from .config import SETTINGS_FIELDS, update_settings
from .deadlines import DEADLINE_FIELDS, refresh_deadlines
from .files import add_document, open_file, reject_file, revoke_last_step, update_file
from .moves import files_follow_in_bulk, follow_member, leave_county
from .steps import VOTE_FIELDS, record_step

__all__ = [
    "DEADLINE_FIELDS",
    "DEVELOPING_TYPES",
    "MAX_ID",
    "PERSON_FIELDS",
    "ROLE_FIELDS",
    "SETTINGS_FIELDS",
    "VOTE_FIELDS",
    "PersonInput",
    "Refused",
    "add_document",
    "file_state",
    "files_follow_in_bulk",
    "follow_member",
    "leave_county",
    "open_file",
    "record_step",
    "refresh_deadlines",
    "reject_file",
    "revoke_last_step",
    "update_file",
    "update_settings",
]
