"""Fixtures for the notes tests: a scratch copy of the example course to overlay fixtures on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"


@pytest.fixture(scope="session")
def example_course():
    from dlcourse.course import load_course

    return load_course(None)


@pytest.fixture
def course_copy(tmp_path: Path, example_course_dir: Path) -> Path:
    """A writable copy of the example course folder."""
    target = tmp_path / "course"
    shutil.copytree(example_course_dir, target)
    return target


def overlay(course_dir: Path, fixture: Path) -> list[Path]:
    """Copy a fixture tree over the course; returns the files written."""
    written = []
    for source in sorted(fixture.rglob("*")):
        if source.is_file():
            target = course_dir / source.relative_to(fixture)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    return written
