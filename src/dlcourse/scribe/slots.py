"""Scribe slots and writers' time slices, derived from the course calendar.

A *slot* is one group's duty: one scribed hour of one meeting (``minutes_per_hour`` of class).
A meeting of two hours has two slots; the spring 2020 lectures are two one-hour meetings (parts A
and B), so each has one slot, and the practicum (no time given: all-day) has ``groups_per_lab``.

Time slices: the writers of a slot split its hour into contiguous ranges of whole minutes with no
gaps (boundaries at ``round(k * length / writers)``). Minutes are also given *in the video*: a
meeting whose recording continues another one (``video_continues``, e.g. part B continues part A)
starts at the sum of the lengths of the meetings before it in that recording, so part B's first
writer starts at minute 50 of the video, as the 2020 notes do (01-2 starts at 2965 s).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dlcourse.course.calendar import CourseCalendar, Meeting
from dlcourse.util.text import clock

Role = str  # "writer" | "editor"
ROLES: tuple[Role, ...] = ("writer", "editor")


@dataclass(frozen=True)
class ScribeSlot:
    """One group's duty: group ``group`` (1-based) of a meeting."""

    meeting: Meeting
    group: int
    groups: int  # groups of this meeting
    minutes: int  # length of the scribed hour
    video_offset: int  # minutes into the video where this slot's hour starts

    @property
    def key(self) -> str:
        """``01-2`` for a meeting with one group, ``01-2/2`` for the second group of a meeting."""
        slot = self.meeting.slot
        return slot if self.groups == 1 else f"{slot}/{self.group}"

    @property
    def week(self) -> int:
        return self.meeting.week

    @property
    def part(self) -> int:
        return self.meeting.part

    @property
    def kind(self) -> str:
        return self.meeting.kind

    @property
    def due(self) -> dt.datetime:
        return self.meeting.scribe_due

    @property
    def label(self) -> str:
        group = f", group {self.group}" if self.groups > 1 else ""
        return f"week {self.week} {self.meeting.title}{group} ({self.meeting.slot})"

    def slices(self, writers: int) -> list[TimeSlice]:
        """The writers' time slices, in order."""
        return writer_slices(self.minutes, writers, self.video_offset)


@dataclass(frozen=True)
class TimeSlice:
    """Minutes ``start``–``end`` of the slot's hour; ``video_start``/``video_end`` in the video."""

    start: int
    end: int
    video_start: int
    video_end: int

    def __str__(self) -> str:
        return f"{clock(60 * self.video_start)}–{clock(60 * self.video_end)}"


def writer_slices(minutes: int, writers: int, offset: int = 0) -> list[TimeSlice]:
    """Split ``minutes`` into ``writers`` contiguous whole-minute ranges that cover it exactly."""
    if writers <= 0:
        return []
    bounds = [(k * minutes * 2 + writers) // (2 * writers) for k in range(writers + 1)]
    return [
        TimeSlice(bounds[k], bounds[k + 1], offset + bounds[k], offset + bounds[k + 1])
        for k in range(writers)
    ]


def meeting_minutes(meeting: Meeting, hour: int) -> int:
    """Length of a meeting in minutes; an all-day meeting counts one scribed hour per group."""
    if meeting.start is not None and meeting.end is not None:
        return int((meeting.end - meeting.start).total_seconds() // 60)
    return hour * meeting.scribe_groups


def video_offset(meeting: Meeting, calendar: CourseCalendar) -> int:
    """Minutes of the same recording before ``meeting`` (0 unless it continues another one)."""
    hour = calendar.course.scribe.minutes_per_hour
    offset = 0
    seen = {meeting.pattern.id}
    current = meeting
    while current.pattern.video_continues is not None:
        previous = next(
            (
                m
                for m in calendar.in_week(current.week)
                if m.pattern.id == current.pattern.video_continues
            ),
            None,
        )
        same_video = previous is not None and (
            previous.video_id is None
            or current.video_id is None
            or previous.video_id == current.video_id
        )
        if previous is None or not same_video or previous.pattern.id in seen:
            break
        seen.add(previous.pattern.id)
        offset += meeting_minutes(previous, hour)
        current = previous
    return offset


def scribe_slots(calendar: CourseCalendar) -> list[ScribeSlot]:
    """Every slot of the term, in calendar order."""
    hour = calendar.course.scribe.minutes_per_hour
    slots = []
    for meeting in calendar.meetings:
        groups = meeting.scribe_groups
        total = meeting_minutes(meeting, hour)
        base = video_offset(meeting, calendar)
        edges = [(g * total * 2 + groups) // (2 * groups) for g in range(groups + 1)]
        for index in range(groups):
            slots.append(
                ScribeSlot(
                    meeting=meeting,
                    group=index + 1,
                    groups=groups,
                    minutes=edges[index + 1] - edges[index],
                    video_offset=base + edges[index],
                )
            )
    return slots


def slot_priority(slot: ScribeSlot) -> tuple[int, int, int, int]:
    """Order in which slots are staffed when the class is too small (documented in scribe.md):
    lecture hours before labs; first hours of every week before second hours; then by week."""
    return (0 if slot.kind == "lecture" else 1, slot.group, slot.part, slot.week)
