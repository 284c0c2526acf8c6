"""Find the line of a key in TOML source, so errors can name ``course.toml:LINE``.

``tomllib`` keeps no positions, so we scan the text once: table headers (``[a.b]``,
``[[a.b]]`` with a running index per array of tables), ``key = value`` lines (dotted keys too)
and the keys of one-line inline tables / arrays of inline tables. That covers how course files
are written; a key we cannot place falls back to its nearest placed parent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=""")

Path = tuple[str | int, ...]


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [part.strip("\"'") for part in parts]


def index_lines(source: str) -> dict[Path, int]:
    """Map every key path we can place to its 1-based line number."""
    lines: dict[Path, int] = {}
    array_counts: dict[Path, int] = {}
    table: Path = ()
    array_item_open: Path | None = None  # a multi-line array of inline tables being read
    item_index = 0
    for number, raw in enumerate(source.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header and not raw.lstrip().startswith("[" + "{"):
            names = tuple(_split_dotted(header.group(2)))
            if header.group(1) == "[[":
                index = array_counts.get(names, -1) + 1
                array_counts[names] = index
                # a nested array of tables lives under the latest item of its parent arrays
                table = (*_resolve_parent(names, array_counts), index)
            else:
                table = _resolve_parent(names, array_counts)
            lines.setdefault(table, number)
            array_item_open = None
            continue
        if array_item_open is not None and raw.lstrip().startswith("{"):
            _index_inline(raw, (*array_item_open, item_index), lines, number)
            item_index += 1
            if raw.rstrip().endswith("]"):
                array_item_open = None
            continue
        if array_item_open is not None and raw.strip().startswith("]"):
            array_item_open = None
            continue
        key = _KEY_LINE.match(raw)
        if not key:
            continue
        path = table + tuple(_split_dotted(key.group(1)))
        lines.setdefault(path, number)
        value = raw[key.end() :].strip()
        if value.startswith("{"):
            _index_inline(value, path, lines, number)
        elif value.startswith("[") and not value.rstrip().endswith("]"):
            array_item_open, item_index = path, 0
        elif value.startswith("[{"):
            for index, chunk in enumerate(value.split("},")):
                _index_inline(chunk, (*path, index), lines, number)
    return lines


def _resolve_parent(names: tuple[str, ...], array_counts: dict[Path, int]) -> Path:
    resolved: list[str | int] = []
    for depth in range(1, len(names) + 1):
        resolved.append(names[depth - 1])
        prefix = names[:depth]
        if depth < len(names) and prefix in array_counts:
            resolved.append(array_counts[prefix])
    return tuple(resolved)


def _index_inline(text: str, base: Path, lines: dict[Path, int], number: int) -> None:
    lines.setdefault(base, number)
    for match in _INLINE_KEY.finditer(text):
        lines.setdefault((*base, match.group(1).strip('"')), number)


def locate_key(source: str, keys: Sequence[str | int]) -> int | None:
    """Line of ``keys`` in ``source``, or of the closest ancestor we can place."""
    if not source:
        return None
    lines = index_lines(source)
    path = tuple(keys)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
