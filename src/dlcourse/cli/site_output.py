"""How ``build`` and ``serve`` show what the site part reports: a Rich progress bar fed by the
build's progress callback, the warnings one line each, a summary, and ``serve``'s events."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn
from rich.text import Text

from dlcourse.course import Course
from dlcourse.site.builder import BuildError, BuildOptions, BuildReport, build_site

PAGEFIND_MISSING = (
    "search: Pagefind is not installed, so the site is built without a search index "
    "(pip install 'dlcourse[search]')"
)
STILL_SERVING = "still serving the previous site: fix it and save again"


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


def print_error(console: Console, message: str) -> None:
    console.print(f"[red]error[/red] {escape(message)}")


def print_summary(console: Console, report: BuildReport) -> None:
    if report.up_to_date:
        where = escape(str(report.out_dir))
        console.print(f"site up to date: {where} ({report.seconds:.2f} s)")
        return
    console.print(
        f"built {report.pages} pages ({report.pages_rendered} written, "
        f"{report.notes_parsed} notes rendered, {report.formulas} formulas) "
        f"→ {escape(str(report.out_dir))} in {report.seconds:.2f} s"
        + ("" if report.search_indexed else " [dim](no search index)[/dim]")
    )


class ProgressDisplay:
    """The build's progress callback: a transient bar per stage on a terminal, from the first
    report of a build until :meth:`finish`."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet or not self.console.is_terminal:
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress, self._tasks = None, {}


def run_build(
    course: Course, options: BuildOptions, console: Console, quiet: bool = False
) -> BuildReport | None:
    """Build with a progress bar; print the warnings and a summary (the error: None)."""
    from dlcourse.site.app import search_missing

    if search_missing(options):
        console.print(PAGEFIND_MISSING, markup=False, highlight=False)
    display = ProgressDisplay(console, quiet)
    options.progress = display
    try:
        report = build_site(course, options)
    except BuildError as error:
        display.finish()
        print_warnings(console, error.warnings)
        print_error(console, str(error))
        return None
    finally:
        display.finish()
    print_warnings(console, report.warnings)
    if not quiet:
        print_summary(console, report)
    return report


def print_serve_event(console: Console, display: ProgressDisplay | None, event: object) -> None:
    """One event of ``serve``, printed as ``build`` prints the same things (a build's end
    takes its progress bar away first)."""
    # imported here: `build` needs no HTTP server (http.server, threading)
    from dlcourse.site.server import BuildFailed, Built, CourseFailed, RequestFailed, Serving

    if display is not None and isinstance(event, Built | BuildFailed | CourseFailed):
        display.finish()
    if isinstance(event, Built):
        print_warnings(console, event.report.warnings)
        print_summary(console, event.report)
    elif isinstance(event, BuildFailed):
        print_warnings(console, event.error.warnings)
        print_error(console, str(event.error))
        if event.serving_previous:
            console.print(STILL_SERVING)
    elif isinstance(event, CourseFailed):
        for issue in event.error.issues:
            print_error(console, str(issue))
        console.print(STILL_SERVING)
    elif isinstance(event, Serving):
        where = escape(str(event.site_dir))
        console.print(f"serving {where} at {escape(event.url)} (Ctrl-C stops)")
    elif isinstance(event, RequestFailed):
        print_error(console, f"a request from {event.client} failed: {event.error}")
