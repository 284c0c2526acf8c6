from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.scribe.sample import generate_signups_csv

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def sheet(course_dir: Path, calendar) -> Path:
    path = course_dir / "signups.csv"
    path.write_text(generate_signups_csv(170, calendar, seed=5), encoding="utf-8")
    return path


def test_bad_sheet_writes_nothing(course_dir: Path):
    bad = course_dir / "bad.csv"
    bad.write_text("Name,Email,Meetings\nAna,ana@nyu.edu,09-9\nBo,not-an-email@,\nCy,cy@nyu.edu,\n")
    result = run("scribe", "assign", bad, "--course", course_dir)
    assert result.exit_code == 2
    assert "bad.csv: row 2: [meetings] meeting '09-9' does not exist" in result.output
    assert "row 3" in result.output and "--skip-bad-rows" in result.output
    assert not (course_dir / "scribe").exists()
    result = run("scribe", "assign", bad, "--course", course_dir, "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    rows = (course_dir / "scribe" / "roster.csv").read_text().splitlines()
    assert len(rows) == 2 and ",Cy," in rows[1]  # Ana and Bo skipped


@pytest.mark.slow
def test_assign_calendar_status_and_new(course_dir: Path, sheet: Path):
    first = sheet.read_text().splitlines()[1].split(",")  # name, e-mail, …
    result = run(
        "scribe",
        "assign",
        sheet,
        "--course",
        course_dir,
        "--seed",
        "3",
        "--explain",
        first[1],
    )
    assert result.exit_code == 0, result.output
    assert f"{first[0]} ({first[1]}), sheet row 2: asked for" in result.output
    out = course_dir / "scribe"
    assert {p.name for p in out.iterdir()} == {"roster.csv", "roster.md", "roster.html"}
    assert "preferred week" in result.output and "too-large" in result.output
    roster_text = (out / "roster.csv").read_text()
    assert "| Week | Meeting | Role | Names |" in (out / "roster.md").read_text()
    assert "<table>" in (out / "roster.html").read_text()

    # late sign-ups: the existing placements are kept
    more = sheet.read_text() + "Late Student,late1@nyu.edu,,,,,\n"
    sheet.write_text(more)
    result = run("scribe", "assign", sheet, "--course", course_dir, "--seed", "4")
    assert result.exit_code == 0 and "keeping the 170 placements" in result.output

    def duties(text: str) -> set[tuple[str, ...]]:
        cells = [row.split(",") for row in text.splitlines()]
        return {(row[3], row[7], row[9]) for row in cells}  # slot, role, student

    assert duties(roster_text) <= duties((out / "roster.csv").read_text())
    assert "re-split" in result.output

    assert run("scribe", "calendar", "--course", course_dir).exit_code == 0
    assert (out / "scribe.ics").read_text().count("BEGIN:VEVENT") == 40
    result = run("scribe", "calendar", "--course", course_dir, "--per-student")
    assert result.exit_code == 0 and len(list((out / "calendars").glob("*.ics"))) == 171
    assert run("scribe", "calendar", "--course", course_dir, "--student", "nobody").exit_code == 2

    try:
        from dlcourse.cli.notes_cmds import notes_app  # noqa: F401

        new = ("notes", "new")
    except ImportError:
        new = ("scribe", "new")
    result = run(*new, "1", "2", "--course", course_dir)
    assert result.exit_code == 0, result.output
    note = course_dir / "docs" / "en" / "week01" / "01-2.md"
    assert "lang-ref: ch.01-2" in note.read_text()
    assert (out / "pr" / "01-2.md").is_file()
    assert run(*new, "1", "2", "--course", course_dir).exit_code == 2  # exists: --force
    assert run(*new, "4", "2", "--course", course_dir).exit_code == 2  # no such meeting

    result = run(
        "scribe",
        "status",
        "--course",
        course_dir,
        "--as-of",
        "2020-02-10T12:00",
        "--submitted-at",
        "01-2=2020-02-02T20:00",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    slot = next(s for s in data["slots"] if s["slot"] == "01-2")
    assert slot["present"] and slot["submitted_source"] == "override" and slot["on_time"]
    result = run("scribe", "status", "--course", course_dir, "--as-of", "2020-02-10T12:00")
    assert result.exit_code == 0 and "01-2" in result.output
    result = run("scribe", "status", "--course", course_dir, "--submitted-at", "99-1=2020-01-01")
    assert result.exit_code == 2 and "no slot '99-1'" in result.output


def test_invalid_email_in_the_sheet_is_a_bad_row(course_dir: Path):
    bad = course_dir / "bad.csv"
    bad.write_text("Name,Email\nAna,ana@nyu.edu\nBo,not-an-email\nCy,cy123\n")
    result = run("scribe", "assign", bad, "--course", course_dir)
    assert result.exit_code == 2
    assert (
        "bad.csv: row 3: [email] malformed e-mail 'not-an-email' "
        "(an email address must have an @-sign) — write it as" in result.output
    )
    assert "row 4" not in result.output  # 'cy123' has a NetID's shape: Cy's NetID
    assert not (course_dir / "scribe").exists()


def test_explain_an_unknown_student_exits_2_with_close_matches(course_dir: Path, sheet: Path):
    result = run("scribe", "assign", sheet, "--course", course_dir, "--explain", "nobody")
    assert result.exit_code == 2
    assert "no student named/with id 'nobody'" in result.output
    assert not (course_dir / "scribe").exists()  # nothing written
    name = sheet.read_text().splitlines()[1].split(",")[0]  # the first student, misspelt
    result = run("scribe", "assign", sheet, "--course", course_dir, "--explain", name[:-1])
    assert result.exit_code == 2
    assert f"no student named/with id {name[:-1]!r}" in result.output
    assert f"close matches: {name} (" in result.output
    result = run("scribe", "assign", sheet, "--course", course_dir, "--explain", name.upper())
    assert result.exit_code == 0 and f"{name} (" in result.output


def test_overflow_is_a_fixed_choice(course_dir: Path, sheet: Path):
    result = run("scribe", "assign", "--help")
    assert result.exit_code == 0
    assert "extra-writers|reserve" in " ".join(result.output.split()).replace("| ", "|")
    result = run("scribe", "assign", sheet, "--course", course_dir, "--overflow", "waitlist")
    assert result.exit_code == 2 and "--overflow" in result.output
    result = run(
        "scribe", "assign", sheet, "--course", course_dir, "--overflow", "reserve", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "reserve" in result.output


@pytest.mark.slow
def test_notes_new_takes_the_slot_name_or_week_and_part(course_dir: Path):
    result = run("notes", "new", "03-1", "--course", course_dir)
    assert result.exit_code == 0, result.output
    note = course_dir / "docs" / "en" / "week03" / "03-1.md"
    assert "lang-ref: ch.03-1" in note.read_text(encoding="utf-8")
    assert "no roster yet" in result.output  # a course before its first assign
    assert "writer 1" in note.read_text(encoding="utf-8")  # placeholder writers, with slices
    assert run("notes", "new", "3", "2", "--course", course_dir).exit_code == 0
    assert (course_dir / "docs" / "en" / "week03" / "03-2.md").is_file()
    for bad in (["03-1", "2"], ["3"], ["week3"], ["03-x"]):
        result = run("notes", "new", *bad, "--course", course_dir)
        assert result.exit_code == 2, (bad, result.output)
        assert "name the meeting as NN-K" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_status_of_the_example_explains_its_states_and_agrees_with_the_credit():
    # the example ships its pull requests' times: its present notes are dated, not "missing"
    result = runner.invoke(
        app, ["scribe", "status", "--as-of", "2020-02-20T12:00"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[1:-1]]
        for line in result.stdout.splitlines()
        if line.startswith("│") and line.split("│")[1].strip()[:2].isdigit()
    }
    assert rows["01-1"][2] == "yes" and rows["01-1"][6] in ("complete", "unattributed")
    assert rows["02-2"][6] == "late"  # submitted 01:30 after the 23:59 due time
    assert rows["03-1"][2] == "no" and rows["03-1"][6] == "missing"
    assert "Authors: ok = the note's authors are its group; -N =" in result.stdout
    for state in ("late", "missing", "pending"):
        assert f"  {state}: " in result.stdout
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Credit"))
    data = json.loads(
        runner.invoke(
            app, ["scribe", "status", "--as-of", "2020-02-20T12:00", "--format", "json"]
        ).stdout
    )
    final = [s for s in data["students"] if s["duties"] and s["final"]]
    gaining = [s for s in final if s["points"] > 0]
    assert f"{len(final)} final ({len(gaining)} gain points" in summary


def test_credit_policy_comes_from_course_toml(course_dir: Path, sheet: Path):
    assert run("scribe", "assign", sheet, "--course", course_dir).exit_code == 0
    toml = course_dir / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("missing = -1.0", "missing = -0.25"), "utf-8"
    )
    result = run(
        "scribe", "status", "--course", course_dir, "--as-of", "2020-03-01", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["policy"]["missing"] == -0.25
    duty = next(s for s in data["students"] if s["duties"])["duties"][0]
    assert duty["state"] == "missing" and duty["fraction"] == -0.25
    toml.write_text(toml.read_text(encoding="utf-8").replace("missing = -0.25", "missing = -3"))
    result = run("scribe", "status", "--course", course_dir)
    assert result.exit_code == 2 and "grading.write_up.missing" in result.output
