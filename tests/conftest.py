"""Fixtures shared by every part's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.postgres import db_url, pg_url, postgres_server

# fixtures: the session's PostgreSQL cluster, a database on it, a test on SQLite and on it
__all__ = ["db_url", "pg_url", "postgres_server"]

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Every command that acts on a course (and so takes ``--course``).
COURSE_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("info",),
    ("validate",),
    ("calendar",),
    ("build",),
    ("serve",),
    ("notes", "check"),
    ("notes", "timestamps"),
    ("notes", "new"),
    ("scribe", "assign"),
    ("scribe", "calendar"),
    ("scribe", "status"),
    *(
        ("grades", name)
        for name in (
            "init",
            "import",
            "show",
            "whatif",
            "export",
            "audit",
            "approve-track",
            "backup",
        )
    ),
    ("portal",),
    ("portal", "invite"),
    *(
        ("hw", name)
        for name in (
            "list",
            "release",
            "submit",
            "collect",
            "test",
            "grade",
            "feedback",
            "gradescope",
        )
    ),
    ("project", "check"),
    ("project", "groups"),
    ("lab", "slurm"),
)


def _shared_dir() -> Path:
    """``../shared`` beside the checkout (CI lays it there read-only); DLCOURSE_SHARED overrides."""
    override = os.environ.get("DLCOURSE_SHARED")
    return Path(override) if override else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared files not found at {path}")
    return path


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    """The real 2020 notes sample (``docs/``-like folder); skips cleanly when absent."""
    path = shared_dir / "corpus" / "dlsp20-sample"
    if not (path / "en").is_dir():
        pytest.skip(f"2020 notes sample not found at {path}")
    return path


@pytest.fixture(scope="session")
def example_course_dir() -> Path:
    from dlcourse.course import example_course_dir

    return example_course_dir()
