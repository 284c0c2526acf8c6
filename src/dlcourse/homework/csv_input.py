"""CSV files a TA brings (rosters, formed groups, an LMS's timestamps), read strictly."""

from __future__ import annotations

from pathlib import Path

from dlcourse.util.csv_files import CsvSyntaxError, read_records


def csv_rows(path: Path, columns: set[str]) -> list[tuple[int, dict[str, str]]]:
    """``(row, {column: cell})`` of a CSV with a header naming at least ``columns``, read
    strictly (an unclosed quote or a runaway cell is an error naming its row)."""
    try:
        records = read_records(path.read_text(encoding="utf-8-sig"))
    except CsvSyntaxError as error:
        raise ValueError(f"{path}: row {error.line}: {error.message} — {error.hint}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read it as UTF-8 text ({error})") from error
    if not records or not columns <= {cell.strip() for cell in records[0][1]}:
        wanted = ",".join(sorted(columns))
        raise ValueError(f"{path}: row 1: the header must have the columns {wanted}")
    header = [cell.strip() for cell in records[0][1]]
    return [
        (
            line,
            {
                name: cells[index].strip() if index < len(cells) else ""
                for index, name in enumerate(header)
            },
        )
        for line, cells in records[1:]
        if cells
    ]
