"""iCalendar (RFC 5545) export of a course calendar, for Google Calendar, Outlook and friends.

Timed events carry the course zone (``TZID`` plus a ``VTIMEZONE`` block), so clients show them at
the right instant on both sides of a daylight-saving change; meetings without a time become
all-day events. UIDs are stable across exports so a re-import updates rather than duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from icalendar import Calendar, Event

from dlcourse.course.calendar import CourseCalendar, Deadline, Meeting


def _uid(course_code: str, term: str, kind: str, key: str) -> str:
    digest = hashlib.sha1(f"{course_code}|{term}|{kind}|{key}".encode()).hexdigest()[:16]
    return f"{kind}-{key}-{digest}@dlcourse"


def _stamped(event: Event, stamp: dt.datetime | None) -> Event:
    # DTSTAMP is required by RFC 5545; callers that want byte-stable files pass a fixed one.
    event.add("dtstamp", stamp or dt.datetime.now(dt.UTC).replace(microsecond=0))
    return event


def meeting_event(meeting: Meeting, code: str, term: str) -> Event:
    event = Event()
    event.add("uid", _uid(code, term, "meeting", meeting.slot))
    summary = f"{code} week {meeting.week}: {meeting.title}"
    event.add("summary", summary)
    if meeting.start is not None and meeting.end is not None:
        event.add("dtstart", meeting.start)
        event.add("dtend", meeting.end)
    else:
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
    lines = [*meeting.topics]
    if meeting.lecturer:
        lines.append(f"Lecturer: {meeting.lecturer}")
    if meeting.video_id:
        lines.append(f"Video: {meeting.video_url()}")
    lines.append(f"Scribe notes due: {meeting.scribe_due:%a %d %b %Y %H:%M %Z}")
    event.add("description", "\n".join(lines))
    event.add("categories", [meeting.kind])
    return event


def scribe_due_event(meeting: Meeting, code: str, term: str, who: str | None = None) -> Event:
    event = Event()
    key = meeting.slot + (f"-{who}" if who else "")
    event.add("uid", _uid(code, term, "scribe-due", key))
    event.add("summary", f"{code}: scribe notes for {meeting.slot} ({meeting.title}) due")
    event.add("dtstart", meeting.scribe_due)
    event.add("dtend", meeting.scribe_due)
    event.add("categories", ["scribe"])
    return event


def deadline_event(deadline: Deadline, code: str, term: str) -> Event:
    event = Event()
    event.add("uid", _uid(code, term, "homework", deadline.id))
    approx = " (approximate)" if deadline.approximate else ""
    event.add("summary", f"{code}: {deadline.title} due{approx}")
    event.add("dtstart", deadline.due)
    event.add("dtend", deadline.due)
    policy = "Late submissions accepted." if deadline.late_allowed else "No late submissions."
    event.add("description", policy)
    event.add("categories", ["homework"])
    return event


def stamped(event: Event, stamp: dt.datetime | None = None) -> Event:
    """Public alias for parts that build their own calendars (per-student scribe duties)."""
    return _stamped(event, stamp)


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//dlcourse//course calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def finish(calendar: Calendar) -> bytes:
    """Add the VTIMEZONE blocks the events refer to and serialise."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


def course_ics(
    calendar: CourseCalendar,
    *,
    meetings: bool = True,
    scribe_due: bool = True,
    homework: bool = True,
    only: Iterable[Meeting] | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The whole course as one .ics: meetings, scribe due dates and homework deadlines."""
    info = calendar.course.course
    result = new_calendar(f"{info.code} {info.title} ({info.term})")
    chosen = list(only) if only is not None else calendar.meetings
    for meeting in chosen:
        if meetings:
            result.add_component(_stamped(meeting_event(meeting, info.code, info.term), stamp))
        if scribe_due:
            event = scribe_due_event(meeting, info.code, info.term)
            result.add_component(_stamped(event, stamp))
    if homework:
        for deadline in calendar.deadlines:
            event = deadline_event(deadline, info.code, info.term)
            result.add_component(_stamped(event, stamp))
    return finish(result)
