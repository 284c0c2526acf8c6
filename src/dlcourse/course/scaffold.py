"""Create a new course folder from the embedded example, ready to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from dlcourse.course.errors import CourseError, CourseIssue
from dlcourse.course.loader import default_course_dir

_SKIP = shutil.ignore_patterns("__pycache__", "_site", ".dlcourse-cache", "*.pyc")


def init_course(destination: Path, *, source: Path | None = None) -> Path:
    """Copy the example course (or ``source``) to ``destination``, which must not hold files.

    The copy goes to a sibling temporary folder first and is renamed into place, so an
    interrupted copy never leaves a half course behind."""
    destination = destination.resolve()
    origin = source or default_course_dir()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise CourseError(
            [
                CourseIssue(
                    destination,
                    None,
                    "",
                    "folder exists and is not empty",
                    "choose a new folder name",
                )
            ]
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(f".{destination.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(origin, staging, ignore=_SKIP)
    if destination.exists():
        destination.rmdir()
    staging.rename(destination)
    return destination
