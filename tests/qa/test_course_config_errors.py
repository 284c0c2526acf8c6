"""QA regressions: a course.toml mistake is reported as file:line [key] message — what to do,
on one unwrapped line, with exit code 2, by every command that reads the course."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import CourseError, example_course_dir, parse_course

runner = CliRunner()
EXAMPLE = (example_course_dir() / "course.toml").read_text(encoding="utf-8")


def issues_for(old: str, new: str) -> list:
    assert old in EXAMPLE, old
    with pytest.raises(CourseError) as caught:
        parse_course(EXAMPLE.replace(old, new, 1))
    return caught.value.issues


@pytest.fixture
def broken_course(tmp_path: Path):
    def make(old: str, new: str) -> Path:
        folder = tmp_path / "course with spaces"
        result = runner.invoke(app, ["init", "--example", str(folder)])
        assert result.exit_code == 0, result.output
        config = folder / "course.toml"
        text = config.read_text(encoding="utf-8")
        assert old in text, old
        config.write_text(text.replace(old, new, 1), "utf-8")
        return folder

    return make


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "--course", "{dir}"],
        ["info", "--course", "{dir}"],
        ["calendar", "--course", "{dir}", "-o", "{dir}/x.ics"],
        ["build", "--course", "{dir}", "--no-search", "-q"],
        ["notes", "check", "--course", "{dir}"],
        ["scribe", "status", "--course", "{dir}"],
    ],
)
@pytest.mark.slow
def test_every_command_names_the_key_unwrapped_and_exits_2(broken_course, command) -> None:
    # Rich used to read "[scribe.writer_per_group]" as a style tag and drop it, and wrapped the
    # line at 80 columns; the notes commands printed a different format altogether
    folder = broken_course("writers_per_group", "writer_per_group")
    args = [part.replace("{dir}", str(folder)) for part in command]
    result = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert f"{folder / 'course.toml'}:" in lines[0]
    assert "[scribe.writer_per_group] unknown key — remove it or check its spelling" in lines[0]


def test_brackets_in_hints_survive(broken_course) -> None:
    folder = broken_course(
        'videos = { practicum = "OrBEon3VlQg" }', 'videos = { lab = "OrBEon3VlQg" }'
    )
    result = runner.invoke(app, ["validate", "--course", str(folder)])
    assert result.exit_code == 2
    assert "use one of the [[schedule.meetings]] ids: lecture-a, lecture-b, practicum" in (
        result.output
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        ("start = 16:55:00", "start = 16:55", "schedule.meetings.start", "write 16:55:00"),
        ("term_end = 2020-05-05", "term_end = 2020-13-05", "schedule.term_end", "YYYY-MM-DD"),
        ('title = "Deep Learning (with PyTorch)"', "title = Deep", "course.title", "quotes"),
    ],
)
def test_toml_syntax_errors_name_the_key_and_the_fix(old, new, key, hint) -> None:
    (issue,) = issues_for(old, new)
    assert issue.key == key and hint in issue.hint and issue.line


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        ('weekday = "tuesday"', 'weekday = "Tuesday"', "weekday", "lower case: 'tuesday'"),
        ("term_end = 2020-05-05", 'term_end = "May 5"', "schedule.term_end", "2020-01-27"),
        ("term_end = 2020-05-05", "term_end = 2020-01-05", "schedule.term_end", "year"),
        ("end = 17:45:00", "end = 16:45:00", "schedule.meetings[0].start", "24-hour"),
        ("weight = 30 },", "weight = 35 },", "grading.tracks[0].components", "by -5"),
        ('timezone = "America/New_York"', 'timezone = "EST"', "timezone", "America/New_York"),
        ('timezone = "America/New_York"', 'timezone = "NY"', "timezone", "IANA"),
        ('lecturer = "Yann LeCun"', 'lecturer = "Yan LeCun"', "lecturer", "'Yann LeCun'"),
        (
            'lecture-a = "Aaron Defazio"',
            'lecture-a = "A. Guest"',
            "weeks[4].lecturers.lecture-a",
            "[[people]]",
        ),
    ],
)
def test_value_errors_carry_a_hint_and_the_key_at_fault(old, new, key, hint) -> None:
    issues = issues_for(old, new)
    assert len(issues) == 1, [str(i) for i in issues]
    (issue,) = issues
    assert key in issue.key and hint in issue.hint, str(issue)
    assert issue.line is not None


def test_info_fits_80_columns_with_one_line_per_meeting() -> None:
    result = runner.invoke(app, ["info"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    (row,) = [line for line in lines if line.startswith("01-3 ")]
    assert "Tue 28 Jan" in row and "Alfredo Canziani" in row and "04 Feb 23:59" in row
