"""The build as the CLI runs it: defaults for output and cache, a Rich progress bar, a summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

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
        for warning in error.warnings:
            console.print(f"[yellow]warning[/yellow] {warning}", highlight=False)
        console.print(f"[red]error[/red] {error}")
        return None
    for warning in report.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}", highlight=False)
    if not quiet:
        if report.up_to_date:
            console.print(f"site up to date: {report.out_dir} ({report.seconds:.2f} s)")
        else:
            console.print(
                f"built {report.pages} pages ({report.pages_rendered} written, "
                f"{report.notes_parsed} notes rendered, {report.formulas} formulas) "
                f"→ {report.out_dir} in {report.seconds:.2f} s"
                + ("" if report.search_indexed else " [dim](no search index)[/dim]")
            )
    return report
