"""The embedded example ships inside the package and is never written to: every writing
command acting on it writes under the current folder, and says where.

One test runs the commands in this process and hashes the package's example folder before and
after; the slow one installs the package (not editable) into a read-only folder and runs them
as a user would, from a folder elsewhere.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import example_course_dir
from dlcourse.course.layout import COURSE_ENV, EXAMPLE_NOTICE

from .test_acting_on_the_users_course import tree_digest

REPO = Path(__file__).resolve().parents[2]
NOTE = "docs/en/week01/01-1.md"

# (arguments, exit code, files it writes under the current folder)
WRITING_COMMANDS: list[tuple[list[str], int, list[str]]] = [
    (["calendar"], 0, ["course.ics"]),
    (["build", "--no-search", "-q"], 0, ["_site/index.html", "_site/en/week01/01-1/index.html"]),
    (["notes", "new", "03-1"], 0, ["docs/en/week03/03-1.md", "scribe/pr/03-1.md"]),
    (["scribe", "assign", "{signups}"], 0, ["scribe/roster.csv", "scribe/roster.html"]),
    (["scribe", "calendar"], 0, ["scribe/scribe.ics"]),
    (["scribe", "status", "--format", "json", "--out", "status.json"], 0, ["status.json"]),
    (["notes", "check", "--fix"], 0, []),
    (["notes", "timestamps", "{example}/" + NOTE, "--write"], 2, []),
]
# The homework and grades parts write too: hashed in process only (as subprocesses of the
# installed copy they would add ~7 s of start-ups to CI for the same proof)
MORE_WRITING_COMMANDS: list[tuple[list[str], int, list[str]]] = [
    (["hw", "release", "hw1"], 0, ["hw1.zip", "hw1/mlp.py"]),
    (["hw", "gradescope", "hw1"], 0, ["hw1-gradescope.zip"]),
    (["grades", "init", "--sample", "5"], 0, ["dlsp20-grades/gradebook.sqlite3"]),
]


def _args(args: list[str], example: Path) -> list[str]:
    signups = str(example / "scribe" / "signups.csv")
    return [arg.format(signups=signups, example=example) for arg in args]


@pytest.mark.slow
def test_writing_commands_leave_the_example_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    example = example_course_dir()
    before = tree_digest(example)
    runner = CliRunner()
    for args, code, outputs in [*WRITING_COMMANDS, *MORE_WRITING_COMMANDS]:
        result = runner.invoke(app, _args(args, example), env={"COLUMNS": "200"})
        assert result.exit_code == code, (args, result.output)
        if not any("{example}" in arg for arg in args):  # else found from the note's path
            assert EXAMPLE_NOTICE in result.stderr, args
        for output in outputs:
            assert (tmp_path / output).is_file(), (args, output)
        assert tree_digest(example) == before, args
    refused = runner.invoke(app, _args(WRITING_COMMANDS[-1][0], example))
    assert "read-only" in refused.output and "dlcourse init --example" in refused.output
    # the sample roster is read, the one written here is the next run's lock
    result = runner.invoke(app, _args(["scribe", "assign", "{signups}", "--dry-run"], example))
    assert f"keeping the 172 placements of {tmp_path / 'scribe' / 'roster.csv'}" in result.output


def test_run_from_inside_the_example_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    example = example_course_dir()
    monkeypatch.delenv(COURSE_ENV, raising=False)
    monkeypatch.chdir(example / "docs")
    before = tree_digest(example)
    result = CliRunner().invoke(app, ["build", "--no-search", "-q"])
    assert result.exit_code == 2
    assert "inside the embedded example course, which is read-only" in result.output
    assert tree_digest(example) == before


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat(follow_symlinks=False).st_mode
        if not stat.S_ISLNK(mode):
            path.chmod(stat.S_IMODE(mode) & ~0o222)


@pytest.mark.slow
def test_an_installed_read_only_package_is_never_written(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, REPO],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"cannot build the package here: {install.stderr.strip()[-300:]}")
    example = target / "dlcourse" / "examples" / "dlsp20"
    before = tree_digest(example)
    _read_only(target)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != COURSE_ENV}
    env |= {"PYTHONPATH": str(target), "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        for args, code, outputs in WRITING_COMMANDS:
            result = subprocess.run(
                [sys.executable, "-m", "dlcourse", *_args(args, example)],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            output = result.stdout + result.stderr
            assert result.returncode == code, (args, output)
            assert "Traceback" not in output, (args, output)
            assert "dlcourse/examples" not in " ".join(
                line for line in output.splitlines() if line.startswith("wrote")
            )
            for name in outputs:
                assert (work / name).is_file(), (args, name)
        assert tree_digest(example) == before
    finally:
        for path in [target, *target.rglob("*")]:
            if not path.is_symlink():
                path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)
        shutil.rmtree(target, ignore_errors=True)
