"""The checker's maths, figure, HTML-safety and encoding findings as the build's warnings.

The site parses each note once (:func:`dlcourse.notes.document.parse_note`) and hands that very
``NoteDocument`` to the checker's rule objects through :func:`dlcourse.notes.check.check_document`
(the function ``check_course`` runs per file), so "the checker's findings are the build's
warnings" without a second parse. Only note-scope rules tagged below run: the build is not the
place for style, length or time-stamp advice (``dlcourse notes check`` gives all of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dlcourse.notes.check import check_document
from dlcourse.notes.check_context import Context
from dlcourse.notes.config import RuleSetting, resolve_rules
from dlcourse.notes.document import NoteDocument

#: Rules the build reports: a rule with any of these tags (and note scope) runs on every page.
SITE_TAGS = frozenset({"maths", "figures", "html", "safety", "encoding"})


def site_settings(course: Any) -> dict[str, RuleSetting]:
    """The course's resolved rule settings (``[notes.rules]`` applied), narrowed to the rules
    the build reports; ``info`` findings are left to the checker."""
    return {
        rule_id: setting
        for rule_id, setting in resolve_rules(course).items()
        if setting.enabled
        and setting.rule.scope == "note"
        and SITE_TAGS.intersection(setting.rule.tags)
        and setting.severity != "info"
    }


class NoteChecker:
    """Runs the site's rules over already parsed notes (one per worker process)."""

    def __init__(self, course: Any) -> None:
        self.settings = site_settings(course)
        self.context = Context(course, Path(course.docs_dir))
        self.maths_rules = {
            rule_id for rule_id, s in self.settings.items() if "maths" in s.rule.tags
        }

    def warnings(self, document: NoteDocument, display: str) -> list[list[Any]]:
        """``[line, message, rule id, severity]`` for every finding (pragmas honoured)."""
        if not self.settings:
            return []
        findings = check_document(document, self.context, self.settings, display)
        return [
            [f.line, f.message + (f" ({f.hint})" if f.hint else ""), f.rule, f.severity]
            for f in findings
        ]
