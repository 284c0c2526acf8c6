"""Findings: what a rule reports, with a precise location. Rules never print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Edit:
    """A safe repair: on ``line`` (1-based) replace the first ``old`` with ``new``.

    ``old == ''`` inserts ``new`` at the start of the line; ``line == 0`` with
    ``old == '\\ufeff'`` drops a BOM."""

    line: int
    old: str
    new: str


@dataclass(frozen=True)
class Hit:
    """What a rule yields: the engine adds the rule's id, alias, severity and the file."""

    line: int
    message: str
    column: int = 1
    hint: str = ""
    path: str | None = None  # for course-wide rules: the file the hit belongs to
    fix: tuple[Edit, ...] = ()
    # what the defect is about, independent of line and language (an image file, a formula,
    # a stamp's time): a translation's finding with a key its source note's finding also has
    # is inherited and reported on the source only (see dlcourse.notes.inherit)
    key: str = ""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    alias: str
    severity: Severity
    message: str
    hint: str = ""
    fixable: bool = False
    fix: tuple[Edit, ...] = field(default=(), compare=False, repr=False)
    key: str = field(default="", compare=False, repr=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "alias": self.alias,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "fixable": self.fixable,
        }
