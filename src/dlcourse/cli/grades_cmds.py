"""CLI for the gradebook: ``dlcourse grades init|import|show|whatif|export|audit|approve-track|
backup``. Thin wrappers over :mod:`dlcourse.grades`; every problem is one line on stderr and exit
code 2, and a failed command changes nothing. Students are named by NetID in every message."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, echo_error, echo_issues
from dlcourse.course import Course
from dlcourse.course.layout import ReadOnlyExampleError

if TYPE_CHECKING:
    from dlcourse.grades import Gradebook, GradeResult

grades_app = typer.Typer(
    name="grades",
    help="The gradebook: import scores, compute grades from course.toml, export to the LMS.",
    no_args_is_help=True,
)

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Database URL (sqlite:///FILE or postgresql+psycopg://…). Default: $DLCOURSE_DB, else "
    "<course>/grades/gradebook.sqlite3.",
)
ACTOR_OPTION = typer.Option(
    None, "--as", help="NetID recorded as the actor in the audit log. Default: $DLCOURSE_USER."
)
AS_OF_OPTION = typer.Option(
    None, "--as-of", help="Judge deadlines as of this time (ISO; course zone). Default: now."
)


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


FORMAT_OPTION = typer.Option(Output.TABLE, "--format", "-f", case_sensitive=False)


def register(app: typer.Typer) -> None:
    app.add_typer(grades_app, name="grades")


def _console() -> Console:
    # no markup: names, titles and file names print as written; in a pipe or a log the class
    # table is wider than 80 columns rather than cut into "zz1…"
    console = Console(markup=False, highlight=False)
    return console if console.is_terminal else Console(markup=False, highlight=False, width=200)


def _fail(issues: list[str] | str) -> typer.Exit:
    echo_issues([issues] if isinstance(issues, str) else issues)
    return typer.Exit(2)


def _grades_module() -> Any:
    try:
        import dlcourse.grades as grades
    except ModuleNotFoundError as error:
        raise _fail(
            f"the gradebook needs the grades extra ({error.name} is missing): "
            "pip install 'dlcourse[grades]'"
        ) from error
    return grades


@contextmanager
def _open(
    course_dir: Path | None, db: str | None, actor: str | None, create: bool = False
) -> Iterator[tuple[Course, Gradebook]]:
    grades = _grades_module()
    course = course_or_exit(course_dir)
    try:
        book = grades.open_gradebook(course, db, actor=actor, create=create)
    except grades.GradebookError as error:
        raise _fail(error.issues) from error
    except ReadOnlyExampleError as error:
        raise _fail(str(error)) from error
    try:
        yield course, book
    except grades.GradebookError as error:
        raise _fail(error.issues) from error
    finally:
        book.close()


def _as_of(text: str | None, course: Course) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise _fail(f"--as-of {text!r}: write e.g. 2020-05-10T12:00 (course time zone)") from error
    return value.replace(tzinfo=course.tz) if value.tzinfo is None else value


def _echo_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- init ---------------------------------------------------------------------------------
@grades_app.command("init")
def init_cmd(
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    sample: int = typer.Option(
        0, "--sample", min=0, help="Fill it with N synthetic students (a demonstration)."
    ),
) -> None:
    """Create the gradebook (or bring it to the current schema) and sync the assessments."""
    grades = _grades_module()
    with _open(course_dir, db, actor, create=True) as (course, book):
        typer.echo(
            f"gradebook: {grades.db.redact(book.url)} ({len(book.assessment_ids())} assessments)"
        )
        if sample:
            from dlcourse.grades.sample import fill_sample

            if book.people("student"):
                raise _fail("--sample fills an empty gradebook only; this one has students")
            folder = grades.gradebook_dir(course) / "sample"
            for report in fill_sample(book, folder, students=sample):
                typer.echo(_report_line(report))
            typer.echo(f"sample files in {folder}")


# -- import -------------------------------------------------------------------------------
class ImportKind(StrEnum):
    ROSTER = "roster"
    STAFF = "staff"
    SCORES = "scores"
    SCRIBE_STATUS = "scribe-status"
    PIAZZA = "piazza"
    ED = "ed"


def _report_line(report: Any) -> str:
    verb = "would change" if report.dry_run else "imported"
    line = (
        f"{verb} {report.kind} from {report.file.name}: {report.rows} rows, {report.added} added, "
        f"{report.changed} changed, {report.removed} removed, {report.unchanged} unchanged"
    )
    if report.skipped:
        line += f"; {len(report.skipped)} skipped ({'; '.join(report.skipped[:5])}"
        line += ", …)" if len(report.skipped) > 5 else ")"
    return line


@grades_app.command("import")
def import_cmd(
    kind: ImportKind = typer.Argument(..., case_sensitive=False, help="What the file holds."),
    file: Path = typer.Argument(..., help="The file to import (CSV, or JSON for scribe-status)."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what would change; write nothing."
    ),
) -> None:
    """Import a file, all or nothing: one bad row (named with its row number) changes nothing."""
    from dlcourse.grades.imports import import_file

    with _open(course_dir, db, actor) as (_, book):
        report = import_file(book, kind.value, file, dry_run=dry_run)
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(_report_line(report))


# -- show ---------------------------------------------------------------------------------
def _result_json(result: GradeResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(result)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _results(book: Gradebook, as_of: dt.datetime, student: str | None) -> list[GradeResult]:
    grades = _grades_module()
    if student is not None:
        person = book.find_person(student)
        if person is None or person.role != "student":
            raise grades.GradebookError(f"no student {student!r} in the gradebook")
        facts = book.facts([person.netid])
    else:
        facts = book.facts()
    return grades.grade_all(book.rules, facts, as_of)


@grades_app.command("show")
def show_cmd(
    student: str | None = typer.Argument(None, help="NetID or e-mail: one student's breakdown."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    as_of: str | None = AS_OF_OPTION,
    output: Output = FORMAT_OPTION,
) -> None:
    """Every student's grade (or one student's, component by component)."""
    with _open(course_dir, db, None) as (course, book):
        moment = _as_of(as_of, course)
        results = _results(book, moment, student)
        if output == Output.JSON:
            _echo_json([_result_json(r) for r in results])
        elif student is not None:
            _print_breakdown(course, results[0], moment)
        else:
            _print_class(course, book, results, moment)


def _print_class(
    course: Course, book: Gradebook, results: list[GradeResult], as_of: dt.datetime
) -> None:
    components: list[str] = []
    for track in course.grading.tracks:
        components += [c.id for c in track.components if c.id not in components]
    table = Table(
        title=f"{course.course.code} grades as of {as_of.astimezone(course.tz):%d %b %Y %H:%M %Z}"
    )
    for header in ("NetID", "Track", *components, "Total", "Letter", "Final"):
        table.add_column(
            header, justify="right" if header in components or header == "Total" else "left"
        )
    for result in results:
        by_id = {c.id: c for c in result.components}
        table.add_row(
            result.netid,
            result.track + (" *" if result.track_note else ""),
            *[
                _fmt(by_id[c].points)
                if c in by_id and by_id[c].status != "pending"
                else ("…" if c in by_id else "")
                for c in components
            ],
            f"{result.rounded:g}",
            result.letter,
            "yes" if result.final else "no",
        )
    console = _console()
    console.print(table)
    letters: dict[str, int] = {}
    for result in results:
        letters[result.letter] = letters.get(result.letter, 0) + 1
    order = [g.letter for g in course.grading.letters]
    spread = ", ".join(f"{letter} {letters[letter]}" for letter in order if letter in letters)
    console.print(
        f"{len(results)} students; letters: {spread or 'none'}; "
        "* track note (see show NETID); … pending"
    )


def _print_breakdown(course: Course, result: GradeResult, as_of: dt.datetime) -> None:
    console = _console()
    track = course.grading.track(result.track)
    title = f"{result.netid} — {track.name}, as of {as_of.astimezone(course.tz):%d %b %Y %H:%M %Z}"
    table = Table(title=title)
    for header, justify in (
        ("Component", "left"),
        ("Weight", "right"),
        ("Percent", "right"),
        ("Points", "right"),
        ("Status", "left"),
        ("Source", "left"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for component in result.components:
        sign = {"adjustment": "±", "bonus": "+"}.get(component.kind, "")
        table.add_row(
            Text(component.label, style="bold"),
            f"{sign}{component.weight:g}",
            _fmt(component.percent, 1),
            _fmt(component.points),
            component.status,
            component.source + (f": {component.note}" if component.note else ""),
        )
        for item in component.items:
            points = "" if item.points is None else f"{item.points:g}/{item.max_points:g}"
            table.add_row(
                f"  {item.title}",
                "",
                _fmt(item.percent, 1),
                points,
                item.status,
                f"{item.source} (due {item.deadline.astimezone(course.tz):%d %b %H:%M})".strip(),
            )
    console.print(table)
    if result.track_note:
        console.print(f"note: {result.track_note}")
    state = "final" if result.final else f"provisional ({result.pending_weight:g} % pending)"
    console.print(
        f"core {result.core:.2f} + write-up {result.adjustment:+.2f} + bonus {result.bonus:+.2f} "
        f"= {result.total:.2f} → {result.rounded:g}: {result.letter} ({state})"
    )


# -- whatif -------------------------------------------------------------------------------
@grades_app.command("whatif")
def whatif_cmd(
    student: str = typer.Option(..., "--student", "-s", help="NetID or e-mail."),
    changes: list[str] = typer.Option(
        ...,
        "--set",
        help="ID=VALUE: an assessment or core component in percent (midterm=80), the write-up "
        "or forum in points (write-up=-2). Repeatable.",
    ),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    as_of: str | None = AS_OF_OPTION,
    output: Output = FORMAT_OPTION,
) -> None:
    """The grade a student would get with some values changed (nothing is written)."""
    from dlcourse.grades.policy import WhatIfError, what_if

    parsed: dict[str, float] = {}
    for change in changes:
        key, _, value = change.partition("=")
        try:
            parsed[key.strip()] = float(value)
        except ValueError as error:
            raise _fail(f"--set {change!r}: write ID=NUMBER, e.g. midterm=80") from error
    with _open(course_dir, db, None) as (course, book):
        moment = _as_of(as_of, course)
        now = _results(book, moment, student)[0]
        facts = book.facts([now.netid])[0]
        try:
            then = what_if(book.rules, facts, parsed, moment)
        except WhatIfError as error:
            raise _fail(f"--set {error}") from error
        if output == Output.JSON:
            _echo_json({"now": _result_json(now), "what_if": _result_json(then), "set": parsed})
            return
        _print_breakdown(course, then, moment)
        _console().print(
            f"now {now.total:.2f} → {now.rounded:g} ({now.letter}); "
            f"with {', '.join(changes)}: {then.total:.2f} → {then.rounded:g} ({then.letter})"
        )


# -- export -------------------------------------------------------------------------------
class ExportKind(StrEnum):
    CANVAS = "canvas"
    BRIGHTSPACE = "brightspace"
    CSV = "csv"
    REPORT = "report"


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"


# Exports and reports hold grades: readable by their owner only, like the gradebook file.
EXPORT_MODE = 0o600


@grades_app.command("export")
def export_cmd(
    kind: ExportKind = typer.Argument(
        ..., case_sensitive=False, help="canvas, brightspace, csv or report."
    ),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    as_of: str | None = AS_OF_OPTION,
    student: str | None = typer.Option(None, "--student", "-s", help="report: only this student."),
    report_format: ReportFormat = typer.Option(
        ReportFormat.HTML,
        "--format",
        "-f",
        case_sensitive=False,
        help="report: html (a page) or pdf (the same page as a PDF).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="File (or folder for report). Default: <gradebook folder>/exports/.",
    ),
) -> None:
    """Write the grades for the LMS (Canvas, Brightspace), as a full CSV, or one report per
    student, HTML or PDF (each holds that student's grade only). Files are mode 0600."""
    grades = _grades_module()
    from dlcourse.grades.exports import EXPORTERS, student_report_html, student_report_pdf
    from dlcourse.util.files import atomic_write_bytes, atomic_write_text, child_path

    if kind != ExportKind.REPORT and report_format != ReportFormat.HTML:
        raise _fail(f"--format {report_format.value} is for the report; {kind.value} is a CSV")
    with _open(course_dir, db, None) as (course, book):
        moment = _as_of(as_of, course)
        results = _results(book, moment, student)
        folder = grades.gradebook_dir(course) / "exports"
        stamp = moment.astimezone(course.tz).strftime("%Y%m%d")
        if kind == ExportKind.REPORT:
            target = out or folder / f"reports-{stamp}"
            for result in results:
                try:  # a NetID is one plain name (checked on import); never a path out
                    path = child_path(target, f"{result.netid}.{report_format.value}")
                except ValueError as error:
                    echo_error(f"NetID {result.netid!r} cannot name a report: {error}")
                    raise typer.Exit(2) from error
                if report_format == ReportFormat.PDF:
                    pdf = student_report_pdf(course, result, moment)
                    atomic_write_bytes(path, pdf, mode=EXPORT_MODE)
                else:
                    html = student_report_html(course, result, moment)
                    atomic_write_text(path, html, mode=EXPORT_MODE)
            typer.echo(f"wrote {len(results)} {report_format.value} reports in {target}")
            return
        people = {p.netid: p for p in book.people("student")}
        text = EXPORTERS[kind.value](book.rules, results, people)
        target = out or folder / f"{kind.value}-{stamp}.csv"
        atomic_write_text(target, text, mode=EXPORT_MODE)
        typer.echo(f"wrote {target} ({len(results)} students)")


# -- audit --------------------------------------------------------------------------------
@grades_app.command("audit")
def audit_cmd(
    student: str | None = typer.Argument(None, help="Only changes about this student (NetID)."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Newest N changes."),
    output: Output = FORMAT_OPTION,
) -> None:
    """Who changed what, when, from what to what, and why (newest first)."""
    with _open(course_dir, db, None) as (course, book):
        rows = book.audit_log(student, limit=limit)
        if output == Output.JSON:
            from dataclasses import asdict

            _echo_json([asdict(row) for row in rows])
            return
        table = Table(title=f"Audit log{f' for {student}' if student else ''} (newest {limit})")
        for header in ("When", "Who", "Action", "Row", "Change", "Why"):
            table.add_column(header)
        for row in rows:
            table.add_row(
                f"{row.at.astimezone(course.tz):%Y-%m-%d %H:%M:%S}",
                row.actor,
                row.action,
                f"{row.table} {row.key}",
                _change(row.old_value, row.new_value),
                row.reason,
            )
        _console().print(table)


def _change(old: str | None, new: str | None) -> str:
    before = json.loads(old) if old else {}
    after = json.loads(new) if new else {}
    noise = {"id", "recorded_at", "granted_at", "source", "person_id"}
    keys = [
        k
        for k in sorted(set(before) | set(after))
        if k not in noise and before.get(k) != after.get(k)
    ]
    if not old:
        return "new: " + ", ".join(f"{k}={after[k]}" for k in keys if after.get(k) is not None)
    if not new:
        return "removed"
    return ", ".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in keys)


# -- approve-track --------------------------------------------------------------------------
@grades_app.command("approve-track")
def approve_track_cmd(
    student: str = typer.Argument(..., help="NetID or e-mail."),
    track: str = typer.Argument(..., help="Track id or alias from course.toml (e.g. phd)."),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    actor: str | None = ACTOR_OPTION,
    reason: str = typer.Option("", "--reason", help="Why (goes into the audit log)."),
) -> None:
    """Grade a student on a track that needs approval (the doctoral track), as approved by you."""
    with _open(course_dir, db, actor) as (_, book):
        person = book.approve_track(student, track, reason)
        typer.echo(f"{person.netid}: track {person.track}, approved by {person.track_approved_by}")


# -- backup -------------------------------------------------------------------------------
@grades_app.command("backup")
def backup_cmd(
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for the backup. Default: <gradebook folder>/backups."
    ),
) -> None:
    """A consistent copy of the gradebook (SQLite backup API, or pg_dump), mode 0600."""
    grades = _grades_module()
    from dlcourse.grades.backup import backup

    with _open(course_dir, db, None) as (course, book):
        target = backup(book.url, out or grades.gradebook_dir(course) / "backups")
        typer.echo(f"wrote {target}")
