"""The ``dlcourse`` command line: thin wrappers that parse arguments and call the library.

Each part registers its own Typer sub-application from a module of this package.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from dlcourse import __version__
from dlcourse.cli import (
    course_cmds,
    grades_cmds,
    homework_cmds,
    lab_cmds,
    notes_cmds,
    portal_cmds,
    scribe_cmds,
    site_cmds,
)
from dlcourse.cli.messages import fail

app = typer.Typer(
    name="dlcourse",
    help="Run a deep-learning course: course model, labs, scribe notes and website.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"dlcourse {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """dlcourse: one course model, five parts around it."""


def _reports_file_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """A file the system refuses (a folder in the way, no permission, a full disk) ends the
    command with the path and the reason and exit 2, never a traceback."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            reason = error.strerror or str(error)
            raise fail([f"{where}{reason} (check the path and its permissions)"]) from error

    return guarded


def _guard(group: typer.Typer) -> None:
    for info in group.registered_commands:
        if info.callback is not None:
            info.callback = _reports_file_errors(info.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _guard(sub.typer_instance)


course_cmds.register(app)
site_cmds.register(app)
notes_cmds.register(app)
scribe_cmds.register(app)
lab_cmds.register(app)
grades_cmds.register(app)
homework_cmds.register(app)
portal_cmds.register(app)
_guard(app)


def main() -> None:
    app()
