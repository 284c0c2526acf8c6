"""CLI for the course model: init, info, validate, calendar."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, exit_course_error, output_path
from dlcourse.course import Course, CourseError
from dlcourse.course.calendar import CourseCalendar, build_calendar


def _out(markup: bool = True) -> Console:
    # Made per call, not at import, so the width follows the terminal (and COLUMNS) of each run.
    return Console(markup=markup)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("info")(info)
    app.command("validate")(validate)
    app.command("calendar")(calendar)


def init(
    directory: Path = typer.Argument(..., help="New course folder to create."),
    example: bool = typer.Option(
        False,
        "--example",
        help="Copy the whole spring 2020 example (people, links, sample roster) for a demo.",
    ),
) -> None:
    """Create a new course folder: the spring 2020 structure and sample notes, no students."""
    from dlcourse.course.scaffold import init_course

    try:
        created = init_course(directory, full_example=example)
    except CourseError as error:
        raise exit_course_error(error) from error
    _out().print(
        f"Created course folder [bold]{escape(str(created))}[/]. Fill in the placeholders of "
        f"{escape(str(created / 'course.toml'))}, then, inside the folder: dlcourse validate",
        highlight=False,
    )


def info(course_dir: Path | None = COURSE_OPTION) -> None:
    """Summarise a course: identity, people, meetings with dates, scribe policy, grading."""
    course = course_or_exit(course_dir)
    print_summary(course, build_calendar(course))


def validate(course_dir: Path | None = COURSE_OPTION) -> None:
    """Check course.toml (and the files it names); exit 2 with every problem found."""
    course = course_or_exit(course_dir)
    cal = build_calendar(course)
    for number in cal.unscheduled_weeks:
        typer.echo(
            f"{typer.style('warning', fg='yellow')}: {course.config_path}:{course.locate('weeks')}:"
            f" week {number} has no dated meetings (term dates and days off leave no room for it)"
            " — check term_start, term_end and [[schedule.days_off]], or remove the week",
            err=True,
        )
    _out().print(
        f"[green]ok[/] {escape(str(course.config_path))}: {len(cal.meetings)} meetings in "
        f"{len(cal.week_numbers())} weeks, {len(course.people)} people, "
        f"{len(course.grading.tracks)} grading tracks"
    )


def calendar(
    course_dir: Path | None = COURSE_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Where to write the .ics. Default: <course>/course.ics."
    ),
    no_scribe: bool = typer.Option(False, "--no-scribe", help="Leave out scribe due dates."),
    no_homework: bool = typer.Option(False, "--no-homework", help="Leave out homework."),
) -> None:
    """Write the course calendar (meetings, scribe due dates, homework) as iCalendar."""
    from dlcourse.course.ical_export import course_ics
    from dlcourse.util.files import atomic_write_bytes

    course = course_or_exit(course_dir)
    # in the course folder, like the site and the roster (the current folder for the example)
    target = out if out is not None else output_path(course, course.root / "course.ics")
    data = course_ics(build_calendar(course), scribe_due=not no_scribe, homework=not no_homework)
    atomic_write_bytes(target, data)
    _out().print(f"Wrote {escape(str(target))} ({data.count(b'BEGIN:VEVENT')} events).")


def print_summary(course: Course, cal: CourseCalendar) -> None:
    # No markup at all: course.toml's text prints as written (Rich would read "[see below]" as a
    # style and drop it, and fail on "[/]"); the few bold labels are styled Text instead.
    console = _out(markup=False)
    info = course.course
    console.rule(Text.assemble((f"{info.code}: {info.title}", "bold"), f" — {info.term}"))
    console.print(info.description.strip())
    if info.prerequisites:
        console.print(Text("Prerequisites:", "bold"), "; ".join(info.prerequisites))

    people = Table(title="People", show_lines=False)
    for column in ("Role", "Name", "Contact"):
        people.add_column(column)
    for person in course.people:
        people.add_row(person.role, person.name, person.email or "")
    console.print(people)

    schedule = course.schedule
    pattern = Table(title=f"Weekly meetings ({schedule.timezone})")
    for column in ("Meeting", "Kind", "Day", "Time", "Lecturer"):
        pattern.add_column(column)
    for meeting in schedule.meetings:
        when = (
            f"{meeting.start:%H:%M}–{meeting.end:%H:%M}"
            if meeting.start and meeting.end
            else "all day (time not set)"
        )
        pattern.add_row(
            meeting.title, meeting.kind, meeting.weekday.title(), when, meeting.lecturer or ""
        )
    console.print(pattern)

    # Dates, times and due dates never wrap (a row stays one line at 80 columns); the year and
    # the zone are in the title, as every time is wall-clock in the course zone.
    dated = Table(
        title=f"Meetings {schedule.term_start} → {schedule.term_end} ({schedule.timezone})",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for column in ("Note", "Date", "Time", "Meeting", "Lecturer", "Scribe due"):
        fixed = column in ("Note", "Date", "Time", "Scribe due")
        dated.add_column(column, no_wrap=fixed)
    for meeting in cal.meetings:
        when = (
            f"{meeting.start:%H:%M}–{meeting.end:%H:%M}"
            if meeting.start and meeting.end
            else "all day"
        )
        dated.add_row(
            meeting.slot,
            f"{meeting.date:%a %d %b}",
            when,
            meeting.title,
            meeting.lecturer or "",
            f"{meeting.scribe_due:%d %b %H:%M}",
        )
    console.print(dated)
    for off in schedule.days_off:
        span = f"{off.date}" + (f" → {off.until}" if off.until else "")
        console.print(f"No class: {span} ({off.reason})")

    scribe = course.scribe
    console.print(
        Text("Scribes:", "bold"),
        f"groups of {scribe.writers_per_group} writers + "
        f"{scribe.editors_per_group} editor per {scribe.minutes_per_hour}-minute hour; "
        f"{scribe.groups_per_lecture} groups per lecture, {scribe.groups_per_lab} per lab; "
        f"~{scribe.minutes_per_writer} min and ~{scribe.words_per_subsection} words per writer, "
        f"~{scribe.words_per_summary}-word editor summary; due {scribe.due_after_days} days after "
        f"the meeting at {scribe.due_time:%H:%M}.",
    )

    for track in course.grading.tracks:
        title = (
            f"Grading: {track.name}"
            + (" (default)" if track.id == course.grading.default_track else "")
            + (" — requires approval" if track.requires_approval else "")
        )
        grading = Table(title=title, min_width=min(len(title) + 4, console.width))
        grading.add_column("Component")
        grading.add_column("Weight", justify="right")
        for component in track.components:
            sign = {"core": "", "adjustment": "±", "bonus": "+"}[component.kind]
            grading.add_row(component.label, f"{sign}{component.weight:g}%")
        console.print(grading)

    if cal.deadlines:
        homework = Table(title="Homework")
        for column in ("Assignment", "Released", "Due"):
            homework.add_column(column)
        for deadline in cal.deadlines:
            approx = " (approx.)" if deadline.approximate else ""
            homework.add_row(
                deadline.title,
                f"{deadline.release:%a %d %b %Y}",
                f"{deadline.due:%a %d %b %Y %H:%M %Z}{approx}",
            )
        console.print(homework)
        policy = course.homework_policy
        late = "No late submissions." if policy.late_submissions == "none" else "Late work allowed."
        console.print(f"{late} {policy.special_circumstances or ''}".strip())
