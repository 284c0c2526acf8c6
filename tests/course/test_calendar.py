"""The spring 2020 calendar: dated meetings, DST, days off, due dates, and the .ics round trip."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from dlcourse.course import load_course, parse_course
from dlcourse.course.calendar import build_calendar
from dlcourse.course.ical_export import course_ics

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def calendar():
    return build_calendar(load_course())


def test_first_lecture_is_2155_utc(calendar):
    first = calendar.meetings[0]
    assert first.slot == "01-1"
    assert first.start.astimezone(UTC) == dt.datetime(2020, 1, 27, 21, 55, tzinfo=UTC)
    assert first.end.astimezone(UTC) == dt.datetime(2020, 1, 27, 22, 45, tzinfo=UTC)
    assert first.start.tzname() == "EST"


def test_lecture_after_the_march_change_is_2055_utc(calendar):
    after = [m for m in calendar.meetings if m.kind == "lecture" and m.date > dt.date(2020, 3, 8)]
    assert after, "the term crosses the March DST change"
    for meeting in after:
        assert meeting.start.tzname() == "EDT"
        assert meeting.start.time() in (dt.time(16, 55), dt.time(17, 45))
    first_after = after[0]
    assert first_after.date == dt.date(2020, 3, 9)
    assert first_after.start.astimezone(UTC) == dt.datetime(2020, 3, 9, 20, 55, tzinfo=UTC)


def test_weeks_skip_spring_break_and_holidays(calendar):
    weeks = calendar.week_numbers()
    assert weeks == list(range(1, 15))
    # Presidents' Day removes the lecture; week 4 keeps its practicum as part 1 (04-1.md)
    week4 = calendar.in_week(4)
    assert [(m.slot, m.kind, m.date) for m in week4] == [("04-1", "lab", dt.date(2020, 2, 18))]
    # no meeting during spring break; week 8 starts on 23 March
    assert not [
        m for m in calendar.meetings if dt.date(2020, 3, 16) <= m.date <= dt.date(2020, 3, 22)
    ]
    assert calendar.in_week(8)[0].date == dt.date(2020, 3, 23)
    assert calendar.meetings[-1].date == dt.date(2020, 5, 5)


def test_a_holiday_in_a_teaching_week_is_kept_with_its_reason(calendar):
    """The schedule names the day off where the class was: Presidents' Day removed both hours of
    week 4's lecture; spring break removed a whole week, which has no row (and no number)."""
    cancelled = [(c.week, c.date, c.pattern.id, c.reason) for c in calendar.cancelled]
    reason = "Presidents' Day (no lecture)"
    assert cancelled == [
        (4, dt.date(2020, 2, 17), "lecture-a", reason),
        (4, dt.date(2020, 2, 17), "lecture-b", reason),
    ]
    assert calendar.cancelled_in_week(4)[0].title == "Lecture part A"
    assert calendar.cancelled_in_week(8) == []
    # the break that removed a whole week is kept apart, after the teaching week before it
    assert [(w.after_week, w.monday, w.day_off.reason) for w in calendar.weeks_off] == [
        (7, dt.date(2020, 3, 16), "Spring break")
    ]


def test_parts_follow_the_note_layout(calendar):
    week1 = calendar.in_week(1)
    assert [(m.slot, m.title) for m in week1] == [
        ("01-1", "Lecture part A"),
        ("01-2", "Lecture part B"),
        ("01-3", "Practicum"),
    ]
    assert week1[2].all_day and week1[2].start is None


def test_each_hour_is_one_scribe_group_two_per_lecture(calendar):
    course = calendar.course
    for week in calendar.week_numbers():
        meetings = calendar.in_week(week)
        lecture_groups = sum(m.scribe_groups for m in meetings if m.kind == "lecture")
        assert lecture_groups in (0, course.scribe.groups_per_lecture)
        assert all(
            m.scribe_groups == course.scribe.groups_per_lab for m in meetings if m.kind == "lab"
        )


def test_guest_lecturers_and_videos(calendar):
    assert calendar.by_slot("05-1").lecturer == "Aaron Defazio"
    assert calendar.by_slot("05-3").lecturer == "Alfredo Canziani"
    assert calendar.by_slot("13-2").lecturer == "Xavier Bresson"
    assert calendar.by_slot("02-3").video_url(150) == (
        "https://www.youtube.com/watch?v=WAn6lip5oWk&t=150s"
    )


def test_scribe_due_a_week_after_each_meeting_local_time(calendar):
    policy = calendar.course.scribe
    for meeting in calendar.meetings:
        assert meeting.scribe_due.date() - meeting.date == dt.timedelta(days=7)
        assert meeting.scribe_due.timetz().replace(tzinfo=None) == policy.due_time
        assert meeting.scribe_due.tzinfo == NEW_YORK
    # a meeting before the change, due after it: the wall-clock time stays 23:59
    straddling = calendar.by_slot("06-1")
    assert straddling.date == dt.date(2020, 3, 2)
    assert straddling.scribe_due.tzname() == "EDT"
    assert straddling.scribe_due.astimezone(UTC) == dt.datetime(2020, 3, 10, 3, 59, tzinfo=UTC)


def test_homework_deadlines_are_local_and_hard(calendar):
    hw1 = calendar.deadlines[0]
    assert hw1.due == dt.datetime(2020, 2, 17, 23, 59, tzinfo=NEW_YORK)
    assert not hw1.late_allowed
    assert [d.id for d in calendar.deadlines] == ["hw1", "hw2", "hw3"]


def test_changing_the_toml_changes_the_calendar():
    source = load_course().config_path.read_text(encoding="utf-8")
    source = source.replace("due_after_days = 7", "due_after_days = 3")
    source = source.replace('timezone = "America/New_York"', 'timezone = "Europe/Paris"')
    course = parse_course(source)
    first = build_calendar(course).meetings[0]
    assert first.start.astimezone(UTC) == dt.datetime(2020, 1, 27, 15, 55, tzinfo=UTC)
    assert first.scribe_due.date() == dt.date(2020, 1, 30)


def test_ics_round_trip_keeps_the_instants(calendar):
    data = course_ics(calendar, stamp=dt.datetime(2020, 1, 1, tzinfo=UTC))
    parsed = Calendar.from_ical(data)
    assert parsed.walk("VTIMEZONE"), "events with TZID need a VTIMEZONE block"
    by_slot = {}
    for event in parsed.walk("VEVENT"):
        uid = str(event["UID"])
        if uid.startswith("meeting-"):
            _kind, week, part, _digest = uid.split("@")[0].split("-")
            by_slot[f"{week}-{part}"] = event
    assert len(by_slot) == len(calendar.meetings)
    for meeting in calendar.meetings:
        event = by_slot[meeting.slot]
        start = event["DTSTART"].dt
        if meeting.all_day:
            assert start == meeting.date and not isinstance(start, dt.datetime)
        else:
            assert start.astimezone(UTC) == meeting.start.astimezone(UTC)
            assert event["DTSTART"].params["TZID"] == "America/New_York"
            assert event["DTEND"].dt.astimezone(UTC) == meeting.end.astimezone(UTC)
    homework = [e for e in parsed.walk("VEVENT") if str(e["UID"]).startswith("homework-")]
    assert sorted(e["DTSTART"].dt.astimezone(UTC) for e in homework) == [
        d.due.astimezone(UTC) for d in calendar.deadlines
    ]
    assert all("DTSTAMP" in e for e in parsed.walk("VEVENT"))


def test_ics_is_stable_for_a_fixed_stamp(calendar):
    stamp = dt.datetime(2020, 1, 1, tzinfo=UTC)
    assert course_ics(calendar, stamp=stamp) == course_ics(calendar, stamp=stamp)
