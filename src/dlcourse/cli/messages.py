"""How every command reports a course that cannot be used: one line per problem, never wrapped,
never read as Rich markup (``[schedule.term_end]`` and ``[[schedule.meetings]]`` are text here),
so ``file:line`` stays clickable in editors and greppable in CI logs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

from dlcourse.course import Course, CourseError, load_course


def echo_error(text: str) -> None:
    """``error: TEXT`` on stderr; the word is red on a terminal, plain in a pipe or a log."""
    typer.echo(f"{typer.style('error', fg='red', bold=True)}: {text}", err=True)


def echo_issues(issues: Iterable[object]) -> None:
    for issue in issues:
        echo_error(str(issue))


def exit_course_error(error: CourseError) -> typer.Exit:
    """Print every issue of ``error`` and return the exit (code 2) to raise."""
    echo_issues(error.issues)
    return typer.Exit(2)


def load_or_exit(path: Path | None) -> Course:
    """Load a course or print every problem (file:line [key] message — hint) and exit 2."""
    try:
        return load_course(path)
    except CourseError as error:
        raise exit_course_error(error) from error
