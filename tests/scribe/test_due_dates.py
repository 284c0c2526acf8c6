from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from dlcourse.scribe import assign, class_calendar, student_calendar
from dlcourse.scribe.roster_files import format_due

STAMP = dt.datetime(2020, 1, 20, tzinfo=dt.UTC)


def test_due_dates_keep_local_time_across_the_dst_change(slots):
    by_key = {slot.key: slot for slot in slots}
    before, across = by_key["05-1"].due, by_key["06-1"].due  # 24 Feb → 2 Mar; DST on 8 Mar
    assert (before.hour, before.minute) == (across.hour, across.minute) == (23, 59)
    assert before.utcoffset() == dt.timedelta(hours=-5)
    assert across.date() == dt.date(2020, 3, 9) and across.utcoffset() == dt.timedelta(hours=-4)
    assert format_due(across) == "Mon 9 Mar 2020 23:59 EDT"
    start = by_key["06-1"].meeting.start
    # 7 days 7 h 04 min of wall-clock time, one hour less in real time across the change
    assert across.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(
        days=7, hours=6, minutes=4
    )


def test_student_calendar_has_the_due_date_in_the_course_zone(course, slots, make_sheet):
    roster = assign(slots, make_sheet(160, seed=1), course.scribe).roster
    student = roster.placements_in("06-1")[0].student
    ics = student_calendar(roster, student.id, STAMP).to_ical()
    parsed = Calendar.from_ical(ics)
    (event,) = [c for c in parsed.walk("VEVENT")]
    start = event.decoded("dtstart")
    assert start.astimezone(dt.UTC) == dt.datetime(2020, 3, 10, 3, 59, tzinfo=dt.UTC)
    assert b"TZID=America/New_York" in ics and b"BEGIN:VTIMEZONE" in ics
    assert b"BEGIN:VALARM" in ics
    assert str(event["uid"]).endswith("@dlcourse")


def test_class_calendar_has_one_event_per_staffed_slot(course, slots, make_sheet):
    roster = assign(slots, make_sheet(160, seed=1), course.scribe).roster
    parsed = Calendar.from_ical(class_calendar(roster, STAMP).to_ical())
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 40
    assert len({str(e["uid"]) for e in events}) == 40
