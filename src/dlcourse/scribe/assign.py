"""Assign students to scribe slots: min-cost assignment (``scipy.optimize.linear_sum_assignment``).

Every *seat* (a slot's writer or editor place) is a column, every student a row, and the cost of a
student in a seat says how badly it misses the student's wishes:

====================================  ======================================================
seat's meeting is a preferred one,      0
or its week is a preferred week
same week as a preferred meeting        ``SAME_WEEK``
another week                            ``OTHER_WEEK`` + ``PER_WEEK_AWAY`` × weeks to the nearest
                                        preferred week (at most ``MAX_WEEKS_AWAY``)
role differs from the preferred role    + ``ROLE``
an extra writer seat (large class)      + ``EXTRA_SEAT`` × its level (so every regular seat is
                                        filled first and extras spread one level at a time)
tie-break                               + a jitter below ``JITTER``, a hash of (seed, student, slot)
====================================  ======================================================

Students without preferences cost 0 everywhere (only the jitter places them). The solver's
optimum minimises the total cost: no swap of two students could make the sum of misses smaller.

Class size (documented in ``docs/scribe.md``):

- *Too large* (more students than seats): every slot gets up to ``max_extra_writers`` extra
  writers (the slot's hour is then split among more writers); students beyond that go to a
  *reserve list* in sign-up order (latest sign-ups first to wait), first in line when a seat frees.
- *Too small*: whole groups are staffed, slots in :func:`slot_priority` order; the rest stay empty
  and are reported. Leftover students (fewer than a group) join open groups as extra writers.
  With ``max_duties`` > 1 students take further duties (never twice in one slot) to staff more.

Friends (``with``) form *parties* (connected students, at most one group's size each). Parties are
placed first — one party per slot, by the same solver over parties × slots — and their members are
then tied to that slot in the main assignment. Locked placements (from an earlier roster) are
kept; they take their seats before anything else is solved.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment

from dlcourse.course import ScribePolicy
from dlcourse.scribe.roster import Placement, Roster, Student
from dlcourse.scribe.signups import Signup, SignupSheet
from dlcourse.scribe.slots import ScribeSlot, slot_priority

SAME_WEEK = 1.0
OTHER_WEEK = 5.0
PER_WEEK_AWAY = 1.0
MAX_WEEKS_AWAY = 8
ROLE = 3.0
EXTRA_SEAT = 100.0
JITTER = 0.01
FORBIDDEN = 1e6


class AssignOptions(BaseModel):
    """How to assign; every field is a CLI option of ``dlcourse scribe assign``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, description="Tie-break seed: same sheet and seed, same roster.")
    overflow: Literal["extra-writers", "reserve"] = Field(
        "extra-writers",
        description="Too many students: add extra writers to slots first, or go straight to the "
        "reserve list.",
    )
    max_extra_writers: int = Field(
        1, ge=0, description="Extra writers a slot may take beyond writers_per_group."
    )
    max_duties: int = Field(
        1, ge=1, description="Duties per student when the class is too small (2 = second duty)."
    )


@dataclass(frozen=True)
class Seat:
    slot: ScribeSlot
    role: str
    level: int  # 0: a regular seat; k ≥ 1: the k-th extra writer


@dataclass
class PreferenceStats:
    asked: int = 0
    honoured: int = 0

    @property
    def share(self) -> float | None:
        return self.honoured / self.asked if self.asked else None

    def __str__(self) -> str:
        if not self.asked:
            return "nobody asked"
        return f"{self.honoured}/{self.asked} ({100 * self.honoured / self.asked:.0f}%)"


@dataclass
class AssignmentReport:
    students: int = 0
    placed: int = 0
    locked: int = 0
    reserve: int = 0
    seats: int = 0
    slots: int = 0
    full_slots: int = 0
    empty_slots: list[str] = field(default_factory=list)  # in priority order
    understaffed_slots: list[str] = field(default_factory=list)  # open but short
    extra_writers: int = 0
    second_duties: int = 0
    week: PreferenceStats = field(default_factory=PreferenceStats)
    meeting: PreferenceStats = field(default_factory=PreferenceStats)
    role: PreferenceStats = field(default_factory=PreferenceStats)
    parties: PreferenceStats = field(default_factory=PreferenceStats)
    notes: list[str] = field(default_factory=list)
    size: Literal["fits", "too-large", "too-small"] = "fits"


@dataclass
class Assignment:
    roster: Roster
    report: AssignmentReport
    signups: dict[str, Signup]
    costs: dict[str, dict[str, float]]  # student → slot key → preference cost (no role, no jitter)
    locked_ids: set[str]
    parties: list[list[str]]


def _jitter(seed: int, student: str, slot: str) -> float:
    digest = hashlib.blake2b(f"{seed}\0{student}\0{slot}".encode(), digest_size=8).digest()
    return JITTER * int.from_bytes(digest, "big") / 2**64


def preference_cost(signup: Signup, slot: ScribeSlot) -> float:
    """How badly ``slot`` misses ``signup``'s preferred weeks and meetings (0: it does not)."""
    if not signup.has_time_preference:
        return 0.0
    if slot.meeting.slot in signup.meetings or slot.week in signup.weeks:
        return 0.0
    weeks = signup.preferred_weeks
    if slot.week in weeks:
        return SAME_WEEK
    away = min(abs(slot.week - week) for week in weeks)
    return OTHER_WEEK + PER_WEEK_AWAY * min(away, MAX_WEEKS_AWAY)


def student_of(signup: Signup) -> Student:
    return Student(signup.id, signup.name, signup.email, signup.netid, signup.track)


def signup_order(signups: list[Signup]) -> list[Signup]:
    """First come, first served: by timestamp when the sheet has one, else by row."""
    latest = dt.datetime.max
    return sorted(signups, key=lambda s: (s.timestamp or latest, s.row))


def assign(
    slots: list[ScribeSlot],
    sheet: SignupSheet,
    policy: ScribePolicy,
    options: AssignOptions | None = None,
    locked: Roster | None = None,
) -> Assignment:
    """Place every student of ``sheet`` (beyond those ``locked`` already placed) into seats."""
    options = options or AssignOptions()
    W, E = policy.writers_per_group, policy.editors_per_group
    group = W + E
    report = AssignmentReport(slots=len(slots))
    ordered = signup_order(sheet.signups)
    by_id = {signup.id: signup for signup in ordered}
    keys = {slot.key: slot for slot in slots}
    placements: list[Placement] = []
    if locked is not None:
        placements = [p for p in locked.placements if p.slot in keys]
    locked_ids = {p.student.id for p in placements}
    for student_id in sorted(locked_ids - set(by_id)):
        report.notes.append(f"{student_id} is in the roster but not in the sheet: duty kept")
    new = [signup for signup in ordered if signup.id not in locked_ids]
    people = len(locked_ids | set(by_id))
    report.students, report.locked = people, len(locked_ids)
    base_seats = len(slots) * group
    report.seats = base_seats

    held = Counter((p.slot, p.role) for p in placements)
    forced_open = [s for s in slots if held[(s.key, "writer")] + held[(s.key, "editor")] > 0]
    reserve: list[Signup] = []
    duties = 1
    levels = 0
    if people > base_seats:
        report.size = "too-large"
        open_slots = list(slots)
        needed = people - base_seats
        if options.overflow == "extra-writers":
            levels = min(options.max_extra_writers, math.ceil(needed / max(1, len(slots))))
        locked_extras = sum(max(0, held[(s.key, "writer")] - W) for s in slots)
        capacity = base_seats + max(len(slots) * levels, locked_extras)
        spare = len(new) - max(0, capacity - len(placements))
        if spare > 0:
            reserve = new[len(new) - spare :]
            new = new[: len(new) - spare]
        report.notes.append(
            f"too large: {people} students for {base_seats} seats ({len(slots)} slots × {group});"
            f" {len(slots) * levels} extra writer seats (up to {levels} per slot), "
            f"{len(reserve)} on the reserve list (latest sign-ups)"
        )
    else:
        duties = options.max_duties
        wanted = min(people * duties, base_seats)
        full, leftover = divmod(wanted, group)
        ranked = sorted(slots, key=slot_priority)
        open_slots = [s for s in ranked if s in forced_open]
        for slot in ranked:
            if len(open_slots) >= full:
                break
            if slot not in open_slots:
                open_slots.append(slot)
        if leftover and (options.max_extra_writers == 0 or not open_slots):
            extra = next((s for s in ranked if s not in open_slots), None)
            if extra is not None:
                open_slots.append(extra)
        elif leftover:
            levels = 1
        if len(open_slots) < len(slots):
            report.size = "too-small"
            report.notes.append(
                f"too small: {people} students × {duties} duties for {base_seats} seats; "
                f"{len(open_slots)} of {len(slots)} slots staffed in priority order "
                "(lectures before labs, first hours before second hours, then by week)"
            )
        open_slots.sort(key=lambda s: slots.index(s))

    seats = _free_seats(open_slots, held, W, E, levels)
    reserved_ids = {s.id for s in reserve}
    costs = {s.id: {slot.key: preference_cost(s, slot) for slot in slots} for s in ordered}
    parties, tied = _place_parties(
        sheet, new, placements, open_slots, seats, costs, group, options.seed, reserved_ids, report
    )
    for round_number in range(duties):
        taken: dict[str, set[str]] = {}
        for p in placements:
            taken.setdefault(p.student.id, set()).add(p.slot)
        candidates = new if round_number == 0 else [s for s in ordered if s.id not in reserved_ids]
        if not candidates or not seats:
            break
        chosen = _solve(candidates, seats, costs, tied, taken, options.seed)
        used = set()
        for row, column in chosen:
            placements.append(
                Placement(
                    student_of(candidates[row]), seats[column].slot.key, seats[column].role, 0
                )
            )
            used.add(column)
        if round_number > 0:
            report.second_duties += len(chosen)
        seats = [seat for index, seat in enumerate(seats) if index not in used]
        tied = {}
    roster = Roster(
        slots, _number_writers(placements, ordered), [student_of(s) for s in reserve], W
    )
    _summarise(roster, report, by_id, costs, parties, policy, open_slots)
    resplit = [
        s.key
        for s in slots
        if held[(s.key, "writer")] and roster.counts(s.key)[0] != held[(s.key, "writer")]
    ]
    if resplit:
        report.notes.append(
            "writers joined locked groups, so their time slices were re-split (tell them): "
            + ", ".join(resplit)
        )
    return Assignment(roster, report, by_id, costs, locked_ids, parties)


def _free_seats(open_slots, held, W, E, levels) -> list[Seat]:
    seats = []
    for slot in open_slots:
        writers, editors = held[(slot.key, "writer")], held[(slot.key, "editor")]
        seats += [Seat(slot, "editor", 0)] * max(0, E - editors)
        seats += [Seat(slot, "writer", 0)] * max(0, W - writers)
        for level in range(max(1, writers - W + 1), levels + 1):
            seats.append(Seat(slot, "writer", level))
    return seats


def _place_parties(
    sheet, new, placements, open_slots, seats, costs, group, seed, reserved_ids, report
) -> tuple[list[list[str]], dict[str, str]]:
    """Tie each party to one slot. Returns the parties (student ids) and student → slot ties."""
    graph, _ = sheet.partner_graph()
    order = {signup.id: index for index, signup in enumerate(new)}
    locked_slot = {p.student.id: p.slot for p in placements}
    free = Counter(seat.slot.key for seat in seats if seat.level == 0)
    free_any = Counter(seat.slot.key for seat in seats)
    tied: dict[str, str] = {}
    chunks: list[list[str]] = []
    parties: list[list[str]] = []
    components = sorted(
        (
            sorted(c, key=lambda i: order.get(i, -1))
            for c in nx.connected_components(graph)
            if len(c) > 1
        ),
        key=lambda c: min(order.get(i, -1) for i in c),
    )
    for component in components:
        parties.append(component)
        anchors = [locked_slot[i] for i in component if i in locked_slot]
        members = [i for i in component if i in order and i not in reserved_ids]
        if not members:
            continue
        if anchors:
            target = anchors[0]
            if free_any[target] >= len(members):
                for member in members:
                    tied[member] = target
                free_any[target] -= len(members)
                free[target] = max(0, free[target] - len(members))
            else:
                report.notes.append(
                    f"party {', '.join(component)}: no free seat left in {target} for "
                    f"{', '.join(members)}"
                )
            continue
        if len(members) > group:
            report.notes.append(
                f"party {', '.join(component)} is larger than a group of {group}: split in order"
            )
        chunks += [members[i : i + group] for i in range(0, len(members), group)]
    chunks = [chunk for chunk in chunks if len(chunk) > 1]
    if not chunks or not open_slots:
        return parties, tied
    matrix = np.full((len(chunks), len(open_slots)), FORBIDDEN)
    for row, chunk in enumerate(chunks):
        for column, slot in enumerate(open_slots):
            if free[slot.key] >= len(chunk):
                matrix[row, column] = sum(
                    costs[i][slot.key] + _jitter(seed, i, slot.key) for i in chunk
                )
    rows, columns = linear_sum_assignment(matrix)
    placed = set()
    for row, column in zip(rows, columns, strict=True):
        if matrix[row, column] >= FORBIDDEN:
            continue
        placed.add(row)
        for member in chunks[row]:
            tied[member] = open_slots[column].key
    for row, chunk in enumerate(chunks):
        if row not in placed:
            report.notes.append(f"party {', '.join(chunk)}: no slot with room for all of them")
    return parties, tied


def _solve(candidates, seats, costs, tied, taken, seed) -> list[tuple[int, int]]:
    """One min-cost assignment of ``candidates`` (rows) to ``seats`` (columns)."""
    slot_keys = sorted({seat.slot.key for seat in seats})
    slot_index = {key: index for index, key in enumerate(slot_keys)}
    base = np.empty((len(candidates), len(slot_keys)))
    for row, signup in enumerate(candidates):
        mine = costs[signup.id]
        base[row] = [mine[key] + _jitter(seed, signup.id, key) for key in slot_keys]
        if signup.id in tied:
            base[row] = np.where(np.array(slot_keys) == tied[signup.id], base[row], FORBIDDEN)
        for key in taken.get(signup.id, ()):
            if key in slot_index:
                base[row, slot_index[key]] = FORBIDDEN
    seat_slot = np.array([slot_index[seat.slot.key] for seat in seats])
    seat_level = np.array([seat.level for seat in seats], dtype=float)
    is_writer = np.array([seat.role == "writer" for seat in seats])
    wants = np.array([{"writer": 1, "editor": 2}.get(s.role or "", 0) for s in candidates])
    role_miss = np.where(is_writer[None, :], (wants == 2)[:, None], (wants == 1)[:, None]).astype(
        float
    )
    matrix = base[:, seat_slot] + ROLE * role_miss + EXTRA_SEAT * seat_level[None, :]
    rows, columns = linear_sum_assignment(matrix)
    return [
        (int(r), int(c)) for r, c in zip(rows, columns, strict=True) if matrix[r, c] < FORBIDDEN
    ]


def _number_writers(placements: list[Placement], ordered: list[Signup]) -> list[Placement]:
    """Writers of a slot in order: locked writers keep their order (their ``position`` > 0), new
    writers (position 0) follow in sign-up order; positions become 1…n."""
    rank = {signup.id: index for index, signup in enumerate(ordered)}
    by_slot: dict[str, list[Placement]] = {}
    for placement in placements:
        by_slot.setdefault(placement.slot, []).append(placement)
    numbered: list[Placement] = []
    for key, group in by_slot.items():
        writers = sorted(
            (p for p in group if p.role == "writer"),
            key=lambda p: (0, p.position, 0) if p.position > 0 else (1, 0, rank[p.student.id]),
        )
        numbered += [p for p in group if p.role == "editor"]
        numbered += [Placement(p.student, key, "writer", n) for n, p in enumerate(writers, 1)]
    return numbered


def _summarise(roster, report, by_id, costs, parties, policy, open_slots) -> None:
    W, E = policy.writers_per_group, policy.editors_per_group
    placed_slots: dict[str, list[Placement]] = {}
    for placement in roster.placements:
        placed_slots.setdefault(placement.student.id, []).append(placement)
    report.placed = len(placed_slots)
    report.reserve = len(roster.reserve)
    for slot in sorted(roster.slots, key=slot_priority):
        writers, editors = roster.counts(slot.key)
        if writers >= W and editors >= E:
            report.full_slots += 1
        elif writers + editors == 0:
            report.empty_slots.append(slot.key)
        else:
            report.understaffed_slots.append(slot.key)
        report.extra_writers += max(0, writers - W)
    for student_id, signup in by_id.items():
        mine = placed_slots.get(student_id, [])
        if not mine:
            continue
        if signup.has_time_preference:
            report.week.asked += 1
            report.week.honoured += any(costs[student_id][p.slot] == 0.0 for p in mine)
        if signup.meetings:
            report.meeting.asked += 1
            report.meeting.honoured += any(p.slot.split("/")[0] in signup.meetings for p in mine)
        if signup.role:
            report.role.asked += 1
            report.role.honoured += any(p.role == signup.role for p in mine)
    where = {sid: {p.slot for p in mine} for sid, mine in placed_slots.items()}
    for party in parties:
        members = [i for i in party if i in where]
        if len(members) < 2:
            continue
        report.parties.asked += 1
        report.parties.honoured += bool(set.intersection(*(where[i] for i in members)))
    if report.empty_slots:
        report.notes.append(
            f"{len(report.empty_slots)} slots have nobody (priority order): "
            + ", ".join(report.empty_slots)
        )
    if report.understaffed_slots:
        report.notes.append("short of a full group: " + ", ".join(report.understaffed_slots))
    del open_slots


def explain(assignment: Assignment, student: str) -> list[str]:
    """Why a student got what they got, in sentences (``--explain``)."""
    students = _known_students(assignment)
    found = find_student(students, student)
    if found is None:
        return [unknown_student(students, student)]
    roster = assignment.roster
    signup = assignment.signups.get(found)
    lines = []
    name = signup.name if signup else roster.students()[found].name
    if signup is not None:
        wishes = []
        if signup.weeks:
            wishes.append("weeks " + ", ".join(map(str, sorted(signup.weeks))))
        if signup.meetings:
            wishes.append("meetings " + ", ".join(sorted(signup.meetings)))
        if signup.role:
            wishes.append(f"role {signup.role}")
        if signup.partners:
            wishes.append("with " + ", ".join(signup.partners))
        lines.append(
            f"{name} ({found}), sheet row {signup.row}: asked for "
            + ("; ".join(wishes) if wishes else "nothing in particular")
        )
    duties = roster.duties_of(found)
    if found in assignment.locked_ids:
        lines.append("placed by an earlier run (locked): kept as it was")
    if not duties:
        reserve = [s.id for s in roster.reserve]
        if found in reserve:
            lines.append(
                f"on the reserve list, position {reserve.index(found) + 1} of {len(reserve)}: "
                "every seat (extra writers included) was taken by students who signed up earlier"
            )
        return lines
    costs = assignment.costs.get(found, {})
    for duty in duties:
        piece = f", video {duty.time_slice}" if duty.time_slice else ""
        extra = " (extra writer)" if duty.extra else ""
        lines.append(
            f"assigned {duty.role}{extra} of {duty.scribe_slot.label}{piece}; due "
            f"{duty.due:%a %d %b %Y %H:%M %Z}; preference cost {costs.get(duty.slot, 0):g}"
        )
        if signup and signup.role and signup.role != duty.role:
            lines.append(
                f"not the preferred role {signup.role}: the {signup.role} seats of that "
                "slot went to students for whom any other slot would cost more"
            )
    if signup is not None and costs and min(costs[d.slot] for d in duties) > 0:
        preferred = [key for key, cost in costs.items() if cost == 0]
        for key in preferred:
            occupants = roster.placements_in(key)
            described = ", ".join(
                f"{p.student.name} ({p.role}, "
                f"cost {assignment.costs.get(p.student.id, {}).get(key, 0):g}"
                + (", locked" if p.student.id in assignment.locked_ids else "")
                + ")"
                for p in occupants
            )
            lines.append(f"preferred slot {key} is full: {described or 'not staffed'}")
        lines.append(
            "moving this student into a preferred slot would push one of its occupants into a "
            "slot that costs them more than this student gains (the solver's optimum)"
        )
    return lines


def assignment_students(
    sheet: SignupSheet | None = None, roster: Roster | None = None
) -> dict[str, Student]:
    """Every student a run knows, by id: the roster's (locked) ones and the sheet's."""
    students = dict(roster.students()) if roster is not None else {}
    for signup in sheet.signups if sheet is not None else []:
        students.setdefault(signup.id, student_of(signup))
    return students


def find_student(students: dict[str, Student], text: str) -> str | None:
    """The id of the student with that id, e-mail or NetID, or that name (case and extra spaces
    ignored); None when there is none."""
    wanted = " ".join(text.lower().split())
    for student_id, student in students.items():
        keys = {student_id, (student.email or "").lower(), (student.netid or "").lower()}
        if wanted in keys or wanted == " ".join(student.name.lower().split()):
            return student_id
    return None


def close_students(students: dict[str, Student], text: str, limit: int = 5) -> list[str]:
    """``Name (id)`` of the students whose name, a word of it, id, e-mail or NetID is close to
    ``text``, closest first."""
    wanted = " ".join(text.lower().split())
    labels: dict[str, list[str]] = {}
    for student_id, student in sorted(students.items()):
        label = f"{student.name} ({student_id})"
        name = " ".join(student.name.lower().split())
        keys = {name, student_id, *name.split(), (student.email or "").lower()}
        keys |= {(student.email or "").lower().split("@")[0], (student.netid or "").lower()}
        for key in keys - {""}:
            labels.setdefault(key, []).append(label)
    found: list[str] = []
    for key in difflib.get_close_matches(wanted, list(labels), n=limit * 4, cutoff=0.6):
        for label in labels[key]:
            if label not in found:
                found.append(label)
    return found[:limit]


def unknown_student(students: dict[str, Student], text: str) -> str:
    """The message for a student who is neither in the sheet nor in the roster."""
    close = close_students(students, text)
    matches = "close matches: " + "; ".join(close) if close else "no close match"
    return f"no student named/with id {text!r} in the sheet or the roster ({matches})"


def _known_students(assignment: Assignment) -> dict[str, Student]:
    students = assignment_students(roster=assignment.roster)
    for student_id, signup in assignment.signups.items():
        students.setdefault(student_id, student_of(signup))
    return students
