"""The course commands, driven through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from dlcourse import __version__
from dlcourse.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    result = run("init", str(tmp_path / "mycourse"))
    assert result.exit_code == 0, result.output
    return tmp_path / "mycourse"


def test_version_and_help():
    assert run("--version").output.strip() == f"dlcourse {__version__}"
    help_text = run("--help").output
    for command in ("init", "info", "validate", "calendar"):
        assert command in help_text


def test_info_prints_the_seed_facts_of_the_example():
    output = run("info").output
    for fact in (
        "DS-GA 1008",
        "Deep Learning (with PyTorch)",
        "Yann LeCun",
        "Alfredo Canziani",
        "Mark Goldstein",
        "Serkan Karakulak",
        "16:55–17:45",
        "17:45–18:35",
        "America/New_York",
        "±10%",
        "+5%",
        "60%",
        "Mon 27 Jan",
        "2020-01-27",
        "No late submissions",
    ):
        assert fact in output, fact


def test_info_reads_the_toml_not_the_code(course_copy: Path):
    toml = course_copy / "course.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('title = "Deep Learning (with PyTorch)"', 'title = "Energy Models 101"')
    text = text.replace("start = 16:55:00\nend = 17:45:00", "start = 09:00:00\nend = 09:50:00")
    toml.write_text(text, encoding="utf-8")
    output = run("info", str(course_copy)).output
    assert "Energy Models 101" in output and "Deep Learning (with PyTorch)" not in output
    assert "09:00–09:50" in output


def test_info_prints_bracketed_course_text_as_written(course_copy: Path):
    # Rich would read "[see the FAQ]" as a style (dropping it) and "[/]" as a closing tag
    toml = course_copy / "course.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        'title = "Deep Learning (with PyTorch)"', 'title = "Deep Learning [see the FAQ] a[/]b"'
    )
    toml.write_text(text, encoding="utf-8")
    result = run("info", str(course_copy))
    assert result.exit_code == 0, result.output
    assert "Deep Learning [see the FAQ] a[/]b" in result.output


def test_validate_ok_and_error_exit_codes(course_copy: Path):
    ok = run("validate", str(course_copy))
    assert ok.exit_code == 0 and "40 meetings in 14 weeks" in ok.output
    toml = course_copy / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('weekday = "tuesday"', 'weekday = "tue"'),
        encoding="utf-8",
    )
    bad = run("validate", str(course_copy))
    assert bad.exit_code == 2
    assert "course.toml:" in bad.output and "schedule.meetings[2].weekday" in bad.output
    assert "expected one of" in bad.output


def test_init_refuses_a_non_empty_folder(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    result = run("init", str(tmp_path / "taken"))
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["keep.txt"]


def test_calendar_command_writes_a_parseable_ics(tmp_path: Path):
    out = tmp_path / "out" / "course.ics"
    result = run("calendar", "--out", str(out))
    assert result.exit_code == 0, result.output
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert len(events) == 40 + 40 + 3  # meetings, scribe due dates, homework
    only_meetings = tmp_path / "m.ics"
    run("calendar", "--out", str(only_meetings), "--no-scribe", "--no-homework")
    assert len(Calendar.from_ical(only_meetings.read_bytes()).walk("VEVENT")) == 40
