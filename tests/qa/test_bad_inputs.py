"""Every command, given what users get wrong — missing files, the wrong course, a course with no
weeks or videos yet, files it cannot read, bad flags — ends with a message and exit code 2
(1 for findings), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.course.calendar import build_calendar
from dlcourse.course.layout import COURSE_ENV
from dlcourse.scribe.sample import generate_signups_csv
from tests.conftest import COURSE_COMMANDS
from tests.site.conftest import MINI_TOML

# A course with no weeks, no videos, no notes and no roster (the site tests' small course)
BARE_TOML = MINI_TOML
NOTE = "course/docs/en/week01/01-1.md"
ARGUMENTS = {  # what a command needs besides the course
    ("notes", "new"): ["01-1"],
    ("notes", "timestamps"): [f"{{w}}/{NOTE}"],
    ("scribe", "assign"): ["{w}/signups.csv"],
    ("portal", "invite"): ["ab1234"],
    ("grades", "import"): ["roster", "{w}/signups.csv"],
    ("grades", "whatif"): ["--student", "ab1234", "--set", "midterm=80"],
    ("grades", "export"): ["canvas"],
    ("grades", "approve-track"): ["ab1234", "all"],
    **{("hw", name): ["hw1"] for name in ("release", "grade", "feedback", "gradescope")},
    ("hw", "submit"): ["hw1", "{w}/signups.csv", "--student", "ab1234"],
    ("hw", "collect"): ["hw1", "{w}/adir", "--timestamps", "{w}/signups.csv"],
    ("hw", "test"): ["hw1", "{w}/signups.csv"],
    ("project", "check"): ["{w}/adir"],
    ("lab", "slurm"): ["spiral"],
}

# (arguments, exit code); {w} is the working folder
CASES: list[tuple[str, list[str], int]] = [
    # missing files
    ("missing note", ["notes", "check", "{w}/missing.md"], 2),
    ("missing note", ["notes", "timestamps", "{w}/missing.md"], 2),
    ("missing transcript", ["notes", "timestamps", f"{{w}}/{NOTE}", "--transcript", "x.sbv"], 2),
    ("missing contents", ["notes", "check", "--course", "{w}/course", "--contents", "x.yml"], 2),
    ("missing sheet", ["scribe", "assign", "{w}/missing.csv", "--course", "{w}/course"], 2),
    ("missing roster", ["scribe", "status", "--course", "{w}/course"], 2),
    ("missing roster", ["scribe", "calendar", "--course", "{w}/course", "-r", "{w}/x.csv"], 2),
    ("missing roster", ["notes", "new", "01-1", "--course", "{w}/course", "-r", "{w}/x.csv"], 2),
    ("missing submissions", ["scribe", "status", "-c", "{w}/course", "--submissions", "x"], 2),
    ("missing Jekyll folder", ["import", "jekyll", "{w}/missing"], 2),
    ("unknown lab", ["lab", "run", "no-such-lab"], 2),
    ("unknown lab", ["lab", "notebook", "no-such-lab"], 2),
    # the wrong course
    *[
        ("no course there", [*command, *ARGUMENTS.get(command, []), "-c", "{w}/nowhere"], 2)
        for command in COURSE_COMMANDS
    ],
    ("toml is a folder", ["validate", "--course", "{w}/tomldir"], 2),
    ("toml not UTF-8", ["validate", "--course", "{w}/latin1"], 2),
    # a course without weeks, videos, notes or students yet
    ("bare course", ["info", "--course", "{w}/bare"], 0),
    ("bare course", ["validate", "--course", "{w}/bare"], 0),
    ("bare course", ["calendar", "--course", "{w}/bare", "-o", "{w}/bare.ics"], 0),
    ("bare course", ["build", "--course", "{w}/bare", "-q"], 0),
    ("bare course, a bare note", ["notes", "check", "--course", "{w}/bare"], 1),
    ("bare course", ["notes", "new", "02-1", "--course", "{w}/bare"], 0),
    ("bare course, note exists", ["notes", "new", "01-1", "--course", "{w}/bare"], 2),
    ("bare course", ["notes", "new", "05-1", "--course", "{w}/bare"], 2),
    ("bare course", ["scribe", "status", "--course", "{w}/bare"], 2),
    ("bare course", ["scribe", "calendar", "--course", "{w}/bare"], 2),
    ("bare course", ["scribe", "assign", "{w}/signups.csv", "--course", "{w}/bare"], 2),
    ("bare course, no transcript", ["notes", "timestamps", "{w}/bare/docs/en/week01/01-1.md"], 2),
    # files that cannot be read as what they should be
    ("sheet is a folder", ["scribe", "assign", "{w}/adir", "--course", "{w}/course"], 2),
    ("roster is a folder", ["scribe", "status", "--course", "{w}/course", "-r", "{w}/adir"], 2),
    ("note is a folder", ["notes", "timestamps", "{w}/folder.md"], 2),
    ("sheet not UTF-8", ["scribe", "assign", "{w}/latin1.csv", "--course", "{w}/course"], 2),
    ("roster not UTF-8", ["scribe", "status", "-c", "{w}/course", "-r", "{w}/latin1.csv"], 2),
    ("output is a folder", ["calendar", "--course", "{w}/course", "--out", "{w}/adir"], 2),
    ("output under a file", ["calendar", "--course", "{w}/course", "-o", "{w}/signups.csv/x"], 2),
    # bad flags
    ("bad format", ["notes", "check", "--format", "yaml"], 2),
    ("bad format", ["scribe", "status", "--format", "yaml"], 2),
    ("bad jobs", ["notes", "check", "--jobs", "0"], 2),
    ("bad config", ["lab", "run", "spiral", "--config", "huge"], 2),
    ("bad --set", ["lab", "run", "spiral", "--set", "epochs"], 2),
    ("bad time", ["scribe", "status", "--as-of", "yesterday"], 2),
    ("bad meeting", ["notes", "new", "3"], 2),
    ("bad overflow", ["scribe", "assign", "{w}/signups.csv", "--overflow", "waitlist"], 2),
    ("unknown flag", ["calendar", "--nope"], 2),
    ("unknown flag", ["build", "--nope"], 2),
    # findings are exit 1
    ("findings", ["notes", "check", "{w}/course/docs/en/week01/broken.md"], 1),
]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad-inputs")
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(folder / "course")]).exit_code == 0
    broken = folder / "course/docs/en/week01/broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n\n$$\\frac{1}{$$\n", encoding="utf-8")
    (folder / "bare").mkdir()
    (folder / "bare/course.toml").write_text(BARE_TOML, encoding="utf-8")
    bare_note = folder / "bare/docs/en/week01/01-1.md"
    bare_note.parent.mkdir(parents=True)
    bare_note.write_text("---\ntitle: T\n---\n\n## A heading\n\nText.\n", encoding="utf-8")
    calendar = build_calendar(load_course(folder / "course"))
    sheet = generate_signups_csv(20, calendar, seed=1)
    (folder / "signups.csv").write_text(sheet, encoding="utf-8")
    (folder / "latin1.csv").write_bytes("Name,Email\nJosé,jose@nyu.edu\n".encode("latin-1"))
    (folder / "latin1").mkdir()
    (folder / "latin1/course.toml").write_bytes(b"# caf\xe9 (Latin-1)\n" + BARE_TOML.encode())
    (folder / "tomldir/course.toml").mkdir(parents=True)
    (folder / "adir").mkdir()
    (folder / "folder.md").mkdir()
    return folder


@pytest.mark.parametrize(("what", "args", "code"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
@pytest.mark.slow
def test_bad_input_is_a_message_and_an_exit_code(
    work: Path, monkeypatch: pytest.MonkeyPatch, what: str, args: list[str], code: int
) -> None:
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(work)
    argv = [arg.replace("{w}", str(work)) for arg in args]
    result = CliRunner().invoke(app, argv, env={"COLUMNS": "120"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        what,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    assert result.exit_code == code, (what, result.output)
    if code == 2:
        assert result.output.strip(), what  # says why
    if what == "no course there":  # the course's error, not a usage error before it
        assert "nowhere/course.toml: no course.toml here" in result.output, result.output
