"""Every write to training records goes through here (and is audit-logged).

Organizers manage their courses: `require_manager(actor, course.organizer)`; trainees come
from the organizer's subtree. The absence notice and the demerit it brings are written by
`check_absences()`, called right after attendance changes and by the periodic job (the
safety net); both are idempotent.

Callers use `from jiceng.training import services` and the names below. The modules, by
sub-domain:

    training_settings  the county's training settings (update_settings)
    venues             training venues
    courses            courses, enrollment (the course row locked) and withdrawal
    sessions           sessions, attendance as recorded by the organizer, QR sign-in
    exams              tests and their scores
    study_records      study records on a member's card
    absences           check_absences: the absence notice and the demerit, and who is told
    reminders          the periodic reminders (jobs.py)
    common             the audited update with its revision bump, audit paths, snapshots
"""

from .absences import CheckOutcome, check_absences, notice_recipients, responsible_organization
from .courses import COURSE_FIELDS, create_course, delete_course, enroll, update_course, withdraw
from .exams import EXAM_FIELDS, create_exam, delete_exam, record_results, update_exam
from .reminders import remind_missing_attendance, send_session_reminders
from .sessions import (
    SESSION_FIELDS,
    SIGN_IN_OPENS_BEFORE,
    attendance_open_error,
    create_session,
    delete_session,
    record_attendance,
    sign_in,
    sign_in_window,
    update_session,
)
from .study_records import add_study_record, delete_study_record
from .training_settings import SETTINGS_FIELDS, update_settings
from .venues import VENUE_FIELDS, save_venue

__all__ = [
    "COURSE_FIELDS",
    "EXAM_FIELDS",
    "SESSION_FIELDS",
    "SETTINGS_FIELDS",
    "SIGN_IN_OPENS_BEFORE",
    "VENUE_FIELDS",
    "CheckOutcome",
    "add_study_record",
    "attendance_open_error",
    "check_absences",
    "create_course",
    "create_exam",
    "create_session",
    "delete_course",
    "delete_exam",
    "delete_session",
    "delete_study_record",
    "enroll",
    "notice_recipients",
    "record_attendance",
    "record_results",
    "remind_missing_attendance",
    "responsible_organization",
    "save_venue",
    "send_session_reminders",
    "sign_in",
    "sign_in_window",
    "update_course",
    "update_exam",
    "update_settings",
    "update_session",
    "withdraw",
]
