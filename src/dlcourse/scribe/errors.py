"""Problems with scribe inputs are values with a location and a hint until the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class RosterIssue:
    """One problem in a sign-up sheet, a roster or a submissions file.

    ``row`` is the spreadsheet row (the header is row 1, the first student row 2), so the
    message points at the row a teaching assistant sees in the sheet.
    """

    file: Path | None
    row: int | None
    message: str
    hint: str = ""
    severity: Severity = "error"
    column: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<input>"
        if self.row is not None:
            where += f": row {self.row}"
        column = f" [{self.column}]" if self.column else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{column} {self.message}{hint}"


class RosterError(Exception):
    """Input that cannot be used as it is. Carries every issue found, not just the first."""

    def __init__(self, issues: list[RosterIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
