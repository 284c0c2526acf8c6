"""The roster as a Markdown table and an HTML page (week, meeting, role, names, slice, due)."""

from __future__ import annotations

import datetime as dt
import html

from dlcourse.scribe.assign import AssignmentReport
from dlcourse.scribe.roster import Duty, Roster

HEADERS = ("Week", "Meeting", "Role", "Names", "Time slice (video)", "Due")


def format_due(moment: dt.datetime) -> str:
    """``Mon 3 Feb 2020 23:59 EST``: wall-clock time in the course zone, with its abbreviation."""
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M %Z}"


def _rows(roster: Roster) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    for duty in roster.duties():
        rows.append(_row(duty))
    return rows


def _row(duty: Duty) -> tuple[str, str, str, str, str, str]:
    s = duty.scribe_slot
    meeting = (
        f"{s.meeting.title} ({s.key}, {s.meeting.date:%a} {s.meeting.date.day} {s.meeting.date:%b})"
    )
    role = duty.role + (" (extra)" if duty.extra else "")
    if duty.time_slice is not None:
        piece = f"{duty.time_slice} (min {duty.time_slice.start}–{duty.time_slice.end})"
    else:
        end = s.video_offset + s.minutes
        piece = f"whole section, video {s.video_offset}–{end} min"
    return (str(s.week), meeting, role, duty.student.name, piece, format_due(duty.due))


def roster_markdown(roster: Roster, report: AssignmentReport | None = None) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["# Scribe roster", ""]
    lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(roster)]
    if roster.reserve:
        lines += ["", "## Reserve list", ""]
        lines += [f"{n}. {student.name}" for n, student in enumerate(roster.reserve, 1)]
    if report is not None and report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def roster_html(roster: Roster, report: AssignmentReport | None = None, title: str = "") -> str:
    esc = html.escape
    heading = esc(title or "Scribe roster")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{heading}</title>",
        "<style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;"
        "text-align:left}@media (prefers-color-scheme:dark){body{background:#111;color:#eee}}"
        "</style></head><body>",
        f"<h1>{heading}</h1>",
        "<table><thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in HEADERS),
        "</tr></thead><tbody>",
    ]
    for row in _rows(roster):
        parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    parts.append("</tbody></table>")
    if roster.reserve:
        parts.append("<h2>Reserve list</h2><ol>")
        parts += [f"<li>{esc(s.name)}</li>" for s in roster.reserve]
        parts.append("</ol>")
    if report is not None and report.notes:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{esc(note)}</li>" for note in report.notes]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def report_text(report: AssignmentReport) -> list[str]:
    """The assignment summary the CLI prints (and the tests read)."""
    lines = [
        f"{report.students} students, {report.slots} slots, {report.seats} regular seats "
        f"({report.size})",
        f"placed {report.placed} (locked {report.locked}), reserve {report.reserve}, "
        f"full slots {report.full_slots}/{report.slots}, extra writers {report.extra_writers}"
        + (f", second duties {report.second_duties}" if report.second_duties else ""),
        f"preferred week {report.week}; preferred meeting {report.meeting}; "
        f"preferred role {report.role}; friends kept together {report.parties}",
    ]
    return lines + [f"note: {note}" for note in report.notes]
