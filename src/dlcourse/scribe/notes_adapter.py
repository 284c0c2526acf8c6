"""The notes part seen from the roster: a note's authors and its checker result.

Kept in one module so the roster depends on the notes checker through one narrow door:
``read_note(path, course) -> NoteFacts``. Front matter comes from ``dlcourse.notes.parse_note``;
errors from the checker's library API when it is importable (``checked`` says whether it was).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.course import Course

_AUTHOR_SPLIT = re.compile(r",|;|\band\b|&|、|，|،")


@dataclass(frozen=True)
class NoteFacts:
    present: bool
    authors: tuple[str, ...] = ()
    errors: int = 0
    warnings: int = 0
    checked: bool = False  # False: the checker was not available; errors is then 0
    messages: tuple[str, ...] = field(default=())


def authors_of(value: str) -> list[str]:
    """Names in an ``authors`` value: comma-separated, a final ``and`` allowed."""
    return [part.strip() for part in _AUTHOR_SPLIT.split(value) if part.strip()]


def name_key(name: str) -> str:
    """Names compare without case, accents or extra spaces (``Zoë  Diaz`` = ``zoe diaz``)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def read_note(path: Path, course: Course) -> NoteFacts:
    if not path.is_file():
        return NoteFacts(present=False)
    from dlcourse.notes import parse_note

    doc = parse_note(path, course=course)
    authors = tuple(authors_of(doc.front_matter.get("authors", "")))
    result = run_checker(path, course)
    if result is None:
        return NoteFacts(True, authors)
    errors, warnings, messages = result
    return NoteFacts(True, authors, errors, warnings, True, messages)


def run_checker(path: Path, course: Course) -> tuple[int, int, tuple[str, ...]] | None:
    """(errors, warnings, error messages) of the notes checker on one file; None if the checker
    library is not importable."""
    try:
        from dlcourse.notes.check import check_course
    except ImportError:
        return None
    report = check_course(course, paths=[path], jobs=1)
    errors = [f for f in report.findings if f.severity == "error"]
    warnings = [f for f in report.findings if f.severity == "warning"]
    messages = tuple(f"{f.path}:{f.line}: {f.rule} {f.message}" for f in errors)
    return len(errors), len(warnings), messages
