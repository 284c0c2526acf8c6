"""Scribe duty: sign-ups → groups → note skeletons → status, with due dates.

Public entry points::

    from dlcourse.scribe import (
        scribe_slots, read_signups, assign, AssignOptions, read_roster, roster_csv,
        note_skeleton, scribe_status, CreditPolicy,
    )

See ``docs/scribe.md`` for the rules (class size, time slices, credit) and the status schema.
"""

from dlcourse.scribe.assign import (
    Assignment,
    AssignmentReport,
    AssignOptions,
    assign,
    assignment_students,
    close_students,
    explain,
    find_student,
    unknown_student,
)
from dlcourse.scribe.credit import STATE_MEANINGS, CreditPolicy, duty_credit
from dlcourse.scribe.errors import RosterError, RosterIssue
from dlcourse.scribe.io import write_atomic
from dlcourse.scribe.roster import Duty, Placement, Roster, Student, read_roster, roster_csv
from dlcourse.scribe.roster_files import roster_html, roster_markdown
from dlcourse.scribe.signups import Signup, SignupSheet, parse_signups, read_signups
from dlcourse.scribe.skeleton import Skeleton, note_path, note_skeleton
from dlcourse.scribe.slots import ScribeSlot, TimeSlice, scribe_slots, writer_slices
from dlcourse.scribe.status import StatusReport, scribe_status, status_csv
from dlcourse.scribe.student_calendars import class_calendar, student_calendar

__all__ = [
    "STATE_MEANINGS",
    "AssignOptions",
    "Assignment",
    "AssignmentReport",
    "CreditPolicy",
    "Duty",
    "Placement",
    "Roster",
    "RosterError",
    "RosterIssue",
    "ScribeSlot",
    "Signup",
    "SignupSheet",
    "Skeleton",
    "StatusReport",
    "Student",
    "TimeSlice",
    "assign",
    "assignment_students",
    "class_calendar",
    "close_students",
    "duty_credit",
    "explain",
    "find_student",
    "note_path",
    "note_skeleton",
    "parse_signups",
    "read_roster",
    "read_signups",
    "roster_csv",
    "roster_html",
    "roster_markdown",
    "scribe_slots",
    "scribe_status",
    "status_csv",
    "student_calendar",
    "unknown_student",
    "write_atomic",
    "writer_slices",
]
