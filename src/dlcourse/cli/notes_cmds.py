"""``dlcourse notes …``: check the scribe notes, list the rules, propose time stamps.

The group is importable (``from dlcourse.cli.notes_cmds import notes_app``) so that other parts
can attach commands to it. Commands only parse arguments, call :mod:`dlcourse.notes` and format.
Exit codes of ``check``: 0 clean, 1 errors found, 2 usage or configuration error.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, fail, refuse_example_edit

if TYPE_CHECKING:
    from rich.console import Console

    from dlcourse.notes.check import Report

notes_app = typer.Typer(
    name="notes",
    help="Scribe notes: check them against the writer and editor rules, propose time stamps.",
    no_args_is_help=True,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


@notes_app.command("check")
def check_cmd(
    paths: list[Path] = typer.Argument(
        None, help="Notes or folders (default: every note of the course)."
    ),
    course: Path | None = COURSE_OPTION,
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    changed_since: str = typer.Option(
        None, "--changed-since", help="Only notes changed since this git ref."
    ),
    fix: bool = typer.Option(False, "--fix", help="Repair what is safely fixable."),
    select: str = typer.Option(
        None, "--select", help="Comma-separated rule IDs, aliases, prefixes or tags to run."
    ),
    contents: Path = typer.Option(
        None,
        "--contents",
        help="Contents list to check (Jekyll _config.yml); overrides \\[notes] contents_file.",
    ),
    docs_url: str = typer.Option(
        None,
        "--docs-url",
        help="Where the rule pages are published (SARIF helpUri); overrides "
        "\\[notes] rules_docs_url. A URL with '{id}', or a folder URL.",
    ),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", help="Result cache folder (default: <course>/.dlcourse-cache)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Check every file afresh."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes."),
    max_per_rule: int = typer.Option(
        20,
        "--max-per-rule",
        min=0,
        help="Findings shown per rule per file in text and github output (0: all); "
        "json and sarif keep every finding.",
    ),
) -> None:
    """Check notes: file:line:col  severity  RULE-ID  message  (hint)."""
    from dlcourse.course import CourseError
    from dlcourse.course.notes_settings import check_docs_url
    from dlcourse.notes.check import check_course, default_cache_dir
    from dlcourse.notes.fix import fix_files
    from dlcourse.notes.output import format_report

    for path in paths or []:
        if not path.exists() and not path.is_symlink():  # a dangling link is a LINK002 finding
            raise fail([f"no such file or folder: {path}"])
    loaded = course_or_exit(course, paths or [])
    if contents is not None and not contents.is_file():
        raise fail([f"no such contents file: {contents}"])
    if docs_url is not None:
        try:
            check_docs_url(docs_url)
        except ValueError as error:
            raise fail([f"--docs-url: {error}"]) from error
    docs_url = docs_url or loaded.notes.rules_docs_url
    chosen = [part.strip() for part in select.split(",") if part.strip()] if select else None
    options = {
        "select": chosen,
        "changed_since": changed_since,
        "contents_file": contents,
        "jobs": jobs,
        "cache_dir": None if no_cache else (cache_dir or default_cache_dir(loaded)),
    }
    try:
        report = check_course(loaded, paths or None, **options)
        if fix:
            refuse_example_edit(sorted({f.path for f in report.findings if f.fix}), "--fix")
            fixed = fix_files(report.findings)
            if fixed:
                typer.echo(
                    f"fixed {sum(fixed.values())} finding(s) in {len(fixed)} file(s)", err=True
                )
                report = check_course(loaded, paths or None, **options)
    except CourseError as error:
        from dlcourse.cli.messages import exit_course_error

        raise exit_course_error(error) from error
    except ValueError as error:
        raise fail([error]) from error
    if fmt is Format.text and sys.stdout.isatty():
        from rich.console import Console

        _print_rich(report, Console(), max_per_rule)
    else:
        typer.echo(format_report(report, fmt.value, docs_url, max_per_rule))
    raise typer.Exit(1 if report.has_errors else 0)


@notes_app.command("rules")
def rules_cmd(
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="text or json."),
    docs_url: str = typer.Option(
        None, "--docs-url", help="Where the rule pages are published (for help_uri)."
    ),
) -> None:
    """List the rule catalogue: ID, alias, default severity, fixable, summary."""
    import json

    from dlcourse.notes.rules import RULES

    if fmt is Format.json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "alias": r.alias,
                        "severity": r.severity,
                        "fixable": r.fixable,
                        "tags": list(r.tags),
                        "summary": r.summary,
                        "help_uri": r.help_uri(docs_url),
                        "params": {name: p.default for name, p in r.params.items()},
                    }
                    for r in RULES.values()
                ],
                indent=2,
            )
        )
        return
    for rule in RULES.values():
        mark = "fix" if rule.fixable else "   "
        typer.echo(f"{rule.id:<8} {rule.alias:<26} {rule.severity:<8} {mark}  {rule.summary}")


@notes_app.command("timestamps")
def timestamps_cmd(
    note: Path = typer.Argument(..., help="The note to time-stamp."),
    transcript: Path = typer.Option(
        None, "--transcript", help="Transcript (.sbv/.srt/.vtt); default: the one beside the note."
    ),
    course: Path | None = COURSE_OPTION,
    write: bool = typer.Option(False, "--write", help="Insert the proposed links into the note."),
) -> None:
    """Propose a start time for each subsection by aligning its text with the transcript."""
    from dlcourse.notes.propose import ProposalError, propose_for_note, write_proposals

    if not note.is_file():
        raise fail([f"no such note: {note}"])
    if transcript is not None and not transcript.is_file():
        raise fail([f"no such transcript: {transcript}"])
    loaded = course_or_exit(course, [note])
    if write:
        refuse_example_edit([note], "--write")
    try:
        result = propose_for_note(note, loaded, transcript)
        changed = write_proposals(note, result) if write else 0
    except ProposalError as error:
        raise fail([f"{note}: {error}"]) from error
    for item in result.proposals:
        current = "" if item.current is None else f"  (now {item.current}s)"
        typer.echo(
            f"{note}:{item.line}  t={item.seconds}s  confidence {item.confidence:.2f}  "
            f"{item.title}{current}"
        )
    if write:
        typer.echo(f"wrote {changed} time stamp(s) into {note}", err=True)


_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


def _print_rich(report: Report, console: Console, max_per_rule: int) -> None:
    """Findings grouped by file and coloured, for a terminal (pipes get ``format_report``)."""
    from itertools import groupby

    from rich.markup import escape

    from dlcourse.notes.output import Omitted, capped, summary

    for path, group in groupby(capped(report.findings, max_per_rule), key=lambda f: f.path):
        console.print(f"[bold]{escape(path)}[/bold]")
        for finding in group:
            if isinstance(finding, Omitted):
                console.print(f"  [dim]{escape(finding.text())}[/dim]", highlight=False)
                continue
            colour = _COLOUR[finding.severity]
            hint = f"  [dim]({escape(finding.hint)})[/dim]" if finding.hint else ""
            console.print(
                f"  {escape(path)}:{finding.line}:{finding.column}  "
                f"[{colour}]{finding.severity}[/{colour}]  [bold]{finding.rule}[/bold]  "
                f"{escape(finding.message)}{hint}",
                highlight=False,
                soft_wrap=True,
            )
    colour = "red" if report.has_errors else "green"
    console.print(f"[{colour}]{escape(summary(report))}[/{colour}]")


def register(app: typer.Typer) -> None:
    """Attach ``dlcourse notes`` to the root application."""
    app.add_typer(notes_app, name="notes")
