"""An assignment is a folder: ``assignment.toml``, a solution, public and hidden tests.

```
homework/hw1/
  assignment.toml      title, dates (course zone), the files students hand in, limits
  solution/            the instructors' solution; ``# BEGIN SOLUTION … # END SOLUTION``
                       regions (and notebook cells tagged ``solution``) are stripped to make
                       the starter files
  tests/public/        test_*.py students may run
  tests/hidden/        test_*.py only grading sees
```

``assignment.toml`` is validated like ``course.toml``: unknown keys are errors and every problem
names the file, the line and what to do. Dates and points missing from it come from the
course's ``[[homework]]`` entry of the same id; values given in both places must agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from dlcourse.course import Course, CourseError, CourseIssue
from dlcourse.course.calendar import localize
from dlcourse.course.errors import ConfigValueError
from dlcourse.course.loader import parse_toml_model
from dlcourse.course.locate import locate_key
from dlcourse.course.notes_settings import Strict

ASSIGNMENT_FILE = "assignment.toml"
_ASSIGNMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a folder name, never a path
HOMEWORK_DIR = "homework"
Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]


class Limits(Strict):
    """What one grading run may use. Defaults are PrairieLearn's external grader's, roughly:
    enough for a small PyTorch homework on a CPU, far below what a bad submission would take."""

    cpu_seconds: int = Field(60, ge=1, description="CPU seconds per test (RLIMIT_CPU).")
    test_wall_seconds: float = Field(60, gt=0, description="Wall-clock seconds per test.")
    wall_seconds: float = Field(300, gt=0, description="Wall-clock seconds for the whole run.")
    memory_mb: int = Field(4096, ge=256, description="Address space per process (RLIMIT_AS).")
    processes: int = Field(64, ge=4, description="Processes and threads (RLIMIT_NPROC).")
    file_size_mb: int = Field(64, ge=1, description="Largest file written (RLIMIT_FSIZE).")
    open_files: int = Field(256, ge=32, description="Open file descriptors (RLIMIT_NOFILE).")
    output_kb: int = Field(64, ge=1, description="Output kept per test; more ends the test.")
    upload_kb: int = Field(1024, ge=1, description="Largest submission accepted.")
    gpu: bool = Field(False, description="Give the run one GPU (CUDA_VISIBLE_DEVICES).")
    gpu_memory_fraction: float = Field(0.25, gt=0, le=1, description="Share of that GPU.")


class AssignmentConfig(Strict):
    id: str | None = None
    title: str
    release: dt.datetime | None = None
    due: dt.datetime | None = None
    points: float | None = Field(
        None,
        gt=0,
        description="Total the tests are scaled to; course.toml's [[homework]] "
        "points when the assignment is listed there.",
    )
    submit: list[str] = Field(min_length=1, description="File names a student hands in.")
    preload: list[str] = Field(
        default_factory=list,
        description="Modules imported once before the tests fork (torch: one import per run).",
    )
    public_visibility: Visibility = "visible"
    hidden_visibility: Visibility = "after_due_date"
    limits: Limits = Field(default_factory=Limits)

    @field_validator("submit")
    @classmethod
    def _plain_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if (
                not name
                or "/" in name
                or "\\" in name
                or name.startswith(".")
                or not name.isprintable()  # NUL and control characters: no file has them
            ):
                raise ConfigValueError(
                    f"{name!r} is not a plain file name",
                    'list file names only, e.g. submit = ["backprop.py"]',
                )
        return names


@dataclass(frozen=True)
class Assignment:
    """A validated assignment folder with its dates resolved in the course zone."""

    id: str
    folder: Path
    config: AssignmentConfig
    release: dt.datetime  # aware, course zone
    due: dt.datetime  # aware, course zone
    points: float | None  # the total test weights are scaled to (None: the weights as they are)

    @property
    def title(self) -> str:
        return self.config.title

    @property
    def limits(self) -> Limits:
        return self.config.limits

    @property
    def solution_dir(self) -> Path:
        return self.folder / "solution"

    @property
    def public_tests_dir(self) -> Path:
        return self.folder / "tests" / "public"

    @property
    def hidden_tests_dir(self) -> Path:
        return self.folder / "tests" / "hidden"

    def test_files(self, kind: Literal["public", "hidden"]) -> list[Path]:
        folder = self.public_tests_dir if kind == "public" else self.hidden_tests_dir
        return sorted(folder.glob("test_*.py")) if folder.is_dir() else []

    def tests_digest(self) -> str:
        """SHA-256 over every test file, the config and the harness: a change re-grades."""
        from dlcourse.homework import sandbox

        digest = hashlib.sha256()
        for path in [
            self.folder / ASSIGNMENT_FILE,
            *self.test_files("public"),
            *self.test_files("hidden"),
            sandbox.HARNESS_FILE,
            sandbox.AUTOGRADE_FILE,
        ]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def homework_root(course: Course) -> Path:
    return course.root / HOMEWORK_DIR


def list_assignments(course: Course) -> list[str]:
    """Ids of the assignment folders of a course (folders holding an assignment.toml)."""
    root = homework_root(course)
    if not root.is_dir():
        return []
    return sorted(path.parent.name for path in root.glob(f"*/{ASSIGNMENT_FILE}"))


def load_assignment(course: Course, assignment_id: str) -> Assignment:
    """Read and check ``homework/ID/assignment.toml``. Raises :class:`CourseError`."""
    if not _ASSIGNMENT_ID.fullmatch(assignment_id):
        raise CourseError(
            [
                CourseIssue(
                    homework_root(course),
                    None,
                    "",
                    f"{assignment_id!r} is not an assignment id",
                    "ids are letters, digits, '-' and '_' (e.g. hw1)",
                )
            ]
        )
    folder = homework_root(course) / assignment_id
    config_path = folder / ASSIGNMENT_FILE
    if not config_path.is_file():
        known = ", ".join(list_assignments(course)) or "none yet"
        raise CourseError(
            [
                CourseIssue(
                    config_path,
                    None,
                    "",
                    f"no assignment {assignment_id!r}",
                    f"assignments of this course: {known}",
                )
            ]
        )
    source = config_path.read_text(encoding="utf-8")
    config = parse_toml_model(source, config_path, AssignmentConfig)
    issues: list[CourseIssue] = []

    def issue(key: str, message: str, hint: str) -> None:
        issues.append(CourseIssue(config_path, locate_key(source, [key]), key, message, hint))

    if config.id is not None and config.id != assignment_id:
        issue("id", f"id {config.id!r} differs from the folder name", f"write {assignment_id!r}")
    listed = next((item for item in course.homework if item.id == assignment_id), None)
    course_toml = course.root / "course.toml"
    dates: dict[str, dt.datetime] = {}
    for key in ("release", "due"):
        own = getattr(config, key)
        theirs = getattr(listed, key) if listed else None
        if own is None and theirs is None:
            issue(
                key,
                f"no {key} date here nor in course.toml's [[homework]] {assignment_id!r}",
                f"add {key} = 2020-02-17T23:59:00 (course time zone)",
            )
            continue
        if (
            own is not None
            and theirs is not None
            and localize(own, course) != localize(theirs, course)
        ):
            line = course.locate("homework", course.homework.index(listed), key)
            issue(
                key,
                f"{key} {own} disagrees with {course_toml}:{line} ({theirs})",
                "keep the date in one place: remove it here or make both equal",
            )
            continue
        dates[key] = localize(own if own is not None else theirs, course)
    points = config.points
    if listed is not None:
        if points is not None and points != listed.points:
            line = course.locate("homework", course.homework.index(listed), "points")
            issue(
                "points",
                f"points {points:g} disagree with {course_toml}:{line} ({listed.points:g})",
                "keep the total in course.toml's [[homework]] entry and remove it here",
            )
        points = listed.points
    if len(dates) == 2 and dates["due"] <= dates["release"]:
        issue("due", "due is not after release", "due comes after release")
    for name in ("solution", "tests/public"):
        if not (folder / name).is_dir():
            issues.append(
                CourseIssue(folder / name, None, "", "folder is missing", f"create {name}/")
            )
    if issues:
        raise CourseError(issues)
    return Assignment(assignment_id, folder, config, dates["release"], dates["due"], points)
