"""Taking work in: the receipt the student cannot forge, the refusal after the deadline.

The gradebook (:mod:`dlcourse.grades`) decides and logs: :meth:`Gradebook.record_submission`
takes the receipt time from the receiving side's clock (UTC), compares it with the student's
deadline (their extension, else the due date) and records the submission as ``accepted`` or
``refused`` with its reason, keeping every earlier one (the last accepted counts). This module
adds what comes before and after: the checks on the file (a name the assignment asks for,
within its size limit), the content store (files by SHA-256, beside the gradebook, mode 0600),
batch import from an LMS export with the LMS's own timestamps, the latest accepted files as a
folder for grading, and the autograder's scores back into the gradebook.

Nothing here reads a time from the student's file or machine: ``submit`` has no parameter for
it, and ``now`` exists for the receiving side (the portal's request time, tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse.homework.assignment import Assignment
from dlcourse.homework.csv_input import csv_rows
from dlcourse.util.files import atomic_write_bytes, child_path

if TYPE_CHECKING:
    from dlcourse.grades import Gradebook, SubmissionInfo
    from dlcourse.homework.grading import GradeOutcome

STORE_DIR = "submissions"


class SubmissionError(ValueError):
    """A file that cannot be taken in at all (wrong name, too large, unknown student): nothing
    is stored or logged. A late submission is not this: it is logged as refused."""


class ContentStore:
    """Submitted files by content: ``ROOT/ab/abcdef…`` (the SHA-256), written once, 0600."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def for_course(cls, course) -> ContentStore:
        from dlcourse.grades import gradebook_dir

        return cls(gradebook_dir(course) / STORE_DIR)

    def put(self, content: bytes) -> tuple[str, str]:
        """Store ``content``; its SHA-256 and the key to read it back."""
        digest = hashlib.sha256(content).hexdigest()
        key = f"{digest[:2]}/{digest}"
        path = self.root / key
        if not path.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            os.chmod(self.root, 0o700)
            atomic_write_bytes(path, content)
            os.chmod(path, 0o600)
        return digest, key

    def get(self, key: str) -> bytes:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise SubmissionError(f"store key {key!r} points outside the store")
        return path.read_bytes()


def check_file(assignment: Assignment, filename: str, content: bytes) -> None:
    """Refuse (before anything is stored) a file the assignment does not take."""
    name = Path(filename).name
    if name != filename or name not in assignment.config.submit:
        wanted = ", ".join(assignment.config.submit)
        raise SubmissionError(f"{filename!r} is not a file of {assignment.id}: hand in {wanted}")
    limit = assignment.limits.upload_kb * 1024
    if len(content) > limit:
        raise SubmissionError(
            f"{filename} is {len(content) / 1024:.0f} KB, over the {assignment.limits.upload_kb} "
            "KB limit of this assignment"
        )
    problem = content_problem(name, content)
    if problem:
        raise SubmissionError(f"{filename}: {problem}")


def content_problem(name: str, content: bytes) -> str | None:
    """What is wrong with ``content`` for a file of this name's type (None: nothing): a program
    or notebook must be UTF-8 text, a notebook JSON with cells, a PDF a PDF, a zip a zip. A
    wrong file caught here costs the student nothing; caught by the grader it costs a grade."""
    suffix = Path(name).suffix.lower()
    if suffix in (".py", ".ipynb", ".txt", ".md", ".csv", ".tex"):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return "is not UTF-8 text; save it as UTF-8 and hand it in again"
        if "\0" in text:
            return "holds NUL characters: it is not a text file"
        if suffix == ".ipynb":
            try:
                notebook = json.loads(text)
            except ValueError:
                return "is not a notebook (not JSON); hand in the .ipynb file Jupyter saved"
            if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
                return "is not a notebook (no cells); hand in the .ipynb file Jupyter saved"
    elif suffix == ".pdf" and not content.startswith(b"%PDF-"):
        return "is not a PDF; export it as PDF and hand it in again"
    elif suffix == ".zip" and not content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "is not a zip archive"
    return None


def submit(
    gradebook: Gradebook,
    store: ContentStore,
    assignment: Assignment,
    content: bytes,
    filename: str,
    student: str,
    now: dt.datetime | None = None,
) -> SubmissionInfo:
    """Take one file in. Returns the gradebook's record: ``status`` is ``accepted`` (a receipt:
    time, SHA-256) or ``refused`` (late; ``reason`` says so, and the refusal is logged)."""
    from dlcourse.grades import GradebookError

    check_file(assignment, filename, content)
    if gradebook.find_person(student) is None:
        raise SubmissionError(f"{student} is not in the gradebook; import the roster first")
    digest, key = store.put(content)
    try:
        return gradebook.record_submission(
            assignment.id,
            sha256=digest,
            store_key=key,
            size_bytes=len(content),
            filename=filename,
            student=student,
            received_at=now,
        )
    except GradebookError as error:
        raise SubmissionError(str(error)) from error


@dataclass(frozen=True)
class CollectedRow:
    row: int
    student: str
    path: Path
    received_at: dt.datetime


def read_lms_export(
    assignment: Assignment, folder: Path, timestamps: Path, zone: dt.tzinfo
) -> list[CollectedRow]:
    """Rows of an LMS export's timestamp CSV (``student,file,submitted_at``; the time as the LMS
    recorded it, ISO 8601, wall-clock in the course zone when it has no offset). Every problem
    is collected with its row number; any problem means nothing is imported."""
    problems: list[str] = []
    rows: list[CollectedRow] = []
    try:
        records = csv_rows(timestamps, {"student", "file", "submitted_at"})
    except ValueError as error:
        raise SubmissionError(str(error)) from error
    for number, record in records:
        where = f"{timestamps}: row {number}"
        path = folder / record["file"]
        try:
            moment = dt.datetime.fromisoformat(record["submitted_at"])
        except ValueError:
            problems.append(f"{where}: cannot read time {record['submitted_at']!r} (ISO 8601)")
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        if not path.is_file() or not path.resolve().is_relative_to(folder.resolve()):
            problems.append(f"{where}: no file {record['file']!r} in {folder}")
            continue
        name = Path(record["file"]).name
        if name not in assignment.config.submit:
            problems.append(f"{where}: {name!r} is not a file of {assignment.id}")
            continue
        rows.append(CollectedRow(number, record["student"], path, moment))
    if problems:
        raise SubmissionError("\n".join(problems))
    return rows


def collect(
    gradebook: Gradebook,
    store: ContentStore,
    assignment: Assignment,
    rows: Iterable[CollectedRow],
) -> list[SubmissionInfo]:
    """Record a checked batch (see :func:`read_lms_export`) with the LMS's timestamps."""
    rows = list(rows)
    unknown = [
        f"row {r.row}: {r.student}" for r in rows if gradebook.find_person(r.student) is None
    ]
    if unknown:
        raise SubmissionError("not in the gradebook: " + ", ".join(unknown))
    recorded = []
    for row in sorted(rows, key=lambda r: r.received_at):
        content = row.path.read_bytes()
        check_file(assignment, row.path.name, content)
        recorded.append(
            submit(
                gradebook, store, assignment, content, row.path.name, row.student, row.received_at
            )
        )
    return recorded


def latest_submissions(gradebook: Gradebook, assignment: Assignment) -> dict[str, SubmissionInfo]:
    """NetID → the submission that counts (each student's last accepted one)."""
    latest: dict[str, SubmissionInfo] = {}
    for submission in gradebook.submissions(assignment.id):
        if submission.status == "accepted" and submission.netid is not None:
            latest[submission.netid] = submission
    return dict(sorted(latest.items()))


def student_files(
    gradebook: Gradebook,
    store: ContentStore,
    assignment: Assignment,
    student: str,
    as_of: SubmissionInfo | None = None,
) -> dict[str, bytes]:
    """A student's files as grading sees them: the latest accepted file of each name the
    assignment takes (a file handed in once and not since still counts) — up to ``as_of``,
    the submission being graded, when given."""
    files: dict[str, bytes] = {}
    for submission in gradebook.submissions(assignment.id, student=student):  # oldest first
        if submission.status == "accepted":
            files[submission.filename] = store.get(submission.store_key)
        if as_of is not None and submission.id == as_of.id:
            break
    return files


def latest_files(
    gradebook: Gradebook, store: ContentStore, assignment: Assignment, destination: Path
) -> dict[str, Path]:
    """Write each student's latest accepted file of every required name to
    ``destination/NETID/`` and return NetID → folder (what :func:`grading.grade_all` takes)."""
    folders: dict[str, Path] = {}
    for netid in latest_submissions(gradebook, assignment):
        try:  # a NetID is one plain name (the imports check); never a path out of destination
            folder = child_path(destination, netid)
        except ValueError as error:
            raise SubmissionError(f"NetID {netid!r} cannot name a folder: {error}") from None
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in student_files(gradebook, store, assignment, netid).items():
            (folder / name).write_bytes(content)
        folders[netid] = folder
    return folders


def record_scores(
    gradebook: Gradebook, assignment: Assignment, outcomes: Iterable[GradeOutcome]
) -> int:
    """The autograder's results into the gradebook: each student's ``results.json`` is kept
    with the submission that counts (the portal shows it as feedback) and its score recorded
    (audited). Returns how many scores changed."""
    from dlcourse.homework.grading import RESULTS_FILE

    latest = latest_submissions(gradebook, assignment)

    def points() -> dict[str, float | None]:
        return {
            fact.netid: fact.scores[assignment.id].points if assignment.id in fact.scores else None
            for fact in gradebook.facts(latest)
        }

    before = points()
    digest = assignment.tests_digest()
    for outcome in outcomes:
        submission = latest.get(outcome.student)
        if outcome.status == "XX" or submission is None:
            continue  # the sandbox failed, not the submission: no score from this run
        results = json.loads((outcome.folder / RESULTS_FILE).read_text(encoding="utf-8"))
        gradebook.record_grading(
            submission.id, results, digest, reason=f"autograder: {assignment.id}"
        )
    after = points()
    return sum(before[netid] != after[netid] for netid in after)
