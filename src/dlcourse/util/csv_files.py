"""CSV as spreadsheets read it: cells that cannot run as formulas, and strict reading.

Every CSV dlcourse writes goes through :func:`csv_writer` or :func:`csv_dict_writer`: a text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would open in a
spreadsheet as a formula (a sign-up name ``=HYPERLINK(…)`` in ``roster.csv``), so it is written
with a leading apostrophe, which spreadsheets read as "text" (OWASP, CSV injection). Numbers,
and text that is a plain number such as ``-2.5``, are written as they are.
:func:`from_spreadsheet_safe` undoes the apostrophe when dlcourse reads its own file back.

:func:`read_records` reads CSV text strictly: a quote opened and never closed on its line, a cell
running over several lines (how an unclosed quote silently merges the next rows into one cell) or
a cell over the csv module's 131,072 characters is a :class:`CsvSyntaxError` naming the lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: What makes a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The csv module's limit on one cell, in characters (its default; never raised here).
MAX_CELL_CHARS = csv.field_size_limit()


class CsvSyntaxError(ValueError):
    """CSV text that cannot be read safely: where (1-based lines), what, and what to do."""

    def __init__(self, line: int, last_line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.last_line = last_line
        self.message = message
        self.hint = hint


#: A plain number (``-2.5``, ``+3``, ``1e-3``): spreadsheets read it as a number, not a formula,
#: and an export must keep it one (a Canvas import of ``'-2.5`` would be text).
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _needs_guard(text: str) -> bool:
    # a cell already guarded by apostrophes gets one more, so reading back removes exactly one
    unguarded = text.lstrip("'")
    return unguarded.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(unguarded)


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a cell a spreadsheet shows as text: a string that would start a formula
    gets a leading apostrophe; anything else (numbers, dates) is returned unchanged."""
    if isinstance(value, str) and value and _needs_guard(value):
        return "'" + value
    return value


def from_spreadsheet_safe(text: str) -> str:
    """The cell as it was before :func:`spreadsheet_safe` (one guarding apostrophe removed)."""
    if text.startswith("'") and _needs_guard(text[1:]):
        return text[1:]
    return text


class _SafeWriter:
    def __init__(self, buffer: io.TextIOBase | io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter(csv.DictWriter):
    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: spreadsheet_safe(value) for key, value in rowdict.items()})


def csv_writer(buffer: io.TextIOBase | io.StringIO) -> _SafeWriter:
    """A ``csv.writer`` (``\\n`` line ends) whose text cells never start a formula."""
    return _SafeWriter(buffer)


def csv_dict_writer(buffer: io.TextIOBase | io.StringIO, fieldnames: Sequence[str]) -> Any:
    """A ``csv.DictWriter`` (``\\n`` line ends) whose text cells never start a formula."""
    return _SafeDictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")


def read_records(text: str) -> list[tuple[int, list[str]]]:
    """``(line, cells)`` of every record of ``text`` (blank lines give ``[]``, so a record's
    line is its spreadsheet row while the file is well formed). Raises :class:`CsvSyntaxError`
    at the first record a spreadsheet would not read the same way."""
    reader = csv.reader(io.StringIO(text), strict=True)
    records: list[tuple[int, list[str]]] = []
    first = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            raise _syntax_error(first, reader.line_num, str(error)) from None
        last = reader.line_num
        if last > first:
            raise CsvSyntaxError(
                first,
                last,
                f"a cell runs over lines {first}–{last}: a quote '\"' opened on line {first} "
                f"is closed only on line {last}, so those rows were read as one",
                f"close the quote on line {first} or remove the stray '\"' there",
            )
        records.append((first, record))
        first = last + 1


def _syntax_error(first: int, last: int, reason: str) -> CsvSyntaxError:
    if "field larger than field limit" in reason:
        return CsvSyntaxError(
            first,
            last,
            f"a cell is longer than {MAX_CELL_CHARS:,} characters",
            "no cell of this file should be that long: check the export",
        )
    if "unexpected end of data" in reason:
        return CsvSyntaxError(
            first,
            last,
            f"a quote '\"' opened on line {first} is never closed: the rest of the file would be "
            "one cell",
            f"close the quote on line {first} or remove the stray '\"' there",
        )
    if last > first:
        return CsvSyntaxError(
            first,
            last,
            f"a quote '\"' opened on line {first} is not closed on that line (reading stopped "
            f"on line {last}: {reason})",
            f"close the quote on line {first} or remove the stray '\"' there",
        )
    return CsvSyntaxError(
        first,
        last,
        f"cannot read the row: {reason}",
        'inside a quoted cell write a quote as two quotes (""), or leave the cell unquoted',
    )
