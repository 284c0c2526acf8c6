"""Gradebook fixtures: each test on SQLite and on the session's real PostgreSQL cluster
(``tests/postgres.py``, Debian's, which ``scripts/test`` installs as root), and a small course
folder of our own (``dlcourse init``-like: course.toml and nothing else).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the gradebook needs the grades extra")

from dlcourse.course import Course, load_course

EXAMPLE_TOML = Path(__file__).resolve().parents[2] / "examples" / "dlsp20" / "course.toml"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A course folder holding the example's course.toml, a home page and nothing else."""
    folder = tmp_path / "course"
    folder.mkdir()
    shutil.copy(EXAMPLE_TOML, folder / "course.toml")
    (folder / "home.md").write_text("# A course\n", encoding="utf-8")
    return folder


@pytest.fixture
def course(course_dir: Path) -> Course:
    return load_course(course_dir)
