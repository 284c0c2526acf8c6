"""The weekly pattern of a course expanded into dated meetings in the course time zone.

Teaching weeks are the calendar weeks (Monday to Sunday) from the term start to the term end
that hold at least one meeting once days off are removed: a holiday removes one meeting (week 4
of spring 2020 keeps only its practicum), a break that removes every meeting removes the week
and the numbering skips it. Within a week, meetings are numbered in time order; that number is
the ``K`` of the week's note files ``NN-K.md``.

Times are built as wall-clock times in the course zone (``zoneinfo``), so a meeting after a
daylight-saving change keeps its local time and moves in UTC, as the class did.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from dlcourse.course.model import WEEKDAYS, Course, DayOff, MeetingPattern


@dataclass(frozen=True)
class Meeting:
    """One dated class meeting."""

    week: int
    part: int  # K of the note file NN-K.md: position of the meeting within its week
    pattern: MeetingPattern
    date: dt.date
    start: dt.datetime | None  # aware, course zone; None for an all-day meeting
    end: dt.datetime | None
    lecturer: str | None
    video_id: str | None
    topics: tuple[str, ...]
    scribe_due: dt.datetime  # aware, course zone
    scribe_groups: int

    @property
    def kind(self) -> str:
        return self.pattern.kind

    @property
    def title(self) -> str:
        return self.pattern.title

    @property
    def all_day(self) -> bool:
        return self.start is None

    @property
    def slot(self) -> str:
        """The note's name without extension, e.g. ``01-2`` (week 1, part 2)."""
        return f"{self.week:02d}-{self.part}"

    @property
    def lang_ref(self) -> str:
        return f"ch.{self.slot}"

    def video_url(self, seconds: int | None = None) -> str | None:
        if self.video_id is None:
            return None
        url = f"https://www.youtube.com/watch?v={self.video_id}"
        return f"{url}&t={seconds}s" if seconds is not None else url


@dataclass(frozen=True)
class Deadline:
    """A homework deadline: hard (no late submissions) unless the policy allows late work."""

    id: str
    title: str
    release: dt.datetime
    due: dt.datetime
    approximate: bool
    late_allowed: bool


@dataclass(frozen=True)
class CancelledMeeting:
    """A meeting of the weekly pattern that a day off removes from a week that still meets
    (spring 2020's Presidents' Day lecture): the schedule names the day off in that week."""

    week: int
    date: dt.date
    pattern: MeetingPattern
    reason: str  # the day off's reason, from course.toml

    @property
    def title(self) -> str:
        return self.pattern.title


@dataclass(frozen=True)
class WeekOff:
    """A calendar week of the term whose every meeting a day off removed (spring 2020's spring
    break): no teaching week, so the numbering skips it; the schedule shows it between weeks."""

    after_week: int  # the last teaching week before it (0 when the term opens with it)
    monday: dt.date
    day_off: DayOff


@dataclass(frozen=True)
class CourseCalendar:
    course: Course
    meetings: list[Meeting]
    deadlines: list[Deadline]
    unscheduled_weeks: list[int] = field(default_factory=list)  # weeks in toml with no dates
    cancelled: list[CancelledMeeting] = field(default_factory=list)  # in teaching weeks only
    weeks_off: list[WeekOff] = field(default_factory=list)

    def week_numbers(self) -> list[int]:
        return sorted({meeting.week for meeting in self.meetings})

    def in_week(self, week: int) -> list[Meeting]:
        return [meeting for meeting in self.meetings if meeting.week == week]

    def cancelled_in_week(self, week: int) -> list[CancelledMeeting]:
        return [meeting for meeting in self.cancelled if meeting.week == week]

    def meeting(self, week: int, part: int) -> Meeting | None:
        return next((m for m in self.meetings if m.week == week and m.part == part), None)

    def by_slot(self, slot: str) -> Meeting | None:
        return next((m for m in self.meetings if m.slot == slot), None)


def localize(value: dt.datetime, course: Course) -> dt.datetime:
    """A datetime from course.toml: naive means wall-clock time in the course zone."""
    if value.tzinfo is None:
        return value.replace(tzinfo=course.tz)
    return value.astimezone(course.tz)


def scribe_groups(pattern: MeetingPattern, course: Course) -> int:
    """Scribe groups for one meeting: one per hour of class (50 minutes by default).

    A meeting without times falls back to the policy's per-lab or per-lecture number."""
    policy = course.scribe
    if pattern.minutes is not None:
        return max(1, math.ceil(pattern.minutes / policy.minutes_per_hour - 0.1))
    return policy.groups_per_lab if pattern.kind == "lab" else policy.groups_per_lecture


def build_calendar(course: Course) -> CourseCalendar:
    schedule = course.schedule
    zone = course.tz
    policy = course.scribe
    weekday_index = {name: index for index, name in enumerate(WEEKDAYS)}
    patterns = sorted(
        schedule.meetings,
        key=lambda p: (weekday_index[p.weekday], p.start or dt.time(0, 0), p.id),
    )
    meetings: list[Meeting] = []
    cancelled: list[CancelledMeeting] = []
    weeks_off: list[WeekOff] = []
    monday = schedule.term_start - dt.timedelta(days=schedule.term_start.weekday())
    week_number = 0
    while monday <= schedule.term_end:
        held, off_days = [], []
        for pattern in patterns:
            day = monday + dt.timedelta(days=weekday_index[pattern.weekday])
            if not schedule.term_start <= day <= schedule.term_end:
                continue
            day_off = next((off for off in schedule.days_off if off.covers(day)), None)
            if day_off is not None:
                off_days.append((pattern, day, day_off))
                continue
            held.append((pattern, day))
        if off_days and not held:
            reasons: list[DayOff] = []  # one per day off, in time order (models are unhashable)
            for _, _, day_off in off_days:
                if all(day_off is not seen for seen in reasons):
                    reasons.append(day_off)
            weeks_off.extend(WeekOff(week_number, monday, day_off) for day_off in reasons)
        if held:
            week_number += 1
            cancelled.extend(
                CancelledMeeting(week_number, day, pattern, day_off.reason)
                for pattern, day, day_off in off_days
            )
            week = course.week(week_number)
            skipped = set(week.skip) if week else set()
            part = 0
            for pattern, day in held:
                if pattern.id in skipped:
                    continue
                part += 1
                meetings.append(_dated(course, week_number, part, pattern, day))
        monday += dt.timedelta(days=7)
    deadlines = [
        Deadline(
            id=item.id,
            title=item.title,
            release=localize(item.release, course),
            due=localize(item.due, course),
            approximate=item.due_is_approximate,
            late_allowed=course.homework_policy.late_submissions == "allowed",
        )
        for item in sorted(course.homework, key=lambda h: h.due)
    ]
    scheduled = {meeting.week for meeting in meetings}
    unscheduled = sorted(week.number for week in course.weeks if week.number not in scheduled)
    del zone, policy
    return CourseCalendar(course, meetings, deadlines, unscheduled, cancelled, weeks_off)


def _dated(
    course: Course, week_number: int, part: int, pattern: MeetingPattern, day: dt.date
) -> Meeting:
    zone = course.tz
    week = course.week(week_number)
    start = end = None
    if pattern.start is not None and pattern.end is not None:
        start = dt.datetime.combine(day, pattern.start, tzinfo=zone)
        end = dt.datetime.combine(day, pattern.end, tzinfo=zone)
    due_day = day + dt.timedelta(days=course.scribe.due_after_days)
    return Meeting(
        week=week_number,
        part=part,
        pattern=pattern,
        date=day,
        start=start,
        end=end,
        lecturer=(week.lecturers.get(pattern.id) if week else None) or pattern.lecturer,
        video_id=week.videos.get(pattern.id) if week else None,
        topics=tuple(week.topics) if week else (),
        scribe_due=dt.datetime.combine(due_day, course.scribe.due_time, tzinfo=zone),
        scribe_groups=scribe_groups(pattern, course),
    )
