"""Starter files from a solution: the marked regions are cut out, nbgrader-style.

In a Python file, the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` (markers included)
become ``raise NotImplementedError`` at the marker's indentation, preceded by ``# YOUR CODE
HERE``. In a notebook, a code cell whose metadata tags include ``solution`` is cut the same way:
its marked regions if it has any, else its whole source. A markdown cell tagged ``solution``
becomes "YOUR ANSWER HERE". Unbalanced markers are errors naming file and line, so a solution
never leaks into a starter through a typo.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from dlcourse.course import CourseError, CourseIssue

BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\b")
END = re.compile(r"^\s*#\s*END SOLUTION\b")
SOLUTION_TAG = "solution"
_PLACEHOLDER = "{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError\n"


def strip_python(source: str, file: Path) -> tuple[str, int]:
    """``source`` without its solution regions, and how many regions were cut."""
    out: list[str] = []
    open_at: int | None = None
    regions = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin = BEGIN.match(line)
        if begin:
            if open_at is not None:
                raise _marker_error(file, number, f"BEGIN SOLUTION inside the one at {open_at}")
            open_at = number
            out.append(_PLACEHOLDER.format(indent=begin.group(1)))
            continue
        if END.match(line):
            if open_at is None:
                raise _marker_error(file, number, "END SOLUTION without a BEGIN SOLUTION")
            open_at = None
            regions += 1
            continue
        if open_at is None:
            out.append(line)
    if open_at is not None:
        raise _marker_error(file, open_at, "BEGIN SOLUTION is never closed")
    return "".join(out), regions


def _marker_error(file: Path, line: int, message: str) -> CourseError:
    return CourseError(
        [CourseIssue(file, line, "", message, "pair each # BEGIN SOLUTION with # END SOLUTION")]
    )


def strip_notebook(text: str, file: Path) -> tuple[str, int]:
    """A notebook (JSON text) with solution cells and regions cut, and the number cut."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise CourseError(
            [CourseIssue(file, None, "", f"not a notebook ({error})", "save it from Jupyter")]
        ) from error
    regions = 0
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        tagged = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        cell_file = Path(f"{file} (cell {index + 1})")
        if cell.get("cell_type") == "code":
            stripped, cut = strip_python(source, cell_file)
            if tagged and cut == 0:
                stripped, cut = _PLACEHOLDER.format(indent=""), 1
            regions += cut
            cell["source"] = stripped
            cell["outputs"] = []
            cell["execution_count"] = None
        elif tagged:
            cell["source"] = "YOUR ANSWER HERE"
            regions += 1
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", regions


def starter_text(path: Path) -> tuple[str, int]:
    """The starter version of one solution file (other files are copied as they are)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return strip_python(text, path)
    if path.suffix == ".ipynb":
        return strip_notebook(text, path)
    return text, 0
