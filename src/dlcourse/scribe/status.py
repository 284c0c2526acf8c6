"""Scribe status: roster × note files × checker × submission times → per-slot facts and credit.

The JSON form (:class:`StatusReport`, schema ``dlcourse.scribe-status/1``) is what the gradebook
reads; its fields are documented in ``docs/scribe.md`` and only ever added to.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dlcourse.course import Course
from dlcourse.scribe.credit import CreditPolicy, DutyState, duty_credit
from dlcourse.scribe.gitdates import last_commit_time
from dlcourse.scribe.notes_adapter import NoteFacts, name_key, read_note
from dlcourse.scribe.roster import Roster
from dlcourse.scribe.skeleton import note_path
from dlcourse.util.csv_files import csv_dict_writer

SCHEMA = "dlcourse.scribe-status/1"
SlotState = Literal[
    "empty",
    "complete",
    "needs-fixes",
    "unattributed",
    "late",
    "too-late",
    "missing",
    "undated",
    "pending",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SlotStatus(_Model):
    slot: str = Field(description="Slot key: '01-2', or '01-2/2' for a meeting's second group.")
    week: int
    part: int
    group: int
    kind: str
    meeting: str
    date: dt.date
    due: dt.datetime
    file: str = Field(description="The note's path relative to the course folder.")
    present: bool
    checked: bool = Field(description="False when the notes checker was not available.")
    errors: int
    warnings: int
    assigned: list[str] = Field(description="Names of the students assigned, editors first.")
    authors_in_file: list[str]
    missing_authors: list[str] = Field(description="Assigned, not in the file's authors.")
    unexpected_authors: list[str] = Field(description="In the file's authors, not assigned.")
    submitted_at: dt.datetime | None
    submitted_source: Literal["git", "override", "none"]
    on_time: bool | None
    state: SlotState


class DutyCredit(_Model):
    slot: str
    role: str
    state: DutyState
    fraction: float
    final: bool


class StudentCredit(_Model):
    student_id: str
    name: str
    email: str | None
    netid: str | None
    track: str
    duties: list[DutyCredit]
    fraction: float | None = Field(description="Mean of the duties' fractions; None: no duty.")
    weight: float | None = Field(description="Weight of the write-up component in the track.")
    points: float | None = Field(description="fraction × weight: the grade adjustment.")
    final: bool = Field(description="True once every duty's due time has passed.")


class StatusReport(_Model):
    schema_: str = Field(SCHEMA, alias="schema")
    course: str
    term: str
    as_of: dt.datetime
    policy: CreditPolicy
    slots: list[SlotStatus]
    students: list[StudentCredit]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


SubmittedAt = Callable[[Path], dt.datetime | None]


def scribe_status(
    course: Course,
    roster: Roster,
    as_of: dt.datetime | None = None,
    policy: CreditPolicy | None = None,
    overrides: Mapping[str, dt.datetime] | None = None,
    submitted_at: SubmittedAt = last_commit_time,
    read: Callable[[Path, Course], NoteFacts] = read_note,
) -> StatusReport:
    """Join the roster with the notes. ``overrides`` maps a slot key (or its meeting's slot, e.g.
    ``01-2``) to a submission time (a pull request's), used instead of the git time. ``policy``
    defaults to the course's write-up formula, ``[grading.write_up]``."""
    policy = policy or course.grading.write_up
    as_of = (as_of or dt.datetime.now(course.tz)).astimezone(course.tz)
    overrides = dict(overrides or {})
    facts_cache: dict[Path, NoteFacts] = {}
    times_cache: dict[Path, dt.datetime | None] = {}
    slots: list[SlotStatus] = []
    duty_rows: dict[str, list[DutyCredit]] = {}
    for scribe_slot in roster.slots:
        meeting = scribe_slot.meeting
        path = note_path(course, meeting)
        if path not in facts_cache:
            facts_cache[path] = read(path, course)
            times_cache[path] = submitted_at(path) if facts_cache[path].present else None
        facts = facts_cache[path]
        group = roster.placements_in(scribe_slot.key)
        when, source = times_cache[path], "git" if times_cache[path] else "none"
        for key in (scribe_slot.key, meeting.slot):
            if key in overrides:
                when, source = overrides[key], "override"
                break
        if when is not None:
            when = when.astimezone(course.tz)
        in_file = {name_key(name) for name in facts.authors}
        assigned = [p.student.name for p in group]
        states = []
        for placement in group:
            attributed = name_key(placement.student.name) in in_file
            state, fraction, final = duty_credit(
                policy,
                scribe_slot.due,
                when if facts.present else None,
                facts.errors,
                attributed,
                as_of,
                present=facts.present,
            )
            states.append(state)
            duty_rows.setdefault(placement.student.id, []).append(
                DutyCredit(
                    slot=scribe_slot.key,
                    role=placement.role,
                    state=state,
                    fraction=fraction,
                    final=final,
                )
            )
        assigned_keys = {name_key(name) for name in assigned}
        slots.append(
            SlotStatus(
                slot=scribe_slot.key,
                week=scribe_slot.week,
                part=scribe_slot.part,
                group=scribe_slot.group,
                kind=scribe_slot.kind,
                meeting=meeting.title,
                date=meeting.date,
                due=scribe_slot.due,
                file=_relative(path, course.root),
                present=facts.present,
                checked=facts.checked,
                errors=facts.errors,
                warnings=facts.warnings,
                assigned=assigned,
                authors_in_file=list(facts.authors),
                missing_authors=[n for n in assigned if name_key(n) not in in_file],
                unexpected_authors=[n for n in facts.authors if name_key(n) not in assigned_keys],
                submitted_at=when if facts.present else None,
                submitted_source=source if facts.present else "none",
                on_time=None if when is None or not facts.present else when <= scribe_slot.due,
                state=_slot_state(states),
            )
        )
    students = _student_credit(course, roster, duty_rows, policy)
    return StatusReport(
        course=course.course.code,
        term=course.course.term,
        as_of=as_of,
        policy=policy,
        slots=slots,
        students=students,
    )


def _slot_state(states: list[str]) -> str:
    if not states:
        return "empty"
    order = [
        "missing",
        "too-late",
        "late",
        "undated",
        "pending",
        "unattributed",
        "needs-fixes",
        "complete",
    ]
    # the slot shows its group's work; an unattributed member does not make the note worse
    group = [s for s in states if s != "unattributed"] or states
    return min(group, key=order.index)


def _student_credit(
    course: Course,
    roster: Roster,
    duty_rows: dict[str, list[DutyCredit]],
    policy: CreditPolicy,
) -> list[StudentCredit]:
    result = []
    for student_id, student in sorted(roster.students().items(), key=lambda kv: kv[1].name):
        duties = duty_rows.get(student_id, [])
        track_id = student.track or course.grading.default_track
        try:
            weight = course.grading.track(track_id).component(policy.component).weight
        except KeyError:
            weight = None
        fraction = sum(d.fraction for d in duties) / len(duties) if duties else None
        points = None if fraction is None or weight is None else round(fraction * weight, 4)
        result.append(
            StudentCredit(
                student_id=student_id,
                name=student.name,
                email=student.email,
                netid=student.netid,
                track=track_id,
                duties=duties,
                fraction=None if fraction is None else round(fraction, 6),
                weight=weight,
                points=points,
                final=bool(duties) and all(d.final for d in duties),
            )
        )
    return result


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


STATUS_CSV_COLUMNS = (
    "slot",
    "week",
    "part",
    "group",
    "due",
    "file",
    "present",
    "checked",
    "errors",
    "submitted_at",
    "submitted_source",
    "on_time",
    "slot_state",
    "student_id",
    "name",
    "track",
    "role",
    "attributed",
    "state",
    "fraction",
    "points",
)


def status_csv(report: StatusReport) -> str:
    """One row per duty (and one per empty slot): the join as a spreadsheet."""
    buffer = io.StringIO()
    writer = csv_dict_writer(buffer, STATUS_CSV_COLUMNS)
    writer.writeheader()
    by_student = {s.student_id: s for s in report.students}
    duties = {(duty.slot, s.student_id): (s, duty) for s in report.students for duty in s.duties}
    for slot in report.slots:
        base = {
            "slot": slot.slot,
            "week": slot.week,
            "part": slot.part,
            "group": slot.group,
            "due": slot.due.isoformat(),
            "file": slot.file,
            "present": slot.present,
            "checked": slot.checked,
            "errors": slot.errors,
            "submitted_at": slot.submitted_at.isoformat() if slot.submitted_at else "",
            "submitted_source": slot.submitted_source,
            "on_time": "" if slot.on_time is None else slot.on_time,
            "slot_state": slot.state,
        }
        members = [(s, d) for (key, _), (s, d) in duties.items() if key == slot.slot]
        if not members:
            writer.writerow(base)
        for student, duty in members:
            writer.writerow(
                base
                | {
                    "student_id": student.student_id,
                    "name": student.name,
                    "track": student.track,
                    "role": duty.role,
                    "attributed": student.name not in slot.missing_authors,
                    "state": duty.state,
                    "fraction": duty.fraction,
                    "points": ""
                    if student.weight is None
                    else round(duty.fraction * student.weight, 4),
                }
            )
    del by_student
    return buffer.getvalue()
