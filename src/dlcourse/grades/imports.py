"""Imports into the gradebook: all or nothing, with row-numbered errors, idempotent.

Every kind reads its file completely first and collects every problem with its row (the header
is row 1); one bad row and nothing is written. The changes are then applied in one write
transaction with their audit rows: a changed value is an audited update, an unchanged one is
nothing at all, so importing the same file twice changes nothing the second time.

Kinds: ``roster`` (the registrar's class list), ``staff``, ``scores`` (midterm, project, research,
homework: one column per assessment id), ``scribe-status`` (``dlcourse scribe status --format
json``), ``piazza`` (class statistics CSV) and ``ed`` (Ed Discussion analytics CSV).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dlcourse.course import Course
from dlcourse.grades.audit import audit_row
from dlcourse.grades.db import GradebookError, insert_rows
from dlcourse.grades.models import (
    STAFF_ROLES,
    Assessment,
    AuditEntry,
    ForumActivity,
    Person,
    Score,
    ScribeDuty,
    utc_now,
)
from dlcourse.grades.store import Gradebook, netid_problem
from dlcourse.util.csv_files import CsvSyntaxError, read_records

SCRIBE_SCHEMA = "dlcourse.scribe-status/1"
DUTY_STATES = ("complete", "needs-fixes", "unattributed", "late", "missing", "pending")


class ImportProblem(GradebookError):
    """A file that cannot be imported; every issue names the file and the row."""


@dataclass
class ImportReport:
    kind: str
    file: Path
    rows: int
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def audit_rows(self) -> int:
        return self.added + self.changed + self.removed


# -- reading files -----------------------------------------------------------------------------
def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(normalised header, [(row number, {normalised column: cell})]); header is row 1."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"{path}: cannot read ({error.strerror})") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblem(
            f"{path}: not UTF-8 text (byte {error.start}); export the sheet as CSV UTF-8"
        ) from error
    try:  # strictly: an unclosed quote must not merge rows, an oversized cell is no traceback
        records = read_records(text)
    except CsvSyntaxError as error:
        raise ImportProblem(f"{path}:{error.line}: {error.message} — {error.hint}") from None
    if not records:
        raise ImportProblem(f"{path}: empty file; expected a header row")
    header = records[0][1]
    names = [_key(name) for name in header]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise ImportProblem(f"{path}:1: columns repeat: {', '.join(repeated)}")
    rows = []
    for number, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            extra = [c for c in cells[len(names) :] if c.strip()]
            if extra:
                raise ImportProblem(
                    f"{path}:{number}: {len(cells)} cells but {len(names)} columns; "
                    "quote cells that contain commas"
                )
        rows.append(
            (number, {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names)})
        )
    return names, rows


def _column(names: list[str], *aliases: str) -> str | None:
    return next((a for a in aliases if a in names), None)


def _number(text: str, where: str, problems: list[str], what: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{where}: {what} {text!r} is not a number")
        return None
    if not math.isfinite(value):
        problems.append(f"{where}: {what} {text!r} is not a finite number")
        return None
    return value


def _count(text: str, where: str, problems: list[str], what: str) -> int:
    if not text:
        return 0
    value = _number(text, where, problems, what)
    if value is None:
        return 0
    if value < 0 or value != int(value):
        problems.append(f"{where}: {what} {text!r} is not a whole number ≥ 0")
        return 0
    return int(value)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# -- applying changes --------------------------------------------------------------------------
class _Writer:
    """Collects row changes with their audit rows, then writes them in bulk."""

    def __init__(self, session: Session, actor: str, reason: str, report: ImportReport):
        self.session, self.actor, self.reason, self.report = session, actor, reason, report
        self.at = utc_now()
        self.audit: list[dict[str, Any]] = []

    def note(
        self,
        action: str,
        table: str,
        key: str,
        student: str | None,
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
    ) -> None:
        self.audit.append(
            audit_row(
                actor=self.actor,
                reason=self.reason,
                action=action,
                table=table,
                key=key,
                student=student,
                old=old,
                new=new,
                at=self.at,
            )
        )
        if action == "insert":
            self.report.added += 1
        elif action == "update":
            self.report.changed += 1
        else:
            self.report.removed += 1

    def flush_audit(self) -> None:
        insert_rows(self.session.connection(), AuditEntry.__table__, self.audit)
        self.audit = []


def _json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in values.items()}


def _run(
    book: Gradebook,
    report: ImportReport,
    reason: str,
    apply: Callable[[Session, _Writer], None],
) -> ImportReport:
    """Apply inside one write transaction; a dry run rolls it back after computing the report."""

    class _DryRun(Exception):
        pass

    try:
        with book.transaction(reason) as session:
            writer = _Writer(session, book.actor, reason, report)
            apply(session, writer)
            writer.flush_audit()
            if report.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _people_by_login(session: Session) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for person in session.scalars(select(Person)):
        found[person.netid] = person
        if person.email:
            found.setdefault(person.email.lower(), person)
    return found


# -- roster ------------------------------------------------------------------------------------
def import_roster(book: Gradebook, path: Path, dry_run: bool = False) -> ImportReport:
    """The registrar's class list: NetID, name (or first and last name), e-mail, section,
    optionally track. New students are added, changed ones updated; a student the list no
    longer names is marked not enrolled (kept, with their scores)."""
    names, rows = read_csv(path)
    problems: list[str] = []
    netid_col = _column(names, "netid", "net id", "sis login id", "login id", "username")
    name_col = _column(names, "name", "student name", "student")
    first_col, last_col = (
        _column(names, "first name", "given name"),
        _column(names, "last name", "family name", "surname"),
    )
    email_col = _column(names, "email", "e mail", "email address")
    section_col = _column(names, "section")
    track_col = _column(names, "track", "grading track")
    if netid_col is None:
        raise ImportProblem(f"{path}:1: no NetID column (netid, SIS Login ID or username)")
    if name_col is None and not (first_col and last_col):
        raise ImportProblem(f"{path}:1: no name column (name, or first name and last name)")
    course = book.course
    wanted: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        where = f"{path}:{number}"
        netid = row[netid_col].lower()
        problem = netid_problem(netid)
        if problem:
            problems.append(f"{where}: NetID {row[netid_col]!r} {problem}")
            continue
        if netid in wanted:
            problems.append(f"{where}: NetID {netid} is listed twice")
            continue
        name = row[name_col] if name_col else f"{row[first_col]} {row[last_col]}".strip()  # type: ignore[index]
        if not name:
            problems.append(f"{where}: {netid} has no name")
        email = row[email_col].lower() if email_col and row[email_col] else None
        if email is not None and "@" not in email:
            problems.append(f"{where}: e-mail {email!r} has no @")
        track = None
        if track_col and row[track_col]:
            found = course.grading.find_track(row[track_col])
            if found is None:
                ids = ", ".join(t.id for t in course.grading.tracks)
                problems.append(f"{where}: track {row[track_col]!r} is not one of {ids}")
            else:
                track = found.id
        wanted[netid] = {
            "name": name,
            "email": email,
            "section": (row[section_col] or None) if section_col else None,
            "track": track,
        }
    if problems:
        raise ImportProblem(problems)
    report = ImportReport("roster", path, len(rows), dry_run=dry_run)

    def apply(session: Session, writer: _Writer) -> None:
        people = {p.netid: p for p in session.scalars(select(Person))}
        for netid, values in wanted.items():
            person = people.get(netid)
            if person is not None and person.role != "student":
                raise ImportProblem(
                    f"{path}: {netid} is {person.role} in the gradebook, not a student"
                )
            if person is None:
                new = Person(netid=netid, role="student", enrolled=True, **values)
                session.add(new)
                continue  # the ORM audits the insert
            changes = {"name": values["name"], "email": values["email"], "enrolled": True}
            if section_col:
                changes["section"] = values["section"]
            if track_col and values["track"] != person.track:
                changes |= {
                    "track": values["track"],
                    "track_approved_by": None,
                    "track_approved_at": None,
                }
            if all(getattr(person, k) == v for k, v in changes.items()):
                report.unchanged += 1
                continue
            for key, value in changes.items():
                setattr(person, key, value)
        for netid, person in people.items():
            if person.role == "student" and person.enrolled and netid not in wanted:
                person.enrolled = False
        _flush_counted(session, report)

    return _run(book, report, f"import roster {path.name} ({file_digest(path)})", apply)


def _flush_counted(session: Session, report: ImportReport) -> None:
    """Flush the ORM changes of an import (audited by the session) and count them."""
    report.added += len(session.new)
    report.changed += sum(1 for obj in session.dirty if session.is_modified(obj))
    report.removed += len(session.deleted)
    session.flush()


# -- staff -------------------------------------------------------------------------------------
def import_staff(book: Gradebook, path: Path, dry_run: bool = False) -> ImportReport:
    """Staff and their roles (grader, ta, instructor): NetID, name, e-mail, role."""
    names, rows = read_csv(path)
    netid_col = _column(names, "netid", "net id", "username")
    name_col, email_col = _column(names, "name"), _column(names, "email", "e mail")
    role_col = _column(names, "role")
    if netid_col is None or name_col is None or role_col is None:
        raise ImportProblem(f"{path}:1: staff files need columns netid, name, role (and email)")
    problems: list[str] = []
    wanted: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        netid, role = row[netid_col].lower(), row[role_col].lower()
        problem = netid_problem(netid)
        if problem:
            problems.append(f"{path}:{number}: NetID {row[netid_col]!r} {problem}")
        if role not in STAFF_ROLES:
            problems.append(f"{path}:{number}: role {role!r}: use one of {', '.join(STAFF_ROLES)}")
        wanted[netid] = {
            "name": row[name_col],
            "email": (row[email_col].lower() or None) if email_col else None,
            "role": role,
        }
    if problems:
        raise ImportProblem(problems)
    report = ImportReport("staff", path, len(rows), dry_run=dry_run)

    def apply(session: Session, writer: _Writer) -> None:
        people = {p.netid: p for p in session.scalars(select(Person))}
        for netid, values in wanted.items():
            person = people.get(netid)
            if person is None:
                session.add(Person(netid=netid, enrolled=True, **values))
            elif person.role == "student":
                raise ImportProblem(f"{path}: {netid} is a student in the gradebook")
            elif all(getattr(person, k) == v for k, v in values.items()) and person.enrolled:
                report.unchanged += 1
            else:
                for key, value in values.items():
                    setattr(person, key, value)
                person.enrolled = True
        _flush_counted(session, report)

    return _run(book, report, f"import staff {path.name} ({file_digest(path)})", apply)


# -- scores ------------------------------------------------------------------------------------
def import_scores(book: Gradebook, path: Path, dry_run: bool = False) -> ImportReport:
    """Scores in a sheet: a NetID (or e-mail) column and one column per assessment id
    (``midterm``, ``project``, ``hw2``…), points out of the assessment's maximum. An empty cell
    leaves that score as it is; a file never deletes a score."""
    names, rows = read_csv(path)
    login_col = _column(names, "netid", "net id", "sis login id", "username", "email", "e mail")
    if login_col is None:
        raise ImportProblem(f"{path}:1: no NetID column (netid, username or email)")
    with book.reading() as session:
        assessments = {_key(a.id): a for a in session.scalars(select(Assessment))}
        people = _people_by_login(session)
    ignored = {login_col, "name", "student", "student name", "section", "comment", "id"}
    columns = [n for n in names if n and n not in ignored]
    problems: list[str] = []
    targets: dict[str, Assessment] = {}
    for column in columns:
        assessment = assessments.get(column)
        if assessment is None:
            known = ", ".join(
                a.id for a in assessments.values() if a.source in ("homework", "scores")
            )
            problems.append(
                f"{path}:1: column {column!r} is not an assessment; use the ids {known}"
            )
        elif assessment.source not in ("homework", "scores"):
            problems.append(
                f"{path}:1: {assessment.id} takes its points from {assessment.source}, "
                "not from scores"
            )
        else:
            targets[column] = assessment
    if not columns:
        problems.append(f"{path}:1: no score columns; name them by assessment id, e.g. midterm")
    if problems:
        raise ImportProblem(problems)
    values: dict[tuple[int, str], tuple[float, str]] = {}
    seen: dict[int, int] = {}
    for number, row in rows:
        where = f"{path}:{number}"
        login = row[login_col].lower()
        person = people.get(login)
        if person is None or person.role != "student":
            problems.append(f"{where}: {login or '(empty)'} is not a student in the gradebook")
            continue
        if person.id in seen:
            problems.append(f"{where}: {person.netid} already has a row ({seen[person.id]})")
            continue
        seen[person.id] = number
        for column, assessment in targets.items():
            cell = row[column]
            if not cell:
                continue
            points = _number(cell, where, problems, f"{assessment.id}")
            if points is None:
                continue
            if not 0 <= points <= assessment.max_points:
                problems.append(
                    f"{where}: {assessment.id} {points:g} is outside 0…{assessment.max_points:g}"
                )
                continue
            values[(person.id, assessment.id)] = (points, f"{path.name}:{number}")
    if problems:
        raise ImportProblem(problems)
    report = ImportReport("scores", path, len(rows), dry_run=dry_run)
    netids = {p.id: p.netid for p in people.values()}

    def apply(session: Session, writer: _Writer) -> None:
        maxima = {a.id: a.max_points for a in targets.values()}
        current = {
            (row.person_id, row.assessment_id): row
            for row in session.execute(
                select(
                    Score.id,
                    Score.person_id,
                    Score.assessment_id,
                    Score.points,
                    Score.max_points,
                    Score.grader,
                    Score.source,
                    Score.recorded_at,
                    Score.comment,
                ).where(Score.assessment_id.in_(list(maxima)))
            )
        }
        recorded_at = writer.at.isoformat()  # as _json_ready writes it, once per import
        inserts, updates = [], []
        for (person_id, assessment_id), (points, source) in values.items():
            netid = netids[person_id]
            row = current.get((person_id, assessment_id))
            if row is not None and row.points == points:
                report.unchanged += 1
                continue
            new = {
                "person_id": person_id,
                "assessment_id": assessment_id,
                "points": points,
                "max_points": maxima[assessment_id],
                "grader": writer.actor,
                "source": source,
                "recorded_at": writer.at,
                "comment": None,
            }
            shown = {**new, "recorded_at": recorded_at}
            key = f"{assessment_id}/{netid}"
            if row is None:
                inserts.append(new)
                writer.note("insert", "scores", key, netid, None, shown)
            else:
                updates.append({"row_id": row.id, **new})
                old = _json_ready(row._asdict())
                writer.note("update", "scores", key, netid, old, {"id": row.id, **shown})
        connection = session.connection()
        insert_rows(connection, Score.__table__, inserts)
        if updates:
            table = Score.__table__
            connection.execute(table.update().where(table.c.id == bindparam("row_id")), updates)

    return _run(book, report, f"import scores {path.name} ({file_digest(path)})", apply)


# -- scribe status -----------------------------------------------------------------------------
def import_scribe_status(book: Gradebook, path: Path, dry_run: bool = False) -> ImportReport:
    """``dlcourse scribe status --format json``: each student's duties (slot, role, state,
    checker errors). A student's duties are replaced by the file's; students are found by NetID
    or e-mail; one the gradebook does not know is an error (import the roster first)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ImportProblem(f"{path}: cannot read ({error.strerror})") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportProblem(
            f"{path}: not JSON ({error}); write it with dlcourse scribe status --format json"
        ) from error
    if not isinstance(data, dict) or data.get("schema") != SCRIBE_SCHEMA:
        raise ImportProblem(f"{path}: not a scribe status file (schema {SCRIBE_SCHEMA} expected)")
    course = book.course
    report = ImportReport("scribe-status", path, 0, dry_run=dry_run)
    if data.get("course") != course.course.code:
        raise ImportProblem(
            f"{path}: the status is for course {data.get('course')!r}, this gradebook is "
            f"{course.course.code!r}"
        )
    if data.get("policy") and _policy_differs(data["policy"], course):
        report.warnings.append(
            f"{path}: its credit policy differs from [grading.write_up]; the gradebook applies "
            "course.toml's formula to the duties' states"
        )
    slots = {s.get("slot"): s for s in data.get("slots", []) if isinstance(s, dict)}
    students = data.get("students")
    if not isinstance(students, list):
        raise ImportProblem(f"{path}: no 'students' list")
    report.rows = len(students)
    with book.reading() as session:
        people = _people_by_login(session)
    problems: list[str] = []
    wanted: dict[int, dict[str, dict[str, Any]]] = {}
    for index, student in enumerate(students):
        where = f"{path}: students[{index}]"
        if not isinstance(student, dict):
            problems.append(f"{where}: not an object")
            continue
        logins = [str(student.get(k) or "").lower() for k in ("netid", "student_id", "email")]
        person = next((people[login] for login in logins if login in people), None)
        if person is None or person.role != "student":
            problems.append(f"{where} ({logins[1] or logins[0]}): not a student in the gradebook")
            continue
        duties: dict[str, dict[str, Any]] = {}
        for duty in student.get("duties") or []:
            slot_key, state = duty.get("slot"), duty.get("state")
            slot = slots.get(slot_key)
            if state not in DUTY_STATES:
                problems.append(f"{where} slot {slot_key}: unknown state {state!r}")
                continue
            if slot is None:
                problems.append(f"{where}: duty in slot {slot_key!r}, which the file does not list")
                continue
            try:
                due = dt.datetime.fromisoformat(slot["due"])
            except (KeyError, TypeError, ValueError):
                problems.append(f"{where} slot {slot_key}: no readable due time")
                continue
            duties[slot_key] = {
                "role": str(duty.get("role", "writer")),
                "state": state,
                "errors": int(slot.get("errors") or 0),
                "due": due,
            }
        wanted[person.id] = duties
    if problems:
        raise ImportProblem(problems)

    def apply(session: Session, writer: _Writer) -> None:
        current: dict[int, dict[str, ScribeDuty]] = {}
        for row in session.scalars(
            select(ScribeDuty).where(ScribeDuty.person_id.in_(list(wanted)))
        ):
            current.setdefault(row.person_id, {})[row.slot] = row
        for person_id, duties in wanted.items():
            have = current.get(person_id, {})
            for slot_key, values in duties.items():
                row = have.get(slot_key)
                if row is None:
                    session.add(ScribeDuty(person_id=person_id, slot=slot_key, **values))
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(row, key, value)
                else:
                    report.unchanged += 1
            for slot_key, row in have.items():
                if slot_key not in duties:
                    session.delete(row)
        _flush_counted(session, report)

    return _run(book, report, f"import scribe status {path.name} ({file_digest(path)})", apply)


def _policy_differs(policy: Mapping[str, Any], course: Course) -> bool:
    formula = course.grading.write_up.model_dump()
    return any(key in policy and policy[key] != value for key, value in formula.items())


# -- forum -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForumColumns:
    """How a platform's export names the counts (matched ignoring case, spaces, _ and -)."""

    platform: str
    email: tuple[str, ...]
    answers: tuple[str, ...]
    endorsed: tuple[str, ...]
    days: tuple[str, ...]
    posts: tuple[str, ...]  # summed: the kinds of posts the export counts separately
    role: tuple[str, ...] = ()


PIAZZA = ForumColumns(
    "piazza",
    email=("email", "email address"),
    answers=("answers", "student answers"),
    endorsed=("endorsed answers", "instructor endorsed answers", "endorsements"),
    days=("days online",),
    posts=("questions", "notes", "followups", "follow ups", "posts"),
)
ED = ForumColumns(
    "ed",
    email=("email", "email address"),
    answers=("answers",),
    endorsed=("accepted answers", "endorsed answers"),
    days=("days active", "days online"),
    posts=("questions", "posts", "comments", "announcements"),
    role=("role",),
)


def import_forum(
    book: Gradebook, path: Path, columns: ForumColumns, dry_run: bool = False
) -> ImportReport:
    """Per-student forum counts; the bonus is computed from them by ``[grading.forum]``. Rows
    of staff, or of people not in the gradebook, are skipped and listed; a student the file no
    longer lists keeps their last counts."""
    names, rows = read_csv(path)
    email_col = _column(names, *columns.email)
    answers_col = _column(names, *columns.answers)
    endorsed_col = _column(names, *columns.endorsed)
    days_col = _column(names, *columns.days)
    post_cols = [n for n in columns.posts if n in names]
    role_col = _column(names, *columns.role) if columns.role else None
    if email_col is None:
        raise ImportProblem(f"{path}:1: no e-mail column; is this a {columns.platform} export?")
    if answers_col is None and endorsed_col is None and days_col is None and not post_cols:
        raise ImportProblem(
            f"{path}:1: none of the counted columns ({', '.join(columns.answers + columns.days)}"
            f"…); is this a {columns.platform} export?"
        )
    with book.reading() as session:
        people = _people_by_login(session)
    problems: list[str] = []
    report = ImportReport(columns.platform, path, len(rows), dry_run=dry_run)
    wanted: dict[int, dict[str, Any]] = {}
    for number, row in rows:
        where = f"{path}:{number}"
        email = row[email_col].lower()
        if role_col and row[role_col] and row[role_col].lower() != "student":
            report.skipped.append(f"row {number}: role {row[role_col]}")
            continue
        person = people.get(email) or people.get(email.split("@")[0])
        if person is None or person.role != "student":
            report.skipped.append(f"row {number}: {'staff' if person else 'not in the roster'}")
            continue
        counts = {
            "answers": _count(row[answers_col], where, problems, answers_col) if answers_col else 0,
            "endorsed_answers": _count(row[endorsed_col], where, problems, endorsed_col)
            if endorsed_col
            else 0,
            "days_online": _count(row[days_col], where, problems, days_col) if days_col else 0,
            "posts": sum(_count(row[c], where, problems, c) for c in post_cols),
        }
        wanted[person.id] = {"platform": columns.platform, **counts}
    if problems:
        raise ImportProblem(problems)

    def apply(session: Session, writer: _Writer) -> None:
        current = {row.person_id: row for row in session.scalars(select(ForumActivity))}
        for person_id, values in wanted.items():
            row = current.get(person_id)
            if row is None:
                session.add(ForumActivity(person_id=person_id, **values))
            elif any(getattr(row, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
            else:
                report.unchanged += 1
        _flush_counted(session, report)

    return _run(book, report, f"import {columns.platform} {path.name} ({file_digest(path)})", apply)


IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "roster": import_roster,
    "staff": import_staff,
    "scores": import_scores,
    "scribe-status": import_scribe_status,
    "piazza": lambda book, path, dry_run=False: import_forum(book, path, PIAZZA, dry_run),
    "ed": lambda book, path, dry_run=False: import_forum(book, path, ED, dry_run),
}


def import_file(book: Gradebook, kind: str, path: Path, dry_run: bool = False) -> ImportReport:
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        raise ImportProblem(f"unknown kind {kind!r}; kinds: {', '.join(IMPORTERS)}") from None
    return importer(book, Path(path), dry_run=dry_run)
