"""Find the notes of a course: ``<docs>/<lang>/weekNN/*.md`` (plus transcripts beside them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WEEK_DIR = re.compile(r"^week(\d{2})$")
_NOTE_NAME = re.compile(r"^(\d{2})(?:-(\d+))?\.md$")


@dataclass(frozen=True)
class NoteFile:
    path: Path
    rel_path: str  # 'en/week01/01-1.md'
    language: str
    week: int
    part: int | None  # None for the week summary NN.md


def iter_note_files(docs_dir: Path, languages: list[str] | None = None) -> Iterator[NoteFile]:
    """Every ``<lang>/weekNN/NN.md`` and ``NN-K.md`` under ``docs_dir``, sorted by language,
    week and part. ``languages`` limits the language folders (default: every folder)."""
    if not docs_dir.is_dir():
        return
    for lang_dir in sorted(p for p in docs_dir.iterdir() if p.is_dir()):
        if languages is not None and lang_dir.name not in languages:
            continue
        for week_dir in sorted(p for p in lang_dir.iterdir() if p.is_dir()):
            if not _WEEK_DIR.match(week_dir.name):
                continue
            notes = []
            for path in week_dir.iterdir():
                match = _NOTE_NAME.match(path.name)
                if match and path.is_file():
                    part = int(match.group(2)) if match.group(2) else None
                    notes.append((part or 0, path, int(match.group(1)), part))
            for _, path, week, part in sorted(notes, key=lambda item: item[0]):
                rel = f"{lang_dir.name}/{week_dir.name}/{path.name}"
                yield NoteFile(path, rel, lang_dir.name, week, part)


def discover_notes(course: Any, languages: list[str] | None = None) -> list[NoteFile]:
    """The notes of ``course`` (a :class:`dlcourse.course.Course`)."""
    return list(iter_note_files(Path(course.docs_dir), languages))


def iter_markdown_files(docs_dir: Path) -> Iterator[Path]:
    """Every Markdown file under the docs folder (notes and other pages such as about.md)."""
    if docs_dir.is_dir():
        yield from sorted(p for p in docs_dir.rglob("*.md") if p.is_file())
