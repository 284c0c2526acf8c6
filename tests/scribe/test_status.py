from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.course.calendar import build_calendar
from dlcourse.scribe import (
    CreditPolicy,
    StatusReport,
    assign,
    duty_credit,
    note_skeleton,
    scribe_slots,
    scribe_status,
    status_csv,
)
from dlcourse.scribe.gitdates import last_commit_time

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
NY = dt.timezone(dt.timedelta(hours=-5))


def git(repo: Path, *args: str, when: str | None = None) -> None:
    env = os.environ | {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    if when:
        env |= {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def setup(course_dir, make_sheet):
    course = load_course(course_dir)
    calendar = build_calendar(course)
    slots = scribe_slots(calendar)
    roster = assign(slots, make_sheet(160, seed=3), course.scribe).roster
    git(course_dir, "init", "-q")
    return course, calendar, roster


def write_note(course, calendar, roster, week, part, when, drop_author=False, break_stamp=False):
    from tests.scribe.conftest import fill

    skeleton = note_skeleton(course, calendar.meeting(week, part), roster)
    text = fill(skeleton.text, 300)
    if drop_author:
        text = text.replace(roster.placements_in(skeleton.path.stem)[0].student.name + ", ", "")
        text = text.replace(", " + roster.placements_in(skeleton.path.stem)[0].student.name, "")
    if break_stamp:
        text = text.replace("&t=", "&x=", 1)
    skeleton.path.parent.mkdir(parents=True, exist_ok=True)
    skeleton.path.write_text(text, encoding="utf-8")
    repo = course.root
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"notes {week}-{part}", when=when)
    return skeleton.path


def test_git_commit_time_is_read(setup):
    course, calendar, roster = setup
    path = write_note(course, calendar, roster, 1, 1, "2020-02-01T12:00:00-05:00")
    assert last_commit_time(path) == dt.datetime(2020, 2, 1, 12, tzinfo=NY)
    assert last_commit_time(path.with_name("nope.md")) is None


def test_status_joins_roster_files_checks_and_times(setup):
    course, calendar, roster = setup
    write_note(course, calendar, roster, 1, 1, "2020-02-03T23:58:00-05:00")  # just in time
    write_note(course, calendar, roster, 1, 2, "2020-02-04T00:01:00-05:00")  # 2 minutes late
    write_note(course, calendar, roster, 1, 3, "2020-02-01T10:00:00-05:00", drop_author=True)
    write_note(course, calendar, roster, 2, 1, "2020-02-05T10:00:00-05:00", break_stamp=True)
    as_of = dt.datetime(2020, 2, 20, tzinfo=course.tz)
    report = scribe_status(course, roster, as_of)
    slots = {slot.slot: slot for slot in report.slots}
    assert slots["01-1"].state == "complete" and slots["01-1"].on_time
    assert slots["01-1"].checked and slots["01-1"].errors == 0
    assert slots["01-2"].state == "late" and slots["01-2"].on_time is False
    assert slots["01-3"].state == "complete" and len(slots["01-3"].missing_authors) == 1
    assert slots["02-1"].state == "needs-fixes" and slots["02-1"].errors >= 1
    assert slots["02-2"].state == "missing" and not slots["02-2"].present
    assert slots["14-1"].state == "pending"  # not due yet on 20 Feb
    credit = {s.student_id: s for s in report.students}
    member = roster.placements_in("01-1")[0].student.id
    assert credit[member].points == 10 and credit[member].final
    late = roster.placements_in("01-2")[0].student.id
    assert credit[late].points == -5
    dropped = roster.placements_in("01-3")[0].student.id
    assert credit[dropped].duties[0].state == "unattributed" and credit[dropped].points == 0
    absent = roster.placements_in("02-2")[0].student.id
    assert credit[absent].points == -10
    pending = roster.placements_in("14-1")[0].student.id
    assert credit[pending].points == 0 and not credit[pending].final


def test_submitted_at_override_wins_over_git(setup):
    course, calendar, roster = setup
    write_note(course, calendar, roster, 1, 2, "2020-02-10T00:00:00-05:00")
    pr_time = dt.datetime(2020, 2, 3, 20, 0, tzinfo=course.tz)
    report = scribe_status(
        course, roster, dt.datetime(2020, 3, 1, tzinfo=course.tz), overrides={"01-2": pr_time}
    )
    slot = next(s for s in report.slots if s.slot == "01-2")
    assert slot.submitted_source == "override" and slot.on_time and slot.state == "complete"


def test_json_schema_is_stable(setup):
    course, _, roster = setup
    report = scribe_status(course, roster, dt.datetime(2020, 3, 1, tzinfo=course.tz))
    data = json.loads(report.to_json())
    assert data["schema"] == "dlcourse.scribe-status/1"
    assert list(data) == ["schema", "course", "term", "as_of", "policy", "slots", "students"]
    assert list(data["students"][0]) == [
        "student_id",
        "name",
        "email",
        "netid",
        "track",
        "duties",
        "fraction",
        "weight",
        "points",
        "final",
    ]
    assert set(data["slots"][0]) >= {"slot", "due", "present", "errors", "submitted_at", "state"}
    assert StatusReport.model_validate(data) == report
    rows = status_csv(report).splitlines()
    assert rows[0].startswith("slot,week,part,group,due") and len(rows) == 1 + 160


def test_credit_policy_thresholds_are_parameters():
    due = dt.datetime(2020, 2, 3, 23, 59, tzinfo=NY)
    later = due + dt.timedelta(days=30)
    strict = CreditPolicy(late=-1.0, per_error=0.25, max_error_penalty=1.0)
    assert duty_credit(strict, due, due + dt.timedelta(hours=1), 0, True, later)[1] == -1.0
    assert duty_credit(strict, due, due, 3, True, later) == ("needs-fixes", 0.25, True)
    assert duty_credit(CreditPolicy(), due, due + dt.timedelta(days=20), 0, True, later) == (
        "too-late",
        -1.0,
        True,
    )
    assert duty_credit(CreditPolicy(), due, None, 0, True, due - dt.timedelta(days=1)) == (
        "pending",
        0.0,
        False,
    )


def test_a_note_without_a_submission_time_is_undated_not_missing(setup):
    course, calendar, roster = setup
    skeleton = note_skeleton(course, calendar.meeting(1, 1), roster)
    skeleton.path.parent.mkdir(parents=True, exist_ok=True)
    skeleton.path.write_text(skeleton.text, encoding="utf-8")  # never committed
    as_of = dt.datetime(2020, 3, 1, tzinfo=course.tz)
    report = scribe_status(course, roster, as_of, submitted_at=lambda _path: None)
    slot = next(s for s in report.slots if s.slot == "01-1")
    assert slot.present and slot.submitted_at is None and slot.state == "undated"
    member = next(
        s for s in report.students if s.student_id == roster.placements_in("01-1")[0].student.id
    )
    assert member.duties[0].state == "undated" and member.points == 0 and not member.final
    late = dt.datetime(2020, 3, 1, tzinfo=course.tz)  # 26 days after the due time
    report = scribe_status(course, roster, as_of, overrides={"01-1": late})
    assert next(s for s in report.slots if s.slot == "01-1").state == "too-late"
