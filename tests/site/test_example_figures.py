"""The example course's figures are real pictures made by the labs (scripts/example_figures.py),
not the 24–32 px placeholders the example once shipped."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

# <img src="{{site.baseurl}}/images/..."> and ![alt](../../images/...)
IMAGE_REFERENCE = re.compile(
    r"""(?:src="\{\{\s*site\.baseurl\s*\}\}/|\]\((?:\.\./)+)(images/[^"\s)]+)"""
)
SCRIPT_SOURCE = "dlcourse scripts/example_figures.py"


def png_facts(data: bytes) -> tuple[int, int, dict[str, str]]:
    """Width, height and the text chunks of a PNG (standard library only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width = height = 0
    texts: dict[str, str] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"damaged {kind!r} chunk"
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        offset += 12 + length
    return width, height, texts


def referenced_figures(docs: Path) -> dict[str, list[str]]:
    """Image path (under docs/) → the notes that show it."""
    figures: dict[str, list[str]] = {}
    for note in sorted(docs.rglob("*.md")):
        for match in IMAGE_REFERENCE.finditer(note.read_text(encoding="utf-8")):
            figures.setdefault(match.group(1), []).append(str(note.relative_to(docs)))
    return figures


def test_every_figure_of_the_example_notes_is_a_real_picture_from_the_labs(
    example_course_dir: Path,
) -> None:
    docs = example_course_dir / "docs"
    figures = referenced_figures(docs)
    assert len(figures) >= 5  # 01-1, 01-3 (two), 02-1, 02-3
    for image, notes in figures.items():
        path = docs / image
        assert path.is_file(), f"{image} (shown by {notes}) is missing"
        width, height, texts = png_facts(path.read_bytes())
        assert width >= 250 and height >= 200, f"{image} is {width}×{height}: a placeholder?"
        assert width <= 1600 and height <= 1200, f"{image} is {width}×{height}: too large a page"
        assert texts.get("Source") == SCRIPT_SOURCE, f"{image} was not made by the script"
        assert "Software" not in texts  # no version stamp: re-runs write the same bytes


def test_png_reader_rejects_a_damaged_chunk(example_course_dir: Path) -> None:
    data = bytearray((example_course_dir / "docs/images/week01/01-3/regions.png").read_bytes())
    data[20] ^= 0xFF  # inside IHDR: its CRC no longer matches
    with pytest.raises(AssertionError, match="damaged"):
        png_facts(bytes(data))


def test_image_references_are_found_in_both_notations(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en/a.md").write_text(
        '<img src="{{ site.baseurl }}/images/w/a.png" alt="a"/>\n![b](../../images/w/b.png)\n',
        encoding="utf-8",
    )
    assert referenced_figures(tmp_path) == {
        "images/w/a.png": ["en/a.md"],
        "images/w/b.png": ["en/a.md"],
    }
