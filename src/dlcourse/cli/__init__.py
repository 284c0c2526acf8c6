"""The ``dlcourse`` command line: thin wrappers that parse arguments and call the library.

Each part registers its own Typer sub-application from a module of this package.
"""

from __future__ import annotations

import typer

from dlcourse import __version__
from dlcourse.cli import (
    course_cmds,
    grades_cmds,
    homework_cmds,
    lab_cmds,
    notes_cmds,
    scribe_cmds,
    site_cmds,
)

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


course_cmds.register(app)
site_cmds.register(app)
notes_cmds.register(app)
scribe_cmds.register(app)
lab_cmds.register(app)
grades_cmds.register(app)
homework_cmds.register(app)


def main() -> None:
    app()
