"""``dlcourse notes check --changed-since REF`` in a scratch git repository holding a course
copy (in a sub-folder, as in a real repository): only the notes changed since REF are checked,
the course rules still see what they need, and a bad REF or a folder outside git exits 2."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app

runner = CliRunner()

PLACEHOLDER = "\nTODO(scribe): finish this paragraph.\n"  # ED005, an error


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=30,
    )
    return done.stdout


def check(course: Path, *args: str):
    return runner.invoke(
        app,
        ["notes", "check", "--course", str(course), "--no-cache", *args],
        env={"COLUMNS": "200"},
    )


def report(course: Path, *args: str) -> dict:
    result = check(course, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp/repo`` (git) holding ``course/`` (the example); one committed note has an error."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never a repo above tmp
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "repo"
    result = runner.invoke(app, ["init", str(root / "course")])
    assert result.exit_code == 0, result.output
    old_error = root / "course/docs/en/week01/01-3.md"
    old_error.write_text(old_error.read_text(encoding="utf-8") + PLACEHOLDER, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "course")
    return root


def paths(data: dict) -> tuple[list[str], set[str]]:
    def short(path: str) -> str:
        return path.split("docs/", 1)[1]

    return [short(f) for f in data["files"]], {short(f["path"]) for f in data["findings"]}


@pytest.mark.slow
def test_only_notes_changed_since_the_ref_are_checked(repo: Path) -> None:
    course = repo / "course"
    everything = report(course)
    assert len(everything["files"]) >= 9
    assert paths(everything)[1] == {"en/week01/01-3.md"}  # the committed error

    # nothing changed since HEAD: nothing to check, and exit 0 despite the old error
    result = check(course, "--changed-since", "HEAD")
    assert result.exit_code == 0, result.output
    assert "0 file(s) checked" in result.output

    note = course / "docs/en/week01/01-2.md"
    note.write_text(note.read_text(encoding="utf-8") + PLACEHOLDER, encoding="utf-8")
    data = report(course, "--changed-since", "HEAD")
    assert paths(data) == (["en/week01/01-2.md"], {"en/week01/01-2.md"})
    assert {f["rule"] for f in data["findings"]} == {"ED005"} and data["errors"] == 1
    assert check(course, "--changed-since", "HEAD").exit_code == 1

    # staged, and committed since an older ref: still "changed since"
    git(repo, "add", "-A")
    assert paths(report(course, "--changed-since", "HEAD"))[0] == ["en/week01/01-2.md"]
    git(repo, "commit", "-q", "-m", "edit")
    assert paths(report(course, "--changed-since", "HEAD"))[0] == []
    assert paths(report(course, "--changed-since", "HEAD~1"))[0] == ["en/week01/01-2.md"]

    # a new note nobody has `git add`ed yet is a changed note too
    new = course / "docs/en/week02/02-9.md"
    new.write_text(note.read_text(encoding="utf-8").replace("ch.01-2", "ch.02-9"), "utf-8")
    assert paths(report(course, "--changed-since", "HEAD"))[0] == ["en/week02/02-9.md"]
    # … unless git ignores it; and a path argument narrows the set further
    (repo / ".gitignore").write_text("02-9.md\n", encoding="utf-8")
    assert paths(report(course, "--changed-since", "HEAD"))[0] == []
    week1 = str(course / "docs/en/week01")
    assert paths(report(course, week1, "--changed-since", "HEAD~1"))[0] == ["en/week01/01-2.md"]


def test_translation_rules_still_compare_with_the_unchanged_source(repo: Path) -> None:
    course = repo / "course"
    translation = course / "docs/zh/week01/01-1.md"
    lines = translation.read_text(encoding="utf-8").split("\n")
    last_heading = max(i for i, line in enumerate(lines) if line.startswith("## "))
    del lines[last_heading]
    translation.write_text("\n".join(lines), encoding="utf-8")
    data = report(course, "--changed-since", "HEAD")
    files, where = paths(data)
    assert files == ["zh/week01/01-1.md"] and where == {"zh/week01/01-1.md"}
    rules = {f["rule"] for f in data["findings"]}
    assert {"TR002", "TR003"} <= rules  # against en/week01/01-1.md, which was not checked


def test_unknown_ref_exits_2_and_says_so(repo: Path) -> None:
    result = check(repo / "course", "--changed-since", "no-such-branch")
    assert result.exit_code == 2
    assert "--changed-since no-such-branch: no such commit, branch or tag" in result.output
    assert "Traceback" not in result.output
    result = check(repo / "course", "--changed-since=--output=/tmp/x")  # not a git option
    assert result.exit_code == 2 and "no such commit" in result.output


def test_outside_a_git_repository_exits_2_and_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = runner.invoke(app, ["init", str(tmp_path / "course")])
    assert result.exit_code == 0, result.output
    result = check(tmp_path / "course", "--changed-since", "HEAD")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.output
    assert "Traceback" not in result.output
