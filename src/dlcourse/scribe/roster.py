"""The roster: who scribes which slot in which role, with time slices and due dates.

``roster.csv`` is both the human-readable output and the lock file of the next run: a run after
late sign-ups reads it back and keeps every placement in it. Only the columns ``slot``, ``role``,
``position``, ``student_id``, ``name``, ``email``, ``netid`` and ``track`` are read back; the
others (dates, slices, links) are derived from the course and rewritten on every run.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.scribe.errors import RosterError, RosterIssue
from dlcourse.scribe.slots import ScribeSlot, TimeSlice
from dlcourse.util.csv_files import (
    CsvSyntaxError,
    csv_dict_writer,
    from_spreadsheet_safe,
    read_records,
)

ROSTER_COLUMNS = (
    "week",
    "part",
    "group",
    "slot",
    "kind",
    "meeting",
    "date",
    "role",
    "position",
    "student_id",
    "name",
    "email",
    "netid",
    "track",
    "start_min",
    "end_min",
    "video_start_min",
    "video_end_min",
    "video_url",
    "due",
)
RESERVE = "reserve"


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str | None = None
    netid: str | None = None
    track: str | None = None


@dataclass(frozen=True)
class Placement:
    """A student's duty as decided: the slot, the role and, for writers, the order (1-based)."""

    student: Student
    slot: str
    role: str  # "writer" | "editor"
    position: int = 1


@dataclass(frozen=True)
class Duty:
    """A placement with everything derived from the course: meeting, time slice, due date."""

    placement: Placement
    scribe_slot: ScribeSlot
    time_slice: TimeSlice | None  # writers only
    extra: bool  # a writer beyond writers_per_group (a large class)

    @property
    def student(self) -> Student:
        return self.placement.student

    @property
    def role(self) -> str:
        return self.placement.role

    @property
    def slot(self) -> str:
        return self.placement.slot

    @property
    def due(self) -> dt.datetime:
        return self.scribe_slot.due

    @property
    def video_url(self) -> str | None:
        start = self.time_slice.video_start if self.time_slice else self.scribe_slot.video_offset
        return self.scribe_slot.meeting.video_url(start * 60)


@dataclass
class Roster:
    slots: list[ScribeSlot]
    placements: list[Placement] = field(default_factory=list)
    reserve: list[Student] = field(default_factory=list)
    writers_per_group: int = 3

    def slot(self, key: str) -> ScribeSlot | None:
        return next((slot for slot in self.slots if slot.key == key), None)

    def students(self) -> dict[str, Student]:
        found = {p.student.id: p.student for p in self.placements}
        found.update({s.id: s for s in self.reserve})
        return found

    def placements_in(self, key: str) -> list[Placement]:
        """Editors first, then writers in slice order."""
        chosen = [p for p in self.placements if p.slot == key]
        return sorted(chosen, key=lambda p: (p.role != "editor", p.position, p.student.id))

    def duties(self) -> list[Duty]:
        """Every duty in calendar order; writers' slices split the slot's hour among them."""
        duties = []
        for scribe_slot in self.slots:
            group = self.placements_in(scribe_slot.key)
            writers = [p for p in group if p.role == "writer"]
            slices = scribe_slot.slices(len(writers))
            for placement in group:
                if placement.role == "writer":
                    index = writers.index(placement)
                    duties.append(
                        Duty(placement, scribe_slot, slices[index], index >= self.writers_per_group)
                    )
                else:
                    duties.append(Duty(placement, scribe_slot, None, False))
        return duties

    def duties_of(self, student_id: str) -> list[Duty]:
        return [duty for duty in self.duties() if duty.student.id == student_id]

    def counts(self, key: str) -> tuple[int, int]:
        """(writers, editors) placed in a slot."""
        group = self.placements_in(key)
        return (
            sum(p.role == "writer" for p in group),
            sum(p.role == "editor" for p in group),
        )


def roster_csv(roster: Roster) -> str:
    """The roster as CSV text: one row per duty in calendar order, then the reserve list."""
    buffer = io.StringIO()
    writer = csv_dict_writer(buffer, ROSTER_COLUMNS)
    writer.writeheader()
    for duty in roster.duties():
        s, student, piece = duty.scribe_slot, duty.student, duty.time_slice
        writer.writerow(
            {
                "week": s.week,
                "part": s.part,
                "group": s.group,
                "slot": s.key,
                "kind": s.kind,
                "meeting": s.meeting.title,
                "date": s.meeting.date.isoformat(),
                "role": duty.role,
                "position": duty.placement.position if duty.role == "writer" else 0,
                "student_id": student.id,
                "name": student.name,
                "email": student.email or "",
                "netid": student.netid or "",
                "track": student.track or "",
                "start_min": piece.start if piece else 0,
                "end_min": piece.end if piece else s.minutes,
                "video_start_min": piece.video_start if piece else s.video_offset,
                "video_end_min": piece.video_end if piece else s.video_offset + s.minutes,
                "video_url": duty.video_url or "",
                "due": duty.due.isoformat(),
            }
        )
    for position, student in enumerate(roster.reserve, start=1):
        writer.writerow(
            {
                "role": RESERVE,
                "position": position,
                "student_id": student.id,
                "name": student.name,
                "email": student.email or "",
                "netid": student.netid or "",
                "track": student.track or "",
            }
        )
    return buffer.getvalue()


def read_roster(path: Path, slots: list[ScribeSlot], writers_per_group: int = 3) -> Roster:
    """Read ``roster.csv`` back. Raises :class:`RosterError` naming each bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        hint = "run 'dlcourse scribe assign SIGNUPS.csv' first, or pass --roster"
        raise RosterError([RosterIssue(path, None, "roster not found", hint)]) from error
    except IsADirectoryError as error:
        hint = "pass the roster.csv file, not its folder"
        raise RosterError([RosterIssue(path, None, "a folder, not a file", hint)]) from error
    except UnicodeDecodeError as error:
        hint = "pass the roster.csv written by 'dlcourse scribe assign' (UTF-8 CSV)"
        raise RosterError(
            [RosterIssue(path, None, f"not UTF-8 text ({error.reason})", hint)]
        ) from error
    return parse_roster(text, slots, writers_per_group, path)


def parse_roster(
    text: str, slots: list[ScribeSlot], writers_per_group: int = 3, path: Path | None = None
) -> Roster:
    try:
        numbered = read_records(text)
    except CsvSyntaxError as error:
        raise RosterError([RosterIssue(path, error.line, error.message, error.hint)]) from None
    header = [cell.strip() for cell in numbered[0][1]] if numbered else []
    needed = {"slot", "role", "student_id", "name"}
    missing = needed - set(header)
    if missing:
        raise RosterError(
            [
                RosterIssue(
                    path,
                    1,
                    f"missing columns {sorted(missing)}",
                    "this is not a roster written by 'dlcourse scribe assign'",
                )
            ]
        )
    keys = {slot.key for slot in slots}
    roster = Roster(slots, writers_per_group=writers_per_group)
    issues: list[RosterIssue] = []
    seen: set[tuple[str, str]] = set()
    for row, cells in numbered[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        # the cells as they were before the writer guarded them against spreadsheet formulas
        record = {
            column: from_spreadsheet_safe(cell) for column, cell in zip(header, cells, strict=False)
        }
        student_id = (record.get("student_id") or "").strip().lower()
        if not student_id:
            issues.append(RosterIssue(path, row, "no student_id", "fill it in or delete the row"))
            continue
        student = Student(
            id=student_id,
            name=(record.get("name") or "").strip(),
            email=(record.get("email") or "").strip() or None,
            netid=(record.get("netid") or "").strip() or None,
            track=(record.get("track") or "").strip() or None,
        )
        role = (record.get("role") or "").strip().lower()
        position = _int(record.get("position"), 1)
        if role == RESERVE:
            roster.reserve.append(student)
            continue
        slot = (record.get("slot") or "").strip()
        if role not in ("writer", "editor"):
            issues.append(
                RosterIssue(
                    path,
                    row,
                    f"unknown role {role!r}",
                    "use writer, editor or reserve",
                    column="role",
                )
            )
            continue
        if slot not in keys:
            issues.append(
                RosterIssue(
                    path,
                    row,
                    f"slot {slot!r} is not in the course calendar",
                    "the calendar changed: fix the slot or delete the row",
                    column="slot",
                )
            )
            continue
        if (student_id, slot) in seen:
            issues.append(
                RosterIssue(
                    path,
                    row,
                    f"{student_id} appears twice in slot {slot}",
                    "delete one of the rows",
                )
            )
            continue
        seen.add((student_id, slot))
        roster.placements.append(Placement(student, slot, role, position))
    if issues:
        raise RosterError(issues)
    placed = {p.student.id for p in roster.placements}
    roster.reserve = [s for s in roster.reserve if s.id not in placed]
    return roster


def _int(text: str | None, default: int) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return default
