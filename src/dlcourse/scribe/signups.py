"""The sign-up sheet: a CSV exported from a spreadsheet or form, validated row by row.

Columns (header names are matched without case, spaces, ``-`` or ``_``; aliases in brackets):

- ``name`` (full name, student) — required
- ``email`` (e-mail, email address) and/or ``netid`` (net id) — at least one per row; an ``email``
  cell without ``@`` is taken as the NetID when it has a NetID's shape (letters then digits,
  ``ab1234``: the "E-mail/NetID" column); anything else (``not-an-email``) is a malformed e-mail
- ``track`` — a grading track id or name from course.toml (default: the default track)
- ``weeks`` (preferred weeks) — ``3, 5-7``
- ``meetings`` (preferred meetings) — note slots ``01-2`` or ``ch.01-2``
- ``role`` (preferred role) — ``writer``, ``editor`` or empty/``either``
- ``with`` (partners, friends) — names, e-mails or NetIDs to be grouped with, split by ``;`` ``,``
- ``timestamp`` — when the student signed up (form exports); orders the reserve list

Rows are numbered as in the spreadsheet: the header is row 1.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from email_validator import EmailNotValidError, validate_email

from dlcourse.course import Course
from dlcourse.course.calendar import CourseCalendar
from dlcourse.scribe.errors import RosterError, RosterIssue
from dlcourse.util.csv_files import CsvSyntaxError, read_records

#: The largest sheet read, in characters and in student rows: a course has a few hundred
#: students, and assignment time grows faster than linearly with them.
MAX_SIGNUP_CHARS = 4 * 1024 * 1024
MAX_SIGNUP_ROWS = 10_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "student", "studentname"),
    "email": ("email", "emailaddress", "mail", "emailnetid"),
    "netid": ("netid", "nyunetid", "id", "studentid"),
    "track": ("track", "gradingtrack"),
    "weeks": ("weeks", "week", "preferredweeks", "preferredweek"),
    "meetings": ("meetings", "meeting", "preferredmeetings", "preferredmeeting", "slots"),
    "role": ("role", "preferredrole", "rolepreference"),
    "with": ("with", "partners", "partner", "friends", "together", "groupwith"),
    "timestamp": ("timestamp", "time", "signedup", "submitted"),
}
_ALIAS = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}

_NETID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,30}$")
#: What a NetID looks like (``ab1234``): an ``email`` cell of this shape is read as the NetID.
_NETID_SHAPE = re.compile(r"^[A-Za-z]+[0-9]+$")
_WEEK_RANGE = re.compile(r"^(?:w(?:eeks?)?\s*)?(\d{1,2})(?:\s*[-–]\s*(\d{1,2}))?$", re.IGNORECASE)
_MEETING = re.compile(r"^(?:ch\.)?(\d{1,2})-(\d{1,2})$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:[;,/&]|\band\b)\s*")
_ROLES = {
    "writer": "writer",
    "writers": "writer",
    "w": "writer",
    "editor": "editor",
    "editors": "editor",
    "e": "editor",
    "": None,
    "either": None,
    "any": None,
    "nopreference": None,
    "none": None,
}
_TIMESTAMP_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Signup:
    """One valid row of the sheet."""

    row: int
    name: str
    email: str | None = None
    netid: str | None = None
    track: str | None = None  # a track id of course.toml; None = the default track
    weeks: frozenset[int] = frozenset()
    meetings: frozenset[str] = frozenset()  # note slots, e.g. "01-2"
    role: str | None = None
    partners: tuple[str, ...] = ()  # as written; resolved by SignupSheet.parties()
    timestamp: dt.datetime | None = None

    @property
    def id(self) -> str:
        """The student's key: the NetID when given, else the e-mail (lower case)."""
        return (self.netid or self.email or self.name).lower()

    @property
    def has_time_preference(self) -> bool:
        return bool(self.weeks or self.meetings)

    @property
    def preferred_weeks(self) -> frozenset[int]:
        """Weeks named directly or through a preferred meeting."""
        return self.weeks | {int(slot.split("-")[0]) for slot in self.meetings}


@dataclass
class SignupSheet:
    path: Path | None
    signups: list[Signup]
    issues: list[RosterIssue] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[RosterIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[RosterIssue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    def by_id(self) -> dict[str, Signup]:
        return {signup.id: signup for signup in self.signups}

    def partner_graph(self) -> tuple[nx.Graph, list[RosterIssue]]:
        """Students linked by ``with`` (either direction), and warnings for unresolved names."""
        index: dict[str, list[str]] = {}
        for signup in self.signups:
            keys = {signup.id, _norm_name(signup.name)}
            keys |= {k.lower() for k in (signup.email, signup.netid) if k}
            for key in keys:
                index.setdefault(key, []).append(signup.id)
        graph = nx.Graph()
        graph.add_nodes_from(signup.id for signup in self.signups)
        warnings = []
        for signup in self.signups:
            for partner in signup.partners:
                matches = sorted(
                    set(index.get(partner.lower(), index.get(_norm_name(partner), [])))
                )
                if len(matches) == 1 and matches[0] != signup.id:
                    graph.add_edge(signup.id, matches[0])
                elif not matches:
                    warnings.append(
                        RosterIssue(
                            self.path,
                            signup.row,
                            f"partner {partner!r} did not sign up (yet)",
                            "they are placed together once both rows exist",
                            "warning",
                            "with",
                        )
                    )
                elif len(matches) > 1:
                    warnings.append(
                        RosterIssue(
                            self.path,
                            signup.row,
                            f"partner {partner!r} matches several students",
                            "write the partner's e-mail or NetID instead of the name",
                            "warning",
                            "with",
                        )
                    )
        return graph, warnings


def _norm_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _norm_header(header: str) -> str:
    return re.sub(r"[\s_\-/().]+", "", header.strip().lower())


def read_signups(path: Path, course: Course, calendar: CourseCalendar) -> SignupSheet:
    """Read and validate a sign-up CSV file. Raises :class:`RosterError` if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        hint = "export the sign-up sheet as CSV and pass its path"
        raise RosterError([RosterIssue(path, None, "file not found", hint)]) from error
    except IsADirectoryError as error:
        hint = "pass the exported CSV file, not its folder"
        raise RosterError([RosterIssue(path, None, "a folder, not a file", hint)]) from error
    except UnicodeDecodeError as error:
        raise RosterError(
            [RosterIssue(path, None, f"not UTF-8 text ({error.reason})", "export as CSV UTF-8")]
        ) from error
    return parse_signups(text, course, calendar, path)


def parse_signups(
    text: str, course: Course, calendar: CourseCalendar, path: Path | None = None
) -> SignupSheet:
    """Validate sign-up CSV text; every problem becomes an issue with its row number. Quoting
    that a spreadsheet would read differently (an unclosed quote merging rows) and oversized
    sheets or cells raise :class:`RosterError` before any row is used."""
    if len(text) > MAX_SIGNUP_CHARS:
        raise RosterError(
            [
                RosterIssue(
                    path,
                    None,
                    f"the sheet has {len(text):,} characters, over the limit of "
                    f"{MAX_SIGNUP_CHARS:,}",
                    "a sign-up sheet of a course is a few hundred rows: check the export",
                )
            ]
        )
    try:
        numbered = read_records(text)
    except CsvSyntaxError as error:
        raise RosterError([RosterIssue(path, error.line, error.message, error.hint)]) from None
    if len(numbered) > MAX_SIGNUP_ROWS + 1:
        raise RosterError(
            [
                RosterIssue(
                    path,
                    None,
                    f"the sheet has {len(numbered) - 1:,} rows, over the limit of "
                    f"{MAX_SIGNUP_ROWS:,} students",
                    "check the export: a course has a few hundred students",
                )
            ]
        )
    records = [record for _, record in numbered]
    sheet = SignupSheet(path, [])
    if not records or not any(cell.strip() for cell in records[0]):
        raise RosterError(
            [RosterIssue(path, 1, "no header row", "the first row names the columns: name, email…")]
        )
    header = records[0]
    columns: list[str | None] = []
    for raw in header:
        column = _ALIAS.get(_norm_header(raw))
        if column is None and raw.strip():
            known = ", ".join(COLUMNS)
            sheet.issues.append(
                RosterIssue(
                    path,
                    1,
                    f"unknown column {raw.strip()!r}",
                    f"rename or delete it; known columns: {known}",
                    column=raw.strip(),
                )
            )
        elif column is not None and column in columns:
            sheet.issues.append(
                RosterIssue(
                    path,
                    1,
                    f"column {raw.strip()!r} repeats {column!r}",
                    "keep one of them",
                    column=raw.strip(),
                )
            )
            column = None
        columns.append(column)
    if "name" not in columns or ("email" not in columns and "netid" not in columns):
        raise RosterError(
            [
                *sheet.issues,
                RosterIssue(
                    path,
                    1,
                    "the sheet needs a 'name' column and an 'email' or 'netid' column",
                    "add them to the header row",
                ),
            ]
        )
    tracks = {t.id.lower(): t.id for t in course.grading.tracks}
    tracks |= {t.name.lower(): t.id for t in course.grading.tracks}
    slots = {meeting.slot for meeting in calendar.meetings}
    weeks = set(calendar.week_numbers())
    seen: dict[str, int] = {}
    for row, record in numbered[1:]:
        if not any(cell.strip() for cell in record):
            continue
        row_issues: list[RosterIssue] = []

        def problem(
            message: str,
            hint: str,
            column: str | None = None,
            row: int = row,
            found: list[RosterIssue] = row_issues,
        ) -> None:
            found.append(RosterIssue(path, row, message, hint, column=column))

        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            problem(f"{len(record)} cells but {len(header)} columns", "delete the stray cells")
        cells = {
            column: record[i].strip()
            for i, column in enumerate(columns)
            if column is not None and i < len(record)
        }
        signup = _parse_row(row, cells, tracks, slots, weeks, problem)
        if signup is not None:
            keys = {k.lower() for k in (signup.email, signup.netid) if k}
            for key in sorted(keys):
                if key in seen:
                    problem(
                        f"duplicate student {key!r} (first on row {seen[key]})",
                        "delete one of the rows (the first is kept with --skip-bad-rows)",
                    )
                    break
        if row_issues:
            sheet.issues.extend(row_issues)
            sheet.skipped_rows.append(row)
            continue
        assert signup is not None
        for key in {k.lower() for k in (signup.email, signup.netid) if k}:
            seen[key] = row
        sheet.signups.append(signup)
    return sheet


def _parse_row(row, cells, tracks, slots, weeks, problem) -> Signup | None:
    name = " ".join(cells.get("name", "").split())
    if not name:
        problem("no name", "fill in the student's full name", "name")
    email = cells.get("email") or None
    netid = cells.get("netid") or None
    if email and "@" not in email and not netid and _NETID_SHAPE.match(email):
        email, netid = None, email
    if email and (reason := email_problem(email)) is not None:
        problem(
            f"malformed e-mail {email!r} ({reason})",
            "write it as name@domain, e.g. ab1234@nyu.edu, or the NetID alone (letters then "
            "digits, e.g. ab1234)",
            "email",
        )
    if netid and not _NETID.match(netid):
        problem(f"malformed NetID {netid!r}", "letters and digits, e.g. ab1234", "netid")
    if not email and not netid:
        problem("no e-mail or NetID", "every student needs one to be identified", "email")
    track = None
    if cells.get("track"):
        track = tracks.get(cells["track"].lower())
        if track is None:
            problem(
                f"unknown track {cells['track']!r}",
                f"use one of {sorted(set(tracks.values()))} or leave it empty",
                "track",
            )
    preferred_weeks: set[int] = set()
    for token in _tokens(cells.get("weeks", "")):
        match = _WEEK_RANGE.match(token)
        if not match:
            problem(f"cannot read week {token!r}", "write week numbers and ranges: 3, 5-7", "weeks")
            continue
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        wanted = set(range(first, last + 1))
        missing = sorted(wanted - weeks)
        if missing or last < first:
            problem(
                f"week(s) {token!r} have no class meeting",
                f"teaching weeks are {min(weeks)}–{max(weeks)}: "
                f"{', '.join(map(str, sorted(weeks)))}",
                "weeks",
            )
            continue
        preferred_weeks |= wanted
    preferred_meetings: set[str] = set()
    for token in _tokens(cells.get("meetings", "")):
        match = _MEETING.match(token)
        slot = f"{int(match.group(1)):02d}-{int(match.group(2))}" if match else None
        if slot is None or slot not in slots:
            problem(
                f"meeting {token!r} does not exist",
                "name a meeting as its note file, e.g. 01-2 (week 1, part 2); "
                "'dlcourse calendar' lists them",
                "meetings",
            )
            continue
        preferred_meetings.add(slot)
    role_text = _norm_header(cells.get("role", ""))
    if role_text not in _ROLES:
        problem(
            f"unknown role {cells['role']!r}", "write 'writer', 'editor' or leave it empty", "role"
        )
    timestamp = None
    if cells.get("timestamp"):
        timestamp = _parse_timestamp(cells["timestamp"])
        if timestamp is None:
            problem(
                f"cannot read timestamp {cells['timestamp']!r}",
                "use 2020-01-20 14:05 or the form's M/D/YYYY H:MM:SS",
                "timestamp",
            )
    partners = tuple(t for t in _SPLIT.split(cells.get("with", "")) if t)
    if not name or (not email and not netid):
        return None
    return Signup(
        row=row,
        name=name,
        email=email,
        netid=netid,
        track=track,
        weeks=frozenset(preferred_weeks),
        meetings=frozenset(preferred_meetings),
        role=_ROLES.get(role_text),
        partners=partners,
        timestamp=timestamp,
    )


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an e-mail address (RFC 5322 as the course model's ``EmailStr``
    checks it: no leading or doubled dots, a real domain), or None when it is one. Whatever it
    says, a file name made from a student's e-mail is a slug (:func:`safe_file_name`)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        reason = str(error).rstrip(".")
        return reason[:1].lower() + reason[1:]
    return None


def _tokens(text: str) -> list[str]:
    return [token.strip() for token in re.split(r"[;,]", text) if token.strip()]


def _parse_timestamp(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    else:  # order only: aware times become naive UTC so that a sheet sorts either way
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    for pattern in _TIMESTAMP_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
