"""The course commands, driven through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from dlcourse import __version__
from dlcourse.cli import app
from tests.conftest import COURSE_COMMANDS

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
    output = run("info", "--course", str(course_copy)).output
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
    result = run("info", "--course", str(course_copy))
    assert result.exit_code == 0, result.output
    assert "Deep Learning [see the FAQ] a[/]b" in result.output


def test_validate_ok_and_error_exit_codes(course_copy: Path):
    ok = run("validate", "--course", str(course_copy))
    assert ok.exit_code == 0 and "40 meetings in 14 weeks" in ok.output
    toml = course_copy / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('weekday = "tuesday"', 'weekday = "tue"'),
        encoding="utf-8",
    )
    bad = run("validate", "--course", str(course_copy))
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


def _all_text(folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in (".toml", ".md", ".csv", ".gitignore", "")
    )


def test_init_makes_a_course_with_placeholders_and_no_students(tmp_path: Path):
    from dlcourse.course import example_course_dir, load_course

    folder = tmp_path / "mycourse"
    assert run("init", str(folder)).exit_code == 0
    assert not (folder / "scribe").exists()  # no roster, no sign-ups: nothing locked
    ignored = (folder / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "_site/" in ignored and ".dlcourse-cache/" in ignored
    example = load_course(example_course_dir())
    text = _all_text(folder)
    private = [p.name for p in example.people] + [p.email for p in example.people if p.email]
    private += [link.url for link in example.links] + ["DLSP20", "Ada Okafor", "Li Wei"]
    assert [value for value in private if value in text] == []
    course = load_course(folder)
    assert all("PLACEHOLDER" in person.name for person in course.people)
    assert "PLACEHOLDER" in course.link("forum").note
    # the spring 2020 structure: the same meetings, weeks, scribe and grading policy
    assert [(m.id, m.kind, m.weekday, m.start, m.end) for m in course.schedule.meetings] == [
        (m.id, m.kind, m.weekday, m.start, m.end) for m in example.schedule.meetings
    ]
    assert course.schedule.days_off == example.schedule.days_off
    assert [(w.number, w.topics) for w in course.weeks] == [
        (w.number, w.topics) for w in example.weeks
    ]
    assert course.scribe == example.scribe and course.grading == example.grading
    assert course.homework == example.homework and course.notes == example.notes
    note = (folder / "docs/en/week01/01-3.md").read_text(encoding="utf-8")
    assert "lecturer: PLACEHOLDER Practicum Instructor" in note
    assert "authors: PLACEHOLDER Student 1, PLACEHOLDER Student 2" in note


def test_init_example_copies_the_whole_demo(tmp_path: Path):
    folder = tmp_path / "demo"
    assert run("init", "--example", str(folder)).exit_code == 0
    assert (folder / "scribe" / "roster.csv").is_file()
    assert "Yann LeCun" in (folder / "course.toml").read_text(encoding="utf-8")
    assert (folder / ".gitignore").is_file()


def test_short_title_follows_the_title_unless_set(course_copy: Path):
    from dlcourse.course import load_course

    toml = course_copy / "course.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"Deep Learning (with PyTorch)"', '"Energy Models"'), "utf-8")
    assert load_course(course_copy).course.short_name == "Energy Models"
    toml.write_text(
        text.replace('term = "Spring 2020"', 'short_title = "EM"\nterm = "Spring 2020"', 1),
        "utf-8",
    )
    assert load_course(course_copy).course.short_name == "EM"


@pytest.mark.parametrize("command", COURSE_COMMANDS)
@pytest.mark.slow
def test_every_course_command_says_how_it_finds_the_course(command: tuple[str, ...]):
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.replace("│", " ").split())
    assert "--course" in flat and "default: the course found from the current folder" in flat


def test_help_texts_keep_their_brackets():
    """Typer reads every help text as Rich markup, which drops ``[cluster]`` as an unknown
    tag: a bracket meant as text (a course.toml table) must be written ``\\[`` to be shown."""
    import click
    import typer.main
    from rich.text import Text

    lost = []

    def walk(command: click.Command, name: str) -> None:
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            if Text.from_markup(text).plain != text.replace("\\[", "["):
                lost.append(f"{name}: {text!r}")
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{name} {sub_name}")

    walk(typer.main.get_command(app), "dlcourse")
    assert not lost, "write '\\[' for a bracket in a help text:\n" + "\n".join(lost)
