"""Fixtures of the attack tests: a fresh course made by ``dlcourse init`` inside a sandbox
folder that also holds a "secret" outside the course (what a leak would expose) and a HOME."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app

SECRET = "SECRET-7f3a9c-not-for-the-site"


@dataclass(frozen=True)
class Sandbox:
    root: Path  # everything a test touches lies under here
    course: Path  # a course folder made by 'dlcourse init'
    secret: Path  # a file outside the course; its text must never reach an output
    home: Path  # HOME for the commands under test

    @property
    def config(self) -> Path:
        return self.course / "course.toml"

    def edit_config(self, old: str, new: str) -> None:
        text = self.config.read_text(encoding="utf-8")
        assert old in text, old
        self.config.write_text(text.replace(old, new, 1), encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {"HOME": str(self.home), "XDG_CACHE_HOME": str(self.home / ".cache")}


def make_sandbox(root: Path, template: Path) -> Sandbox:
    """A sandbox under ``root`` whose course is a copy of ``template`` (see ``course_template``)."""
    course = root / "work" / "course"
    shutil.copytree(template, course, symlinks=True)
    outside = root / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    home = root / "home"
    home.mkdir()
    return Sandbox(root, course, secret, home)


@pytest.fixture(scope="session")
def course_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One course made by ``dlcourse init --example`` per session; each sandbox copies it (a
    copy takes milliseconds, an init half a second)."""
    course = tmp_path_factory.mktemp("template") / "course"
    result = CliRunner().invoke(app, ["init", "--example", str(course)])
    assert result.exit_code == 0, result.output
    return course


@pytest.fixture
def sandbox(tmp_path: Path, course_template: Path) -> Sandbox:
    return make_sandbox(tmp_path, course_template)


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (links not followed) and its bytes, by relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found
