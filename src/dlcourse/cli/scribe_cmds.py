"""CLI for scribe duty: ``dlcourse scribe assign|calendar|status`` and ``dlcourse notes new``.

Thin wrappers: they parse arguments, call :mod:`dlcourse.scribe` and print. Bad input
prints every problem (file, row, what to do) and exits 2 without writing anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from dlcourse.cli.messages import (
    COURSE_OPTION,
    course_or_exit,
    fail,
    output_path,
    writable_or_exit,
)
from dlcourse.course import Course
from dlcourse.course.calendar import CourseCalendar, build_calendar

if TYPE_CHECKING:
    from dlcourse.scribe.status import StatusReport

console = Console()

scribe_app = typer.Typer(
    name="scribe",
    help="Scribe duty: assign students to note-taking groups, due dates, status and credit.",
    no_args_is_help=True,
)

ROSTER_OPTION = typer.Option(
    None, "--roster", "-r", help="roster.csv to read. Default: <course>/scribe/roster.csv."
)


def register(app: typer.Typer) -> None:
    """Add the ``scribe`` group and attach ``new`` to the notes part's ``notes`` group."""
    from dlcourse.cli.notes_cmds import notes_app

    app.add_typer(scribe_app, name="scribe")
    notes_app.command("new")(notes_new)


# -- helpers ---------------------------------------------------------------------------------
def _course(path: Path | None) -> tuple[Course, CourseCalendar]:
    course = course_or_exit(path)
    return course, build_calendar(course)


def _fail(issues: list) -> NoReturn:
    raise fail(issues)


def _scribe_dir(course: Course) -> Path:
    """Where the scribe files are written: ``<course>/scribe`` (for the read-only example,
    ``./scribe``)."""
    return writable_or_exit(course) / "scribe"


def _roster_file(course: Course) -> Path:
    """The roster a command reads by default: the one written for this course, else the one the
    course folder ships (the example's sample roster)."""
    written = _scribe_dir(course) / "roster.csv"
    return written if written.is_file() else course.root / "scribe" / "roster.csv"


def _roster(course: Course, calendar: CourseCalendar, path: Path | None):
    from dlcourse.scribe import RosterError, read_roster, scribe_slots

    try:
        return read_roster(
            path or _roster_file(course),
            scribe_slots(calendar),
            course.scribe.writers_per_group,
        )
    except RosterError as error:
        _fail(error.issues)


def _moment(text: str, course: Course, what: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        _fail([f"{what}: cannot read time {text!r}; write 2020-02-03T20:15 (course time zone)"])
    return value.replace(tzinfo=course.tz) if value.tzinfo is None else value


# -- scribe assign ---------------------------------------------------------------------------
class Overflow(StrEnum):
    """What to do with students beyond the regular seats (docs/scribe.md, class too large)."""

    EXTRA_WRITERS = "extra-writers"
    RESERVE = "reserve"


@scribe_app.command("assign")
def assign_cmd(
    signups: Path = typer.Argument(..., help="Sign-up sheet exported as CSV."),
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for roster.csv/.md/.html. Default: <course>/scribe."
    ),
    seed: int = typer.Option(0, "--seed", help="Tie-break seed (same sheet + seed = same roster)."),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Assign the valid rows of a sheet that has bad rows."
    ),
    overflow: Overflow = typer.Option(
        Overflow.EXTRA_WRITERS,
        "--overflow",
        case_sensitive=False,
        help="Too many students: extra writers per slot first, then the reserve list "
        "(extra-writers), or the reserve list at once (reserve).",
    ),
    max_extra_writers: int = typer.Option(
        1, "--max-extra-writers", min=0, help="Extra writers per slot in a large class."
    ),
    max_duties: int = typer.Option(
        1, "--max-duties", min=1, help="Duties per student in a small class (2: second duty)."
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Ignore the existing roster (no locking): assign everyone anew."
    ),
    explain_students: list[str] = typer.Option(
        [], "--explain", help="Explain the placement of a student (NetID, e-mail or name)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; write nothing."),
) -> None:
    """Assign every scribe slot its writers and editor from a sign-up sheet; write the roster."""
    from pydantic import ValidationError

    from dlcourse.scribe import (
        AssignOptions,
        RosterError,
        assign,
        assignment_students,
        explain,
        find_student,
        read_signups,
        roster_csv,
        roster_html,
        roster_markdown,
        scribe_slots,
        unknown_student,
    )
    from dlcourse.scribe.io import write_all_atomic
    from dlcourse.scribe.roster_files import report_text

    course, calendar = _course(course_dir)
    try:
        options = AssignOptions(
            seed=seed,
            overflow=overflow.value,
            max_extra_writers=max_extra_writers,
            max_duties=max_duties,
        )
    except ValidationError as error:
        _fail([f"{e['loc'][0]}: {e['msg']}" for e in error.errors(include_url=False)])
    try:
        sheet = read_signups(signups, course, calendar)
    except RosterError as error:
        _fail(error.issues)
    for warning in sheet.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if sheet.errors:
        for issue in sheet.errors:
            typer.echo(f"error: {issue}", err=True)
        if not skip_bad_rows:
            typer.echo(
                f"{len(sheet.errors)} problem(s) in {signups}: nothing assigned, nothing written. "
                "Fix the rows, or pass --skip-bad-rows to assign the valid rows only.",
                err=True,
            )
            raise typer.Exit(2)
        typer.echo(f"skipping rows {', '.join(map(str, sheet.skipped_rows)) or '(header)'}")
    folder = out or _scribe_dir(course)
    slots = scribe_slots(calendar)
    locked = None
    if not fresh and (folder / "roster.csv").is_file():
        locked = _roster(course, calendar, folder / "roster.csv")
        typer.echo(f"keeping the {len(locked.placements)} placements of {folder / 'roster.csv'}")
    known = assignment_students(sheet, locked)
    unknown = [name for name in explain_students if find_student(known, name) is None]
    if unknown:
        _fail([f"--explain: {unknown_student(known, name)}" for name in unknown])
    result = assign(slots, sheet, course.scribe, options, locked)
    for line in report_text(result.report):
        typer.echo(line)
    for student in explain_students:
        typer.echo("")
        for line in explain(result, student):
            typer.echo(line)
    if dry_run:
        return
    title = f"{course.course.short_name} scribe roster"
    files = {
        folder / "roster.csv": roster_csv(result.roster),
        folder / "roster.md": roster_markdown(result.roster, result.report),
        folder / "roster.html": roster_html(result.roster, result.report, title),
    }
    for path in write_all_atomic(files):
        typer.echo(f"wrote {path}")


# -- scribe calendar -------------------------------------------------------------------------
@scribe_app.command("calendar")
def calendar_cmd(
    course_dir: Path | None = COURSE_OPTION,
    roster_path: Path | None = ROSTER_OPTION,
    students: list[str] = typer.Option(
        [], "--student", "-s", help="Only this student's due dates (NetID or e-mail); repeatable."
    ),
    per_student: bool = typer.Option(
        False, "--per-student", help="One .ics per student in a folder, instead of one for all."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="File (class/one student) or folder (--per-student). Default: <course>/scribe/.",
    ),
) -> None:
    """Write scribe due dates as iCalendar (.ics): one for the class, or per student."""
    from dlcourse.scribe import class_calendar, find_student, student_calendar
    from dlcourse.scribe.io import write_all_atomic
    from dlcourse.scribe.student_calendars import calendar_file_names
    from dlcourse.util.files import child_path

    course, calendar = _course(course_dir)
    roster = _roster(course, calendar, roster_path)
    stamp = dt.datetime.now(dt.UTC)
    known = roster.students()
    wanted = []
    for text in students:
        student_id = find_student(known, text)
        if student_id is None:
            _fail([f"--student {text!r}: not in the roster"])
        wanted.append(student_id)
    folder = _scribe_dir(course)
    files: dict[Path, str] = {}
    if per_student or len(wanted) > 1:
        target = out or folder / "calendars"
        chosen = wanted or sorted({p.student.id for p in roster.placements})
        names = calendar_file_names(chosen)
        for student_id in chosen:
            ics = student_calendar(roster, student_id, stamp).to_ical().decode()
            files[child_path(target, names[student_id])] = ics
    elif wanted:
        target = out or child_path(folder, calendar_file_names(wanted)[wanted[0]])
        files[target] = student_calendar(roster, wanted[0], stamp).to_ical().decode()
    else:
        files[out or folder / "scribe.ics"] = class_calendar(roster, stamp).to_ical().decode()
    for path in write_all_atomic(files):
        typer.echo(f"wrote {path}")


# -- scribe status ---------------------------------------------------------------------------
@scribe_app.command("status")
def status_cmd(
    course_dir: Path | None = COURSE_OPTION,
    roster_path: Path | None = ROSTER_OPTION,
    as_of: str | None = typer.Option(
        None, "--as-of", help="Judge as of this time (ISO; course zone). Default: now."
    ),
    submitted: list[str] = typer.Option(
        [], "--submitted-at", help="SLOT=TIME: a submission time (e.g. the PR's) for a slot."
    ),
    submissions: Path | None = typer.Option(
        None,
        "--submissions",
        help="CSV with columns slot,submitted_at (PR times). "
        "Default: <course>/scribe/submissions.csv when there is one.",
    ),
    output: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write csv/json here."),
) -> None:
    """For every slot: file present, check errors, authors, on time; each student's credit."""
    from dlcourse.scribe import scribe_status, status_csv
    from dlcourse.scribe.io import write_atomic

    if output not in ("table", "csv", "json"):
        _fail([f"--format {output!r}: use table, csv or json"])
    course, calendar = _course(course_dir)
    roster = _roster(course, calendar, roster_path)
    overrides: dict[str, dt.datetime] = {}
    if submissions is None and (course.root / "scribe" / "submissions.csv").is_file():
        submissions = course.root / "scribe" / "submissions.csv"
    if submissions is not None:
        overrides |= _read_submissions(submissions, course)
    for item in submitted:
        slot, _, moment = item.partition("=")
        if not moment:
            _fail([f"--submitted-at {item!r}: write SLOT=TIME, e.g. 01-2=2020-02-02T21:00"])
        overrides[slot.strip()] = _moment(moment, course, f"--submitted-at {slot}")
    unknown = set(overrides) - {s.key for s in roster.slots} - {m.slot for m in calendar.meetings}
    if unknown:
        _fail([f"--submitted-at: no slot {key!r} in the calendar" for key in sorted(unknown)])
    moment = _moment(as_of, course, "--as-of") if as_of else None
    report = scribe_status(course, roster, moment, overrides=overrides)
    if output == "json":
        text = report.to_json()
    elif output == "csv":
        text = status_csv(report)
    else:
        _print_status(report)
        return
    if out is not None:
        write_atomic(out, text)
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text, nl=False)


def _read_submissions(path: Path, course: Course) -> dict[str, dt.datetime]:
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except OSError as error:
        _fail([f"{path}: cannot read ({error.strerror})"])
    except UnicodeDecodeError:
        _fail([f"{path}: not UTF-8 text; export the sheet as CSV UTF-8"])
    found = {}
    problems = []
    for row, record in enumerate(rows, start=2):
        slot, moment = (record.get("slot") or "").strip(), (record.get("submitted_at") or "")
        try:
            value = dt.datetime.fromisoformat(moment.strip())
        except ValueError:
            problems.append(f"{path}: row {row}: cannot read submitted_at {moment!r} — ISO time")
            continue
        found[slot] = value.replace(tzinfo=course.tz) if value.tzinfo is None else value
    if problems:
        _fail(problems)
    return found


def _print_status(report: StatusReport) -> None:
    from dlcourse.scribe import STATE_MEANINGS

    table = Table(title=f"Scribe status as of {report.as_of:%a %d %b %Y %H:%M %Z}")
    for header in ("Slot", "Due", "File", "Errors", "Authors", "Submitted", "State"):
        table.add_column(header, no_wrap=header != "State")
    for slot in report.slots:
        authors = (
            "ok"
            if not slot.missing_authors and not slot.unexpected_authors
            else f"-{len(slot.missing_authors)} +{len(slot.unexpected_authors)}"
        )
        errors_text = str(slot.errors) if slot.checked else "n/a"
        submitted = f"{slot.submitted_at:%d %b %H:%M}" if slot.submitted_at else "—"
        table.add_row(
            slot.slot,
            f"{slot.due:%d %b %H:%M}",
            "yes" if slot.present else "no",
            errors_text if slot.present else "—",
            authors if slot.present else "—",
            submitted,
            slot.state,
        )
    console.print(table)
    console.print(
        "Authors: ok = the note's authors are its group; -N = N of the group are not in the "
        "authors, +N = N authors are not in the group.",
        highlight=False,
    )
    seen = {slot.state for slot in report.slots}
    console.print("States:", highlight=False)
    for state, meaning in STATE_MEANINGS.items():
        if state in seen:
            console.print(f"  {state}: {meaning}", highlight=False, markup=False)
    for line in credit_summary(report):
        console.print(line, highlight=False, markup=False)


def credit_summary(report: StatusReport) -> list[str]:
    """How many students stand where, in the same states as the table."""
    with_duty = [s for s in report.students if s.duties]
    final = [s for s in with_duty if s.final]
    gaining = [s for s in final if (s.points or 0) > 0]
    losing = [s for s in final if (s.points or 0) < 0]
    component = report.policy.component
    lines = [
        f"Credit ({component}): {len(with_duty)} students with a duty; {len(final)} final "
        f"({len(gaining)} gain points, {len(losing)} lose points, "
        f"{len(final) - len(gaining) - len(losing)} neither), "
        f"{len(with_duty) - len(final)} not final yet (pending or undated)."
    ]
    reserve = len(report.students) - len(with_duty)
    if reserve:
        lines.append(f"{reserve} students on the reserve list have no duty and no credit.")
    lines.append("JSON for the gradebook: --format json")
    return lines


# -- notes new -------------------------------------------------------------------------------
_MEETING = re.compile(r"^(\d{1,2})(?:-(\d{1,2}))?$")


def _meeting_of(name: str, part: int | None) -> tuple[int, int]:
    """``03-1`` (the slot name every other output uses), or week and part apart: ``3 1``."""
    match = _MEETING.match(name.strip())
    if match is None or (match.group(2) is None) == (part is None):
        _fail(
            [
                f"notes new {name}{'' if part is None else f' {part}'}: name the meeting as "
                "NN-K (e.g. 03-1: week 3, meeting 1) or as two numbers (3 1)"
            ]
        )
    return int(match.group(1)), int(match.group(2) or part)


def notes_new(
    meeting_name: str = typer.Argument(
        ..., metavar="MEETING", help="The meeting: 03-1 (week 3, meeting 1), or the week: 3."
    ),
    part: int | None = typer.Argument(
        None, metavar="[PART]", help="The meeting of the week, when MEETING is only the week."
    ),
    course_dir: Path | None = COURSE_OPTION,
    roster_path: Path | None = ROSTER_OPTION,
    language: str | None = typer.Option(None, "--lang", help="Language folder. Default: source."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing note."),
    pr_out: Path | None = typer.Option(
        None, "--pr-out", help="Where to write the PR description. Default: <course>/scribe/pr/."
    ),
) -> None:
    """Write the note skeleton of a meeting for its scribe group, and its PR description."""
    from dlcourse.scribe import Roster, note_skeleton, scribe_slots
    from dlcourse.scribe.io import write_all_atomic
    from dlcourse.scribe.skeleton import UnknownLanguage

    week, part = _meeting_of(meeting_name, part)
    course, calendar = _course(course_dir)
    meeting = calendar.meeting(week, part)
    if meeting is None:
        known = ", ".join(m.slot for m in calendar.meetings)
        _fail([f"no meeting {week:02d}-{part} in the course calendar; meetings: {known}"])
    if roster_path is None and not _roster_file(course).is_file():
        typer.echo("warning: no roster yet (dlcourse scribe assign SIGNUPS.csv)", err=True)
        roster = Roster(scribe_slots(calendar), writers_per_group=course.scribe.writers_per_group)
    else:
        roster = _roster(course, calendar, roster_path)
    try:
        skeleton = note_skeleton(course, meeting, roster, language)
    except UnknownLanguage as error:
        _fail([f"--lang: {error}"])
    for warning in skeleton.warnings:
        typer.echo(f"warning: {warning}", err=True)
    target = output_path(course, skeleton.path)
    if target.exists() and not force:
        _fail([f"{target} exists: pass --force to overwrite it"])
    pr_path = (pr_out or _scribe_dir(course) / "pr") / f"{meeting.slot}.md"
    for path in write_all_atomic({target: skeleton.text, pr_path: skeleton.pr_text}):
        typer.echo(f"wrote {path}")
