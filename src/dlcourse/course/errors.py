"""Errors are values with a location and a hint until the CLI turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CourseIssue:
    """One problem in a course file: where, which key, what is wrong and what to do."""

    file: Path
    line: int | None
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        key = f" [{self.key}]" if self.key else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{key} {self.message}{hint}"


class CourseError(Exception):
    """The course folder cannot be used as it is. Carries every issue found, not just the first."""

    def __init__(self, issues: list[CourseIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class ConfigValueError(ValueError):
    """A validator's complaint with what to do about it and, for a check over a whole table, the
    key it is about (``field``, dotted for a key of a sub-table: ``site.output_dir``), so the
    message points at that key's line rather than the table's.
    """

    def __init__(self, message: str, hint: str = "", field: str | None = None):
        super().__init__(message)
        self.hint = hint
        self.field = field
