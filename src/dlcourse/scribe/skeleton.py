"""Note skeletons: the file a group fills in, and the pull-request description for its editor.

``note_skeleton`` writes ``docs/<lang>/weekNN/NN-K.md`` with the front matter filled from the
course and the roster, and one subsection per writer whose heading links the video at the
writer's start time (``&t=<seconds>s``) — the convention the notes checker reads. Every
placeholder the group replaces starts with ``PLACEHOLDER`` (``TODO(scribe):``), a marker distinct
from an ordinary "TODO" in prose or code: the checker's ED005 (placeholder-text) reports each one
left in the title, the front matter or the text, and LEN001 a subsection still too short.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course import Course
from dlcourse.course.calendar import Meeting
from dlcourse.course.layout import note_file_name
from dlcourse.notes.rules.editor import PLACEHOLDER  # what ED005 (placeholder-text) reports
from dlcourse.scribe.roster import Duty, Roster
from dlcourse.scribe.roster_files import format_due
from dlcourse.scribe.slots import TimeSlice

#: An 11-character stand-in when course.toml has no video id for the meeting yet.
MISSING_VIDEO = "VIDEO_ID_00"


@dataclass(frozen=True)
class Skeleton:
    path: Path
    text: str
    pr_text: str
    warnings: tuple[str, ...] = ()


def note_path(course: Course, meeting: Meeting, language: str | None = None) -> Path:
    """Where ``meeting``'s note lives. ``language`` must be one of the course's languages
    (their codes are validated as ``en``, ``zh-CN``…, so the path stays under the notes
    folder); anything else raises :class:`UnknownLanguage`."""
    language = language or course.notes.source_language
    if course.notes.language(language) is None:
        raise UnknownLanguage(language, [lang.code for lang in course.notes.languages])
    return course.docs_dir / language / note_file_name(meeting.week, meeting.part)


class UnknownLanguage(ValueError):
    """A language code that is not in the course's ``[notes] languages``."""

    def __init__(self, code: str, known: list[str]) -> None:
        super().__init__(
            f"language {code!r} is not one of the course's: {', '.join(known)} "
            "(add it to [[notes.languages]] in course.toml first)"
        )


def note_date(meeting: Meeting) -> str:
    """``27 Jan 2020``: the date style of the notes' front matter."""
    return f"{meeting.date.day} {meeting.date:%b %Y}"


def _yaml(value: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted (JSON strings are valid YAML)."""
    risky = value != value.strip() or any(c in value for c in ":#{}[]&*!|>'\"%@`") or not value
    return json.dumps(value, ensure_ascii=False) if risky else value


def _group_duties(roster: Roster, meeting: Meeting) -> list[Duty]:
    return [duty for duty in roster.duties() if duty.scribe_slot.meeting.slot == meeting.slot]


def note_skeleton(
    course: Course, meeting: Meeting, roster: Roster, language: str | None = None
) -> Skeleton:
    """The skeleton of ``meeting``'s note from the roster (all of the meeting's groups)."""
    duties = _group_duties(roster, meeting)
    warnings = []
    if not duties:
        warnings.append(
            f"nobody is assigned to {meeting.slot} in the roster: the skeleton names "
            "placeholder writers"
        )
    video = meeting.video_id
    if video is None:
        video = MISSING_VIDEO
        warnings.append(
            f"course.toml has no video id for week {meeting.week} {meeting.pattern.id}: headings "
            f"link {MISSING_VIDEO}; add it under [[weeks]] videos and run again with --force"
        )
    writers = [d for d in duties if d.role == "writer"]
    editors = [d for d in duties if d.role == "editor"]
    authors = ", ".join(d.student.name for d in writers + editors)
    lines = [
        "---",
        f"lang-ref: {meeting.lang_ref}",
        f"title: {_yaml(f'{PLACEHOLDER} title of the section (editor)')}",
        f"lecturer: {_yaml(meeting.lecturer or f'{PLACEHOLDER} lecturer')}",
        f"authors: {_yaml(authors) if authors else ''}",
        f"date: {note_date(meeting)}",
        "---",
        "",
    ]
    words = course.scribe.words_per_subsection
    for name, piece in _writer_pieces(course, roster, meeting, writers):
        url = f"https://www.youtube.com/watch?v={video}&t={piece.video_start * 60}s"
        lines += [
            "",
            f"## [{PLACEHOLDER} subsection title ({name})]({url})",
            "",
            f"<!-- Writer: {name}. Video {piece} (minutes {piece.start}–"
            f"{piece.end} of this hour). About {words} words, formulas included. -->",
            "",
            f"{PLACEHOLDER} about {words} words by {name}.",
            "",
        ]
    return Skeleton(
        note_path(course, meeting, language),
        "\n".join(lines).rstrip("\n") + "\n",
        pr_template(course, meeting, duties),
        tuple(warnings),
    )


def _writer_pieces(
    course: Course, roster: Roster, meeting: Meeting, writers: list[Duty]
) -> list[tuple[str, TimeSlice]]:
    """(writer, video slice) per subsection: the roster's writers, or — before anyone is
    assigned — the policy's number of writers per group, named by position."""
    if writers:
        return [(d.student.name, d.time_slice) for d in writers if d.time_slice is not None]
    count = course.scribe.writers_per_group
    slices = [
        piece
        for scribe_slot in roster.slots
        if scribe_slot.meeting.slot == meeting.slot
        for piece in scribe_slot.slices(count)
    ]
    return [(f"writer {number}", piece) for number, piece in enumerate(slices, start=1)]


def pr_template(course: Course, meeting: Meeting, duties: list[Duty]) -> str:
    """The pull request's description: the editor's summary placeholder, the group, the check."""
    words = course.scribe.words_per_summary
    language = course.notes.source_language
    path = f"docs/{language}/week{meeting.week:02d}/{meeting.slot}.md"
    lines = [
        f"# Week {meeting.week}, {meeting.title} ({meeting.lang_ref}), {note_date(meeting)}",
        "",
        f"<!-- Editor: replace the line below with a summary of about {words} words. -->",
        f"{PLACEHOLDER} summary of the section in about {words} words.",
        "",
        "## Group",
        "",
    ]
    for duty in duties:
        piece = f", video {duty.time_slice}" if duty.time_slice else ""
        lines.append(f"- {duty.role.capitalize()}: {duty.student.name}{piece}")
    due = format_due(duties[0].due) if duties else format_due(meeting.scribe_due)
    lines += [
        "",
        f"Due {due}.",
        "",
        "## Checklist",
        "",
        f"- [ ] `dlcourse notes check {path}` reports no errors",
        "- [ ] every subsection heading links the video at its start time, with no gaps",
        "- [ ] `authors` lists the whole group; `title` is the section's title",
        "",
    ]
    return "\n".join(lines)
