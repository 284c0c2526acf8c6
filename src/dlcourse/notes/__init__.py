"""Scribe notes: one parse (``document``) shared by the checker (``check``) and the site.

Public entry points::

    from dlcourse.notes import parse_note, discover_notes, check_course
"""

from dlcourse.notes.discover import NoteFile, discover_notes, iter_note_files
from dlcourse.notes.document import (
    Figure,
    Formula,
    Heading,
    HtmlFragment,
    Link,
    NoteDocument,
    Section,
    Subsection,
    VideoStamp,
    parse_note,
)
from dlcourse.notes.markdown import make_markdown
from dlcourse.notes.words import count_words

__all__ = [
    "Figure",
    "Formula",
    "Heading",
    "HtmlFragment",
    "Link",
    "NoteDocument",
    "NoteFile",
    "Section",
    "Subsection",
    "VideoStamp",
    "count_words",
    "discover_notes",
    "iter_note_files",
    "make_markdown",
    "parse_note",
]
