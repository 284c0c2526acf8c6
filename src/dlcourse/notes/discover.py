"""Find the notes of a course: ``<docs>/<lang>/weekNN/*.md`` (the grammar and the walk are
:mod:`dlcourse.course.layout`'s)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course import Course
from dlcourse.course.layout import note_path, walk_folder


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
    notes = []
    for item in walk_folder(docs_dir).files:
        place = note_path(item.rel)
        if place is None or place.week is None or place.language is None:
            continue
        if languages is not None and place.language not in languages:
            continue
        notes.append(NoteFile(item.path, item.rel, place.language, place.week, place.part))
    notes.sort(key=lambda note: (note.language, note.week, note.part or 0))
    yield from notes


def discover_notes(course: Course, languages: list[str] | None = None) -> list[NoteFile]:
    """The notes of ``course``."""
    return list(iter_note_files(Path(course.docs_dir), languages))


def iter_markdown_files(folder: Path, boundary: Path | None = None) -> Iterator[Path]:
    """Every Markdown file under ``folder`` (notes and other pages such as about.md), never
    through a link that leaves ``boundary`` (default: ``folder``)."""
    for item in walk_folder(folder, boundary).files:
        if item.rel.endswith(".md"):
            yield item.path
