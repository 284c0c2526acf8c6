"""Fixtures shared by every part's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


LABS_TESTS = "tests/labs/"
#: Labs test modules that make no run through the labs' cache of quick runs: units of their own,
#: so that (the SLURM cluster's torchrun job above all) they need not wait behind the labs unit.
LABS_MODULES_WITHOUT_RUNS = frozenset(
    f"{LABS_TESTS}{name}"
    for name in ("test_labs_catalogue.py", "test_labs_cli.py", "test_labs_slurm.py")
)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook; the dev extra installs xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadscope`` (``scripts/test`` runs the suite on two workers) with one work unit per
    test module, as xdist does, except that the labs modules are one unit: their quick runs are a
    cache per worker process (``tests/labs/conftest.py``) that the lesson, precision, notebook and
    DDP tests read, and the lesson tests hand every planned run to the worker's own pool of two
    processes; split over two workers, the same runs would be made twice. The labs unit is the
    largest, so xdist hands it out first (it orders units by size) and the other worker takes the
    rest of the suite meanwhile. (``xdist_group`` marks would say the same, but xdist 3.8 groups
    them by rewriting ``item._nodeid``, which pytest 9.2 no longer reads.)"""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LabsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.startswith(LABS_TESTS) and module not in LABS_MODULES_WITHOUT_RUNS:
                return "labs"
            return module

    return LabsTogether(config, log)


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


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    """The session's one Playwright driver: its sync API refuses to start a second driver
    while one runs, so every browser a test launches (the site's, the portal's) comes from this
    one, whichever order the tests run in (two xdist workers each have their own)."""
    from tests.site.chromium import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright
