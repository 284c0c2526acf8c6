"""The course calendar as an ``.ics`` file (adapter until ``dlcourse.course.calendar`` ships an
ICS writer of its own; then this delegates to it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dlcourse.course import Course


def calendar_ics(course: Course, calendar: Any, base_url: str) -> bytes:
    from dlcourse.course import calendar as calendar_module

    for name in ("to_ics", "write_ics", "calendar_to_ics", "ics_bytes"):
        writer = getattr(calendar_module, name, None)
        if callable(writer):
            try:
                value = writer(calendar)
            except TypeError:
                continue
            return value if isinstance(value, bytes) else str(value).encode()
    return _own_ics(course, calendar)


def _own_ics(course: Course, calendar: Any) -> bytes:
    from icalendar import Calendar, Event

    ics = Calendar()
    ics.add("prodid", "-//dlcourse//site//EN")
    ics.add("version", "2.0")
    ics.add("x-wr-calname", f"{course.course.code} {course.course.term}")
    ics.add("x-wr-timezone", course.schedule.timezone)
    code = course.course.code.replace(" ", "").lower()
    for meeting in calendar.meetings:
        event = Event()
        event.add("uid", f"{code}-{meeting.date.isoformat()}-{meeting.pattern.id}@dlcourse")
        event.add("summary", f"{course.course.code}: {meeting.title} (week {meeting.week})")
        if meeting.start is not None:
            event.add("dtstart", meeting.start)
            event.add("dtend", meeting.end)
        else:
            event.add("dtstart", meeting.date)
            event.add("dtend", meeting.date + dt.timedelta(days=1))
        if meeting.lecturer:
            event.add("description", meeting.lecturer)
        event.add("dtstamp", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        ics.add_component(event)
    for deadline in calendar.deadlines:
        event = Event()
        event.add("uid", f"{code}-{deadline.id}-due@dlcourse")
        event.add("summary", f"{course.course.code}: {deadline.title} due")
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due)
        event.add("dtstamp", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        ics.add_component(event)
    return ics.to_ical()
