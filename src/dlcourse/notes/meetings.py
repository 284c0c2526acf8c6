"""Which class meeting a note ``NN-K.md`` belongs to, from the course calendar."""

from __future__ import annotations

from dlcourse.course import Course
from dlcourse.course.calendar import CourseCalendar, Meeting, build_calendar

_CALENDARS: dict[int, tuple[Course, CourseCalendar]] = {}


def _calendar(course: Course) -> CourseCalendar:
    cached = _CALENDARS.get(id(course))
    if cached is not None and cached[0] is course:
        return cached[1]
    calendar = build_calendar(course)
    if len(_CALENDARS) > 16:
        _CALENDARS.clear()
    _CALENDARS[id(course)] = (course, calendar)
    return calendar


def meeting_for(course: Course, week: int, part: int) -> Meeting | None:
    """The calendar meeting of week ``week``, part ``part`` (``None`` when the course has none).

    The meeting has ``kind`` ('lecture' | 'lab'), ``video_id``, ``pattern.video_continues``,
    ``scribe_due`` and ``date``."""
    try:
        calendar = _calendar(course)
    except Exception:  # a course without a usable calendar: callers fall back to the layout
        return None
    return calendar.meeting(week, part)


def week_meetings(course: Course, week: int) -> list[Meeting]:
    try:
        return list(_calendar(course).in_week(week))
    except Exception:
        return []
