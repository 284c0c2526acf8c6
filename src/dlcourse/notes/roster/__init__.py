"""Scribe duty: sign-ups → groups → note skeletons → status, with due dates.

Public entry points::

    from dlcourse.notes.roster import (
        scribe_slots, read_signups, assign, AssignOptions, read_roster, roster_csv,
        note_skeleton, scribe_status, CreditPolicy,
    )

See ``docs/scribe.md`` for the rules (class size, time slices, credit) and the status schema.
"""

from dlcourse.notes.roster.assign import (
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
from dlcourse.notes.roster.credit import CreditPolicy, duty_credit
from dlcourse.notes.roster.errors import RosterError, RosterIssue
from dlcourse.notes.roster.ics import class_calendar, student_calendar
from dlcourse.notes.roster.io import write_atomic
from dlcourse.notes.roster.render import roster_html, roster_markdown
from dlcourse.notes.roster.roster import Duty, Placement, Roster, Student, read_roster, roster_csv
from dlcourse.notes.roster.signups import Signup, SignupSheet, parse_signups, read_signups
from dlcourse.notes.roster.skeleton import Skeleton, note_path, note_skeleton
from dlcourse.notes.roster.slots import ScribeSlot, TimeSlice, scribe_slots, writer_slices
from dlcourse.notes.roster.status import StatusReport, scribe_status, status_csv

__all__ = [
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
