"""The build's output folder as a pull request (or a slip of the keyboard) sets it: a build
replaces that folder as a whole, so one that is or holds the course, its notes, the current
folder or someone's files is refused before anything is written, and a build deletes only
folders dlcourse wrote (its marker inside). Leftovers of killed builds are cleared next time,
but only those whose process is gone.

A refusal comes before any note is read, so those run in process (no CLI start-up each); the
build that clears leftovers runs in a fresh process, whose pid is not the test's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dlcourse.site.output_folder import MARKER
from tests.security.budget import Budget, Outcome, dlcourse, in_process
from tests.security.conftest import SECRET, Sandbox, files_under

BUILD = ("build", "--no-search", "-q")


def assert_refused(outcome: Outcome, where: str, why: str) -> None:
    assert outcome.returncode == 2, outcome.describe()
    assert "Traceback" not in outcome.output, outcome.describe()
    errors = [row for row in outcome.stderr.splitlines() if row.startswith("error:")]
    assert any(where in row and why in row for row in errors), outcome.describe()


def output_dir_line(sandbox: Sandbox) -> int:
    rows = sandbox.config.read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(rows, 1) if row.startswith("output_dir"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "why"),
    [
        (".", "is the course folder"),
        ("..", "contains the course folder"),
        ("docs/week01", "lies inside the notes folder"),
    ],
)
def test_an_output_dir_over_the_course_is_refused_and_nothing_is_deleted(
    sandbox: Sandbox, value: str, why: str
) -> None:
    sandbox.edit_config('output_dir = "_site"', f'output_dir = "{value}"')
    before = files_under(sandbox.root)
    outcome = in_process(*BUILD, cwd=sandbox.course)
    assert_refused(outcome, f"course.toml:{output_dir_line(sandbox)}:", why)
    assert files_under(sandbox.root) == before


@pytest.mark.slow
def test_validate_already_refuses_an_output_dir_that_is_the_course(sandbox: Sandbox) -> None:
    sandbox.edit_config('output_dir = "_site"', 'output_dir = "./"')
    outcome = in_process("validate", cwd=sandbox.course)
    assert_refused(outcome, "course.toml:", "is the course folder")


@pytest.mark.slow
def test_out_over_the_current_folder_or_someone_elses_files_is_refused(
    sandbox: Sandbox,
) -> None:
    own = sandbox.root / "mine"  # where the user stands, with their own files
    own.mkdir()
    (own / "thesis.tex").write_text("years of work", encoding="utf-8")
    before = files_under(sandbox.root)
    course = str(sandbox.course)
    attempts = [
        (sandbox.course, ("--out", "."), "is the course folder"),
        (sandbox.course, ("--out", ".."), "contains the course folder"),
        (own, ("--course", course, "--out", "."), "is the current folder"),
        (sandbox.course, ("--out", str(sandbox.secret.parent)), f"no {MARKER} inside"),
        (sandbox.course, ("--out", str(sandbox.secret)), "is a file"),
    ]
    for cwd, options, why in attempts:
        outcome = in_process(*BUILD, *options, cwd=cwd)
        assert_refused(outcome, "[--out]", why)
    assert files_under(sandbox.root) == before
    assert SECRET in sandbox.secret.read_text(encoding="utf-8")


@pytest.mark.slow
def test_leftovers_of_killed_builds_go_only_when_their_process_is_gone(sandbox: Sandbox) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead, alive = int(gone.stdout), os.getpid()

    def leftover(name: str, marked: bool = True) -> None:
        folder = sandbox.course / name
        (folder / "en").mkdir(parents=True)
        (folder / "en" / "index.html").write_text("<p>half a site</p>", encoding="utf-8")
        if marked:
            (folder / MARKER).write_text("", encoding="utf-8")

    leftover(f"._site.building-{dead}")
    leftover(f"._site.old-{dead}")
    leftover(f"._site.building-{alive}")  # a build still running: not ours to remove
    leftover(f"._site.old-{dead + 1}", marked=False)  # a user's folder, whatever its name
    outcome = dlcourse(*BUILD, cwd=sandbox.course, budget=Budget(cpu_s=60, wall_s=180))
    assert outcome.returncode == 0, outcome.describe()
    left = sorted(p.name for p in sandbox.course.iterdir() if p.name.startswith("._site"))
    assert left == [f"._site.building-{alive}", f"._site.old-{dead + 1}"]
    assert (sandbox.course / "_site" / MARKER).is_file()
