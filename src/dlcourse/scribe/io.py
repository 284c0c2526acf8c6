"""Atomic file output: a roster is either the old one or the new one, never half written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dlcourse.util.files import atomic_write_text


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename
    (UTF-8, line endings as given; a new file gets the usual permissions, not mkstemp's 0600)."""
    atomic_write_text(path, text)
    return path


def write_all_atomic(files: Mapping[Path, str]) -> list[Path]:
    """Write several files; each one atomically. Everything is rendered before the first write,
    so an error while rendering leaves every file untouched."""
    return [write_atomic(path, text) for path, text in files.items()]
