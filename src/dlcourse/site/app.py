"""The build as the CLI runs it: defaults for output and cache, a Rich progress bar, a summary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.text import Text

from dlcourse.course import Course
from dlcourse.site.builder import (
    BuildError,
    BuildOptions,
    BuildReport,
    build_site,
    default_cache_dir,
    default_out_dir,
)


def options_for(course: Course, out: Path | None = None, **kwargs: object) -> BuildOptions:
    out_dir = (out or default_out_dir(course)).resolve()
    return BuildOptions(out_dir=out_dir, cache_dir=default_cache_dir(course, out_dir), **kwargs)  # type: ignore[arg-type]


def print_warnings(console: Console, warnings: Sequence[object]) -> None:
    """``warning path:line: RULE message (hint)``, one line each (long lines are left to the
    terminal to wrap, so every warning stays one line for grep and editors). The text is never
    read as Rich markup: messages quote what students wrote, brackets included. One render for
    all of them: a course can have thousands."""
    if not warnings:
        return
    text = Text()
    for warning in warnings:
        text.append("warning", style="yellow")
        text.append(f" {warning}\n")
    console.print(text, highlight=False, soft_wrap=True, end="")


def run_build(
    course: Course,
    out: Path | None = None,
    strict: bool = False,
    jobs: int | None = None,
    search: bool = True,
    console: Console | None = None,
    quiet: bool = False,
    live_reload: bool = False,
    background_search: bool = False,
) -> BuildReport | None:
    console = console or Console(stderr=True)
    options = options_for(
        course,
        out,
        strict=strict,
        jobs=jobs,
        search=search and course.site.search,
        live_reload=live_reload,
        background_search=background_search,
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
    tasks: dict[str, int] = {}

    def advance(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    options.progress = advance
    if options.search:
        from dlcourse.site import search as search_module

        if not search_module.available():
            console.print(
                "search: Pagefind is not installed, so the site is built without a search "
                "index (pip install 'dlcourse[search]')",
                markup=False,
                highlight=False,
            )
    try:
        with progress:
            report = build_site(course, options)
    except BuildError as error:
        print_warnings(console, error.warnings)
        console.print(f"[red]error[/red] {escape(str(error))}")
        return None
    print_warnings(console, report.warnings)
    if not quiet:
        if report.up_to_date:
            where = escape(str(report.out_dir))
            console.print(f"site up to date: {where} ({report.seconds:.2f} s)")
        else:
            console.print(
                f"built {report.pages} pages ({report.pages_rendered} written, "
                f"{report.notes_parsed} notes rendered, {report.formulas} formulas) "
                f"→ {escape(str(report.out_dir))} in {report.seconds:.2f} s"
                + ("" if report.search_indexed else " [dim](no search index)[/dim]")
            )
    return report
