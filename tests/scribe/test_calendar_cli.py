"""``dlcourse scribe calendar`` (per student) and ``dlcourse calendar`` through the CLI: each
student's .ics holds exactly that student's due dates — wall-clock 23:59 in the course zone on
both sides of the daylight-saving change of 8 March 2020 — checked against the roster."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.scribe.sample import generate_signups_csv

runner = CliRunner()
ZONE = ZoneInfo("America/New_York")
DST = dt.datetime(2020, 3, 8, 7, 0, tzinfo=dt.UTC)  # 2:00 EST → 3:00 EDT


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def expected_due(meeting_date: str) -> dt.datetime:
    """The course's policy, written independently: 7 days after the meeting, 23:59 local."""
    day = dt.date.fromisoformat(meeting_date) + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=ZONE)


@pytest.fixture
def roster(course_dir: Path, calendar) -> dict[str, set[tuple[str, str, dt.datetime]]]:
    """A small class (70 students, up to 2 duties each) assigned through the CLI; returns each
    student's duties (slot, role, due) as the roster lists them."""
    sheet = course_dir / "signups.csv"
    sheet.write_text(generate_signups_csv(70, calendar, seed=2), encoding="utf-8")
    result = run("scribe", "assign", sheet, "--course", course_dir, "--max-duties", "2")
    assert result.exit_code == 0, result.output
    duties: dict[str, set[tuple[str, str, dt.datetime]]] = defaultdict(set)
    with (course_dir / "scribe" / "roster.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            if row["student_id"]:
                due = expected_due(row["date"])
                assert dt.datetime.fromisoformat(row["due"]) == due
                duties[row["student_id"]].add((row["slot"], row["role"], due))
    return dict(duties)


def events_of(path: Path) -> set[tuple[str, str, dt.datetime]]:
    parsed = Calendar.from_ical(path.read_bytes())
    found = set()
    for event in parsed.walk("VEVENT"):
        uid = re.fullmatch(r"scribe-(\d\d-\d)-(writer|editor)-(.+)@dlcourse", str(event["uid"]))
        assert uid is not None, event["uid"]
        slot, role = uid[1], uid[2]
        start = event.decoded("dtstart")
        assert event["dtstart"].params["TZID"] == "America/New_York"
        assert event.decoded("dtend") == start  # a deadline, not a meeting
        assert f"({role})" in str(event["summary"]) and slot in str(event["summary"])
        found.add((slot, role, start))
    return found


@pytest.mark.slow
def test_each_students_calendar_holds_exactly_their_due_dates(course_dir: Path, roster) -> None:
    out = course_dir / "calendars"
    result = run("scribe", "calendar", "--course", course_dir, "--per-student", "--out", out)
    assert result.exit_code == 0, result.output
    files = {p.name: p for p in out.glob("*.ics")}
    assert set(files) == {f"{s.replace('@', '_at_')}.ics" for s in roster}
    assert any(len(duties) == 2 for duties in roster.values())  # some have two duties
    across = 0
    for student, duties in roster.items():
        events = events_of(files[f"{student.replace('@', '_at_')}.ics"])
        assert events == duties, student  # the same set: nobody else's, none missing
        for _slot, _role, due in events:
            local = due.astimezone(ZONE)
            assert (local.hour, local.minute) == (23, 59)
            offset = -4 if due > DST else -5
            assert local.utcoffset() == dt.timedelta(hours=offset)
        if {due > DST for _s, _r, due in events} == {True, False}:
            across += 1
    assert across  # at least one student has a due date on each side of the change


@pytest.mark.slow
def test_one_student_by_email_or_netid_and_the_zone_definition(course_dir: Path, roster) -> None:
    student = next(s for s, d in roster.items() if {due > DST for *_, due in d} == {True, False})
    target = course_dir / "one.ics"
    result = run("scribe", "calendar", "--course", course_dir, "-s", student.upper(), "-o", target)
    assert result.exit_code == 0, result.output
    assert events_of(target) == roster[student]
    text = target.read_bytes().decode()
    after = max(due for *_, due in roster[student])
    assert f"DTSTART;TZID=America/New_York:{after:%Y%m%dT235900}" in text.replace("\r\n ", "")
    # the file carries the zone's rules (calendar apps without a zone database use them):
    # summer time starts at 2020-03-08 03:00 local
    zone = Calendar.from_ical(target.read_bytes()).walk("VTIMEZONE")
    assert len(zone) == 1 and str(zone[0]["tzid"]) == "America/New_York"
    starts = set()
    for daylight in zone[0].walk("DAYLIGHT"):
        rdates = daylight.get("rdate", [])
        for group in rdates if isinstance(rdates, list) else [rdates]:
            starts |= {d.dt.replace(tzinfo=None) for d in group.dts}
    assert dt.datetime(2020, 3, 8, 3, 0) in starts

    other = next(s for s in roster if s != student)
    folder = course_dir / "two"
    result = run(
        "scribe", "calendar", "--course", course_dir, "-s", student, "-s", other, "-o", folder
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{s.replace('@', '_at_')}.ics" for s in (student, other)
    )
    assert events_of(folder / f"{other.replace('@', '_at_')}.ics") == roster[other]
    result = run("scribe", "calendar", "--course", course_dir, "-s", "nobody@nyu.edu")
    assert result.exit_code == 2 and "not in the roster" in result.output


def test_course_calendar_keeps_local_times_across_the_change(tmp_path: Path, calendar) -> None:
    out = tmp_path / "course.ics"
    result = run("calendar", "--out", out)
    assert result.exit_code == 0, result.output
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    meetings = {m.slot: m for m in calendar.meetings}
    seen = 0
    for event in events:
        uid = str(event["uid"])
        start = event.decoded("dtstart")
        if uid.startswith("meeting-"):
            slot = uid.split("-")[1] + "-" + uid.split("-")[2]
            local = meetings[slot].start
            if local is None:  # a meeting without a time is an all-day event on its date
                assert start == meetings[slot].date
            else:
                assert start == local and start.astimezone(ZONE).time() == local.time()
                assert start.utcoffset() == dt.timedelta(hours=-4 if start > DST else -5)
            seen += 1
        elif uid.startswith("scribe-due-"):
            slot = uid.split("-")[2] + "-" + uid.split("-")[3]
            assert start == expected_due(meetings[slot].date.isoformat())
            seen += 1
    assert seen == 80
    # the week of the change: Monday 2 March (EST) and Monday 9 March (EDT) both at 16:55
    week6 = [e.decoded("dtstart") for e in events if str(e["uid"]).startswith("meeting-06-1-")]
    week7 = [e.decoded("dtstart") for e in events if str(e["uid"]).startswith("meeting-07-1-")]
    assert week6[0].astimezone(dt.UTC).time() == dt.time(21, 55)
    assert week7[0].astimezone(dt.UTC).time() == dt.time(20, 55)
