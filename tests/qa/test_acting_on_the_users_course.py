"""A new instructor's first day, typed as a user types it: ``dlcourse init``, ``cd`` into the
course (and into a folder below it), then the everyday commands without ``--course``.

Every output must land in that course folder and reflect its ``course.toml``, and the embedded
example must never be used or written to.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import example_course_dir, load_course
from dlcourse.course.calendar import build_calendar
from dlcourse.course.layout import COURSE_ENV, EXAMPLE_NOTICE
from dlcourse.scribe.sample import generate_signups_csv
from tests.site.schedule_page import where_shown

runner = CliRunner()
TITLE = "Energy Models, Spring Edition"
VIDEO = "EnergyVid03"  # week 3's lectures, 11 characters like a YouTube id
WEEK3_TOPICS = (
    'topics = ["Parameter sharing and convolutional nets", "Properties of natural signals"]'
)


def run(*args: str):
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert EXAMPLE_NOTICE not in result.output, result.output  # the course was found
    return result


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (paths and bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture
def in_new_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``dlcourse init mycourse`` in an empty folder, the title and week 3's videos edited,
    and the current folder a subfolder of the course's docs/."""
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("init", "mycourse").exit_code == 0
    course = tmp_path / "mycourse"
    toml = course / "course.toml"
    text = toml.read_text(encoding="utf-8")
    assert WEEK3_TOPICS in text
    text = text.replace('title = "Deep Learning (with PyTorch)"', f'title = "{TITLE}"')
    text = text.replace(
        WEEK3_TOPICS,
        f'{WEEK3_TOPICS}\nvideos = {{ lecture-a = "{VIDEO}", lecture-b = "{VIDEO}" }}',
    )
    toml.write_text(text, encoding="utf-8")
    monkeypatch.chdir(course / "docs" / "en")
    return course


@pytest.mark.slow
def test_every_command_acts_on_the_course_it_is_run_in(in_new_course: Path) -> None:
    course = in_new_course
    example_before = tree_digest(example_course_dir())

    result = run("info")
    assert result.exit_code == 0 and TITLE in result.stdout
    result = run("validate")
    assert result.exit_code == 0 and str(course / "course.toml") in result.stdout

    result = run("calendar")  # from docs/en: written in the course folder, like the site
    assert result.exit_code == 0, result.output
    assert not Path("course.ics").exists()
    assert (course / "course.ics").read_bytes().count(b"BEGIN:VEVENT") == 40 + 40 + 3

    # a skeleton links the course's own video, and lands in the course
    result = run("notes", "new", "03-1")
    assert result.exit_code == 0, result.output
    skeleton = course / "docs" / "en" / "week03" / "03-1.md"
    assert f"watch?v={VIDEO}&t=" in skeleton.read_text(encoding="utf-8")
    assert (course / "scribe" / "pr" / "03-1.md").is_file()

    # the checker reads this course's videos, not the example's
    result = run("notes", "check", "--format", "json", "week01/01-1.md")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []
    text = skeleton.read_text(encoding="utf-8").replace(VIDEO, "FW5gFiJb-ig")  # 2020's video
    skeleton.write_text(text, encoding="utf-8")
    result = run("notes", "check", "--format", "json", "--select", "TS004", "week03/03-1.md")
    assert result.exit_code == 1
    messages = [finding["message"] for finding in json.loads(result.stdout)["findings"]]
    assert messages and all(f"video is {VIDEO!r}" in message for message in messages)

    result = run("notes", "timestamps", "week01/01-1.md")
    assert result.exit_code == 0 and "confidence" in result.output

    # scribe duty: the roster goes to this course's scribe folder, nothing of the example's
    sheet = course / "signups.csv"
    calendar = build_calendar(load_course(course))
    sheet.write_text(generate_signups_csv(40, calendar, seed=2), encoding="utf-8")
    result = run("scribe", "assign", "../../signups.csv")
    assert result.exit_code == 0, result.output
    assert "keeping the" not in result.output  # a new course locks nobody
    placed = (course / "scribe" / "roster.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len({row.split(",")[9] for row in placed}) == 40  # student_id: these 40 only
    result = run("scribe", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["course"] == "COURSE-CODE" and len(status["students"]) == 40

    result = run("build", "--no-search", "-q")
    assert result.exit_code == 0, result.output
    home = (course / "_site" / "index.html").read_text(encoding="utf-8")
    assert TITLE in home
    schedule = (course / "_site" / "schedule" / "index.html").read_text(encoding="utf-8")
    assert where_shown(schedule, "Presidents&#39; Day (no lecture)") == ["week 4"]
    assert where_shown(schedule, "Spring break") == ["off"]  # between weeks 7 and 8, once

    assert tree_digest(example_course_dir()) == example_before


def test_the_environment_variable_and_the_option_choose_another_course(
    in_new_course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    assert run("init", str(other)).exit_code == 0
    toml = other / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('code = "COURSE-CODE"', 'code = "OTHER 1"'),
        encoding="utf-8",
    )
    assert "OTHER 1" in run("info", "--course", str(other)).stdout
    monkeypatch.setenv(COURSE_ENV, str(other))
    assert "OTHER 1" in runner.invoke(app, ["info"], env={"COLUMNS": "200"}).stdout
    assert "COURSE-CODE" in run("info", "--course", str(in_new_course / "course.toml")).stdout


def test_outside_any_course_the_example_is_used_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["info"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert result.stderr.strip() == EXAMPLE_NOTICE
    assert "DS-GA 1008" in result.stdout
