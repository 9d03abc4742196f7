"""Every write to requests goes through here (and is audit-logged).

Each step is one transaction that (1) checks the transition table (`rules.TRANSITIONS`) and
who may take it, (2) claims the request with a conditional UPDATE on its `version` and
state, so that of two handlers acting at once exactly one wins, (3) appends a
`RequestEvent` and an audit entry. Deadlines are computed when a request is created,
reassigned (assign, transfer, escalate, return) or reopened, and stored on the row.

Other apps pass a problem on as a request with `create_request(...)` (see docs/requests.md,
"For other apps"); callers use `from jiceng.requests import services` and the names below.

The modules, by sub-domain:

    intake        where residents may file; create_request (ticket, routing, first deadlines)
    engine        the transition engine (check, claim, record) and the new holder and deadlines
    handling      accept, start, contact, assign, transfer, escalate, return, dismiss
    resolution    resolve, answer, the resident's rating, the call-back (回访), close
    publishing    the public board (公开栏)
    sweeps        the scheduled deadline jobs (jobs.py)
    config        the county admin's configuration
    permissions   who may take a step; what the pages offer (`can_take_step`)
    events        the request's trail and the notices to its holder
    common        the clock, text limits and cleaning, holder names and levels
"""

from .common import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, PLACE_MAX
from .config import (
    CATEGORY_FIELDS,
    DEADLINE_FIELDS,
    DEPARTMENT_FIELDS,
    SETTINGS_FIELDS,
    add_department_handler,
    delete_deadline_rule,
    delete_routing_rule,
    save_category,
    save_deadline_rule,
    save_department,
    save_routing_rule,
    update_settings,
)
from .engine import AUDITED
from .handling import (
    accept_request,
    assign_request,
    contact_resident,
    dismiss_request,
    escalate_request,
    escalation_target,
    return_request,
    start_request,
    transfer_request,
)
from .intake import create_request, intake_organization_error
from .permissions import STAFF_ACTIONS, can_take_step
from .publishing import public_texts, publish_request, unpublish_request
from .resolution import answer_request, close_request, rate_request, record_callback, resolve_request
from .sweeps import auto_close, auto_escalate, notify_overdue

__all__ = [
    "AUDITED",
    "CATEGORY_FIELDS",
    "DEADLINE_FIELDS",
    "DEPARTMENT_FIELDS",
    "DESCRIPTION_MAX",
    "NAME_MAX",
    "NOTE_MAX",
    "PLACE_MAX",
    "SETTINGS_FIELDS",
    "STAFF_ACTIONS",
    "accept_request",
    "add_department_handler",
    "answer_request",
    "assign_request",
    "auto_close",
    "auto_escalate",
    "can_take_step",
    "close_request",
    "contact_resident",
    "create_request",
    "delete_deadline_rule",
    "delete_routing_rule",
    "dismiss_request",
    "escalate_request",
    "escalation_target",
    "intake_organization_error",
    "notify_overdue",
    "public_texts",
    "publish_request",
    "rate_request",
    "record_callback",
    "resolve_request",
    "return_request",
    "save_category",
    "save_deadline_rule",
    "save_department",
    "save_routing_rule",
    "start_request",
    "transfer_request",
    "unpublish_request",
    "update_settings",
]
