"""ENC: the bytes of a note — UTF-8, no BOM, no invisible characters around Markdown syntax."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dlcourse.notes.findings import Edit, Hit
from dlcourse.notes.rules.base import rule

_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_FULLWIDTH_SYNTAX = re.compile(
    r"\]（|（https?:|［[^］]*］\(|＄|^\s*＃|\]\s*\(\s*https?://[^)\s]*）"
)
_NBSP_SYNTAX = re.compile("^#{1,6}\u00a0|\\]\u00a0\\(|\u00a0\\$|\\$\u00a0")
_NAMES = {
    "\u200b": "zero-width space",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen",
}


_SYNTAX = frozenset("[]()<>$#*_`|{}!\\/:.~=-&%")


def _harmless(line: str, match: re.Match[str]) -> bool:
    """Whether a zero-width space at ``match`` can be left in place (see ENC003)."""
    if match.group(0) != "\u200b":
        return False
    before = line[: match.start()].rstrip("\u200b")
    after = line[match.end() :].lstrip("\u200b")
    previous, following = before[-1:], after[:1]
    if previous == "{" and following in ("{", "%"):
        return True  # Liquid shown literally: {​{site.baseurl}}
    if not before.strip():
        return False  # at the start of a line it hides the syntax after it
    if previous in _SYNTAX or following in _SYNTAX:
        return False
    ascii_word = (previous.isascii() and previous.isalnum()) or (
        following.isascii() and following.isalnum()
    )
    return not ascii_word


@rule("ENC001", "encoding-utf8", "error", ("encoding",))
def encoding_utf8(doc, ctx, params) -> Iterator[Hit]:
    """The file is valid UTF-8.
    Notes are read as UTF-8; an undecodable file shows replacement characters on the site."""
    if doc.decode_error is not None:
        problem = doc.decode_error
        yield Hit(
            problem.line, f"file is {problem.message}", problem.column, "re-save the file as UTF-8"
        )


@rule("ENC002", "byte-order-mark", "warning", ("encoding", "front-matter"), fixable=True)
def byte_order_mark(doc, ctx, params) -> Iterator[Hit]:
    """The file does not start with a byte-order mark.
    Jekyll does not see front matter behind a BOM and copies the page raw."""
    if doc.has_bom:
        yield Hit(
            1,
            "file starts with a UTF-8 byte-order mark",
            1,
            "remove the BOM (--fix does it)",
            fix=(Edit(0, "\ufeff", ""),),
        )


@rule("ENC003", "invisible-characters", "warning", ("encoding",))
def invisible_characters(doc, ctx, params) -> Iterator[Hit]:
    """No invisible or full-width characters that break Markdown syntax.
    Zero-width spaces, direction marks and soft hyphens hide inside paths and formulas;
    full-width brackets or dollar signs next to Markdown syntax (common in zh/ja) stop links,
    headings and maths from being recognised; a no-break space after '#' makes no heading.
    A zero-width space is left alone where it cannot hide anything: between '{' and '{' or '%'
    (the usual way to show Liquid such as {{site.baseurl}} literally, as the style guide
    does), and inside prose of a script that is not ASCII, or after a space there (machine
    translation leaves such pairs in Arabic; Thai uses it to mark word breaks)."""
    for number, line in enumerate(doc.lines, start=1):
        if line.isascii():
            continue
        match = next((m for m in _INVISIBLE.finditer(line) if not _harmless(line, m)), None)
        if match:
            char = match.group(0)
            name = _NAMES.get(char, f"direction control U+{ord(char):04X}")
            yield Hit(
                number,
                f"invisible character ({name})",
                match.start() + 1,
                "delete it; it is invisible in most editors",
            )
        match = _FULLWIDTH_SYNTAX.search(line)
        if match:
            yield Hit(
                number,
                f"full-width punctuation in Markdown syntax: {match.group(0)!r}",
                match.start() + 1,
                "use ASCII ( ) [ ] $ # around links, maths and headings",
            )
        match = _NBSP_SYNTAX.search(line)
        if match:
            yield Hit(
                number,
                "no-break space inside Markdown syntax",
                match.start() + 1,
                "use an ordinary space",
            )


@rule("ENC004", "line-endings", "info", ("encoding",), fixable=True)
def line_endings(doc, ctx, params) -> Iterator[Hit]:
    """Lines end with LF, not CRLF (Windows) or a lone CR.
    Jekyll and the site read either alike, so the page renders the same; but an editor that
    converts the file turns every line into a change of its history, and tools that split on
    LF keep a stray CR at the end of each line. --fix converts the file to LF."""
    if doc.crlf:
        yield Hit(
            1,
            "the file ends its lines with CRLF (Windows line endings)",
            1,
            "convert it to LF line endings (--fix does it)",
            fix=(Edit(0, "\r\n", "\n"),),
        )


@rule("ENC005", "note-size", "error", ("encoding", "safety"))
def note_size(doc, ctx, params) -> Iterator[Hit]:
    """The note is no larger than [notes] max_note_bytes (default 1 MiB).
    Time and memory of a check or a build grow with a note's size, and a note arrives by pull
    request: a larger file is not parsed at all, so none of its other rules run and the site
    shows an empty page for it. The 2020 notes' largest is 44 KB. This rule cannot be turned
    off; raise max_note_bytes under [notes] in course.toml to check larger notes."""
    if doc.too_large is not None:
        size, limit = doc.too_large
        yield Hit(
            1,
            f"note is {size:,} bytes, over the limit of {limit:,}: not read, so not checked "
            "(and empty on the site)",
            1,
            "split it into smaller notes, or raise max_note_bytes under [notes] in course.toml",
        )
