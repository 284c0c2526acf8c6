"""``dlcourse build``, ``dlcourse serve`` and ``dlcourse import jekyll``: thin wrappers around
:mod:`dlcourse.site`."""

from __future__ import annotations

from pathlib import Path

import typer

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, fail
from dlcourse.course.layout import ReadOnlyExampleError


def register(app: typer.Typer) -> None:
    """Attach this part's commands to the root application."""
    app.command("build")(build)
    app.command("serve")(serve)
    importer = typer.Typer(help="Import a course from another tool.", no_args_is_help=True)
    importer.command("jekyll")(import_jekyll)
    app.add_typer(importer, name="import")


def build(
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", help="Worker processes (default: cores)."
    ),
    no_search: bool = typer.Option(False, "--no-search", help="Skip the search index."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only warnings and errors."),
) -> None:
    """Build the course website (static HTML, maths rendered, offline search)."""
    from rich.console import Console

    from dlcourse.cli.site_output import run_build
    from dlcourse.course import CourseError
    from dlcourse.site.app import options_for

    course = course_or_exit(course_dir)
    console = Console(stderr=True)
    try:
        search = not no_search and course.site.search
        options = options_for(course, out, strict=strict, jobs=jobs, search=search)
        report = run_build(course, options, console, quiet=quiet)
    except ReadOnlyExampleError as error:
        raise fail([error]) from error
    except CourseError as error:  # an output folder a build must not replace
        raise fail(error.issues) from error
    if report is None:
        raise typer.Exit(1)


def serve(
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder."),
    port: int = typer.Option(8000, "--port", "-p", help="Port on localhost."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    no_search: bool = typer.Option(False, "--no-search", help="Skip the search index."),
) -> None:
    """Build, serve on localhost, and rebuild with live reload when a file changes."""
    import functools

    from rich.console import Console

    from dlcourse.cli.site_output import PAGEFIND_MISSING, ProgressDisplay, print_serve_event
    from dlcourse.course import CourseError
    from dlcourse.site import search as search_module
    from dlcourse.site.server import ServeError, serve_course

    course = course_or_exit(course_dir)
    console = Console(stderr=True)
    if not no_search and course.site.search and not search_module.available():
        console.print(PAGEFIND_MISSING, markup=False, highlight=False)
    display = ProgressDisplay(console)
    try:
        served = serve_course(
            course, out=out, host=host, port=port, search=not no_search,
            report=functools.partial(print_serve_event, console, display), progress=display,
        )  # fmt: skip
    except (ServeError, ReadOnlyExampleError) as error:  # the port is taken, …
        raise fail([error]) from error
    except CourseError as error:  # an output folder a build must not replace
        raise fail(error.issues) from error
    if not served:
        raise typer.Exit(1)


def import_jekyll(
    docs_dir: Path = typer.Argument(..., help="The Jekyll site folder (the 2020 repo's docs/)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing course.toml."),
) -> None:
    """Write a course.toml beside a Jekyll-era notes folder, leaving the notes untouched."""
    from rich.console import Console
    from rich.markup import escape

    from dlcourse.cli.messages import echo_error, exit_course_error
    from dlcourse.course import CourseError
    from dlcourse.site.jekyll import ImportError_
    from dlcourse.site.jekyll import import_jekyll as run_import

    console = Console()
    try:
        result = run_import(docs_dir, force=force)
    except ImportError_ as error:
        echo_error(str(error))
        raise typer.Exit(2) from error
    except CourseError as error:
        raise exit_course_error(error) from error
    console.print(f"[green]wrote[/green] {escape(str(result.path))}")
    for line in result.guesses:
        console.print(f"  [yellow]guessed[/yellow] {escape(line)}")
    folder = escape(str(result.path.parent))
    console.print(f"Edit what was guessed, then: [bold]dlcourse build {folder}[/bold]")
