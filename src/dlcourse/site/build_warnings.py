"""The checker's maths, figure, HTML-safety and encoding findings as the build's warnings.

The site parses each note once (:func:`dlcourse.notes.document.parse_note`) and hands that very
``NoteDocument`` to the checker's rule objects through :func:`dlcourse.notes.check.check_document`
(the function ``check_course`` runs per file), so "the checker's findings are the build's
warnings" without a second parse. Only note-scope rules tagged below run: the build is not the
place for style, length or time-stamp advice (``dlcourse notes check`` gives all of it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the checker is imported when a note is rendered: an up-to-date build of
    # the site reads its warnings from the manifest and needs none of it (see builder.py)
    from dlcourse.course import Course
    from dlcourse.notes.config import RuleSetting
    from dlcourse.notes.document import NoteDocument

#: Rules the build reports: a rule with any of these tags (and note scope) runs on every page.
SITE_TAGS = frozenset({"maths", "figures", "html", "safety", "encoding"})


def site_settings(course: Course) -> dict[str, RuleSetting]:
    """The course's resolved rule settings (``[notes.rules]`` applied), narrowed to the rules
    the build reports; ``info`` findings are left to the checker."""
    from dlcourse.notes.config import resolve_rules

    return {
        rule_id: setting
        for rule_id, setting in resolve_rules(course).items()
        if setting.enabled
        and setting.rule.scope == "note"
        and SITE_TAGS.intersection(setting.rule.tags)
        and setting.severity != "info"
    }


@dataclass(frozen=True)
class BuildWarning:
    """One warning of the build, from the rule (or the renderer) that found it to the printout
    and the build manifest."""

    path: str  # relative to the course folder
    line: int | None
    message: str
    rule: str = ""  # the checker's rule id (MATH003, FIG001, …); "" for the site's own
    severity: str = "warning"  # the checker's severity: "error" findings also just warn here

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.rule + ' ' if self.rule else ''}{self.message}"

    def to_json(self) -> list[Any]:
        return [self.path, self.line, self.message, self.rule, self.severity]

    @classmethod
    def from_json(cls, data: list[Any]) -> BuildWarning:
        """From :meth:`to_json`'s list; TypeError (or ValueError) when it is not one."""
        path, line, message, rule, severity = data
        # ``type(…) is`` rather than isinstance/all(): a manifest holds thousands of these
        texts = type(path) is str and type(message) is str and type(rule) is str
        if not (texts and type(severity) is str and (line is None or type(line) is int)):
            raise TypeError("not a build warning")
        return cls(path, line, message, rule, severity)


class NoteChecker:
    """Runs the site's rules over already parsed notes (one per worker process)."""

    def __init__(
        self, course: Course, listings: Mapping[Path, frozenset[str]] | None = None
    ) -> None:
        from dlcourse.notes.check_context import Context

        self.settings = site_settings(course)
        # the folders the build's walk listed: a figure's folder is not listed again
        self.context = Context(course, Path(course.docs_dir), known_listings=listings or {})
        self.maths_rules = {
            rule_id for rule_id, s in self.settings.items() if "maths" in s.rule.tags
        }

    def warnings(self, document: NoteDocument, display: str) -> list[BuildWarning]:
        """A warning for every finding (pragmas honoured), the hint in brackets."""
        if not self.settings:
            return []
        from dlcourse.notes.check import check_document

        findings = check_document(document, self.context, self.settings, display)
        return [
            BuildWarning(
                display, f.line, f.message + (f" ({f.hint})" if f.hint else ""), f.rule, f.severity
            )
            for f in findings
        ]
