"""How every command finds its course and reports what stops it: one line per problem, never
wrapped, never read as Rich markup (``[schedule.term_end]`` and ``[[schedule.meetings]]`` are text
here), so ``file:line`` stays clickable in editors and greppable in CI logs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import typer

from dlcourse.course import Course, CourseError, load_course
from dlcourse.course.layout import (
    COURSE_ENV,
    EXAMPLE_NOTICE,
    ReadOnlyExampleError,
    find_course,
    is_example,
    writable_root,
)

COURSE_HELP = (
    "Course folder (or its course.toml); default: the course found from the current folder "
    f"(course.toml here or in a parent folder; ${COURSE_ENV} overrides)."
)


# ``--course/-c``: every command that acts on a course takes it this one way
COURSE_OPTION = typer.Option(None, "--course", "-c", help=COURSE_HELP, show_default=False)


def echo_error(text: str) -> None:
    """``error: TEXT`` on stderr; the word is red on a terminal, plain in a pipe or a log."""
    typer.echo(f"{typer.style('error', fg='red', bold=True)}: {text}", err=True)


def echo_issues(issues: Iterable[object]) -> None:
    for issue in issues:
        echo_error(str(issue))


def fail(issues: Iterable[object]) -> typer.Exit:
    """Print every issue and return the exit (code 2: usage or configuration) to raise."""
    echo_issues(issues)
    return typer.Exit(2)


def exit_course_error(error: CourseError) -> typer.Exit:
    """Print every issue of ``error`` and return the exit (code 2) to raise."""
    return fail(error.issues)


def load_or_exit(path: Path | None) -> Course:
    """Load a course or print every problem (file:line [key] message — hint) and exit 2."""
    try:
        return load_course(path)
    except CourseError as error:
        raise exit_course_error(error) from error


def course_or_exit(given: Path | None, paths: Sequence[Path] = ()) -> Course:
    """The course a command acts on (:func:`dlcourse.course.layout.find_course`), loaded; says
    so on stderr when that is the embedded example."""
    found = find_course(given, paths)
    if found.is_example:
        typer.echo(EXAMPLE_NOTICE, err=True)
    return load_or_exit(found.root)


def writable_or_exit(course: Course) -> Path:
    """Where a command writes the course's own files (the current folder for the example)."""
    try:
        return writable_root(course.root)
    except ReadOnlyExampleError as error:
        raise fail([error]) from error


def output_path(course: Course, path: Path) -> Path:
    """``path`` in the course folder, or — for the read-only example — the same place under
    the current folder."""
    if not is_example(course.root):
        return path
    return writable_or_exit(course) / Path(path).relative_to(course.root)


def refuse_example_edit(paths: Iterable[Path], what: str) -> None:
    """Exit 2 before editing a file of the embedded example in place."""
    for path in paths:
        if is_example(Path(path)):
            raise fail(
                [
                    f"{what}: {path} belongs to the embedded example course, which is "
                    "read-only; copy it with 'dlcourse init --example DIR' and edit the copy"
                ]
            )
