"""The ``dlcourse`` command line: thin wrappers that parse arguments and call the library.

Each part registers its own Typer sub-application from a module of this package. A command
line imports only the modules of the command it names (``dlcourse notes check`` never imports
the labs', grades' or site's commands, nor what they import), and ``dlcourse --version``
imports none: a user waits for every import at each command, so startup is kept to what the
command needs (see ``benchmarks/startup.py``).
"""

from __future__ import annotations

import functools
import gc
import importlib
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

# The first word of a command line → the modules that register it (``notes new`` is the
# scribe part's command attached to the notes group, so ``notes`` needs both).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "init": ("course_cmds",),
    "info": ("course_cmds",),
    "validate": ("course_cmds",),
    "calendar": ("course_cmds",),
    "build": ("site_cmds",),
    "serve": ("site_cmds",),
    "import": ("site_cmds",),
    "notes": ("notes_cmds", "scribe_cmds"),
    "scribe": ("scribe_cmds",),
    "lab": ("lab_cmds",),
    "grades": ("grades_cmds",),
    "hw": ("homework_cmds",),
    "project": ("homework_cmds",),
    "portal": ("portal_cmds",),
}
# A second word that needs fewer modules than its first: ``notes check`` is the notes part's
# alone (``notes new`` and ``notes --help`` still load the scribe part's too).
SUBCOMMAND_MODULES: dict[tuple[str, str], tuple[str, ...]] = {
    ("notes", "check"): ("notes_cmds",),
    ("notes", "rules"): ("notes_cmds",),
    ("notes", "timestamps"): ("notes_cmds",),
}
ALL_MODULES: tuple[str, ...] = (
    "course_cmds",
    "site_cmds",
    "notes_cmds",
    "scribe_cmds",
    "lab_cmds",
    "grades_cmds",
    "homework_cmds",
    "portal_cmds",
)


def _show_version(value: bool) -> None:
    if value:
        import typer

        typer.echo(f"dlcourse {_version()}")
        raise typer.Exit()


def _version() -> str:
    from dlcourse import __version__

    return __version__


def _reports_file_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """A file the system refuses (a folder in the way, no permission, a full disk) ends the
    command with the path and the reason and exit 2, never a traceback."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OSError as error:
            from dlcourse.cli.messages import fail

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


def build_app(modules: Iterable[str] = ALL_MODULES) -> typer.Typer:
    """The ``dlcourse`` application with the commands of ``modules`` (default: all)."""
    import typer

    app = typer.Typer(
        name="dlcourse",
        help="Run a deep-learning course: course model, labs, scribe notes and website.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

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

    for name in modules:
        importlib.import_module(f"dlcourse.cli.{name}").register(app)
    _guard(app)
    return app


def modules_for(argv: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: those of its first two words when they name a
    subcommand with fewer (``SUBCOMMAND_MODULES``), else those of its first word when it names a
    command, else all (``--help``, no arguments, a mistyped command: Typer lists them all)."""
    words = [word for word in argv if not word.startswith("-")]
    if not words or words[0] not in COMMAND_MODULES:
        return ALL_MODULES
    second = words[1] if len(words) > 1 else ""
    return SUBCOMMAND_MODULES.get((words[0], second), COMMAND_MODULES[words[0]])


@functools.cache
def _full_app() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> Any:
    # ``from dlcourse.cli import app`` (tests, the docs generator) gets every command; the
    # entry point below builds only what its command line needs
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # the one answer that needs no command module, not even Typer
        sys.stdout.write(f"dlcourse {_version()}\n")
        return
    try:
        build_app(modules_for(argv))()
    finally:
        # The process ends here, and the interpreter's last collection would walk every object
        # the imports made (pydantic's schemas, Typer, the parser): ≈ 80 ms of CPU, a sixth of
        # `notes check ONE_NOTE`. Frozen objects are skipped; what the command left behind is
        # freed with the process all the same (only cycles' __del__ go unrun, as at os._exit).
        gc.freeze()
