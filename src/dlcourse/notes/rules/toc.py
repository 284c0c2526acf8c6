"""TOC: the Jekyll-style contents list (``_config.yml``) lists every page, and only real ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import rule

_LANG_BLOCK = re.compile(r"^([a-z]{2,3}(?:-[A-Za-z0-9]+)?):\s*(#.*)?$")
_DEFAULT_LANG = re.compile(r"""^default_lang:\s*['"]?([a-z-]+)""")
_ENTRY = re.compile(r"""^\s*-?\s*path:\s*['"]?([^'"#\s]+)""")
_TOP_LIST = re.compile(r"^(prologues|chapters|epilogues):")


@dataclass(frozen=True)
class Entry:
    language: str
    path: str
    line: int


def read_contents(path: Path) -> list[Entry]:
    """Contents entries of a Jekyll ``_config.yml``: each ``path:`` with its language block
    (top-level lists belong to ``default_lang``). Commented lines are skipped."""
    text = path.read_text(encoding="utf-8", errors="replace")
    default = "en"
    language = None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        found = _DEFAULT_LANG.match(line)
        if found:
            default = found.group(1)
        block = _LANG_BLOCK.match(line)
        if block:
            language = block.group(1)
            continue
        if _TOP_LIST.match(line):
            language = None
            continue
        if line and not line[0].isspace() and not line.startswith("-"):
            language = None if ":" in line else language
        entry = _ENTRY.match(line)
        if entry:
            entries.append(Entry(language or default, entry.group(1), number))
    return entries


def _contents_rel(ctx) -> str:
    try:
        return ctx.contents_file.relative_to(ctx.docs_dir).as_posix()
    except ValueError:
        return ctx.contents_file.as_posix()


@rule("TOC001", "toc-missing-page", "warning", ("contents",), scope="course")
def toc_missing_page(docs, ctx, params) -> Iterator[Hit]:
    """Every note is listed in the contents file (an unlisted page is invisible on the site)."""
    if ctx.contents_file is None or not ctx.contents_file.is_file():
        return
    listed = {entry.path for entry in read_contents(ctx.contents_file)}
    for doc in docs:
        if doc.rel_path and doc.week is not None and doc.rel_path not in listed:
            yield Hit(
                1,
                f"{doc.rel_path} is not listed in {ctx.contents_file.name}",
                1,
                f"add '- path: {doc.rel_path}' to its language's chapters",
                path=doc.rel_path,
            )


@rule("TOC002", "toc-bad-entry", "error", ("contents",), scope="course")
def toc_bad_entry(docs, ctx, params) -> Iterator[Hit]:
    """Every contents entry points to an existing page of its own language."""
    if ctx.contents_file is None or not ctx.contents_file.is_file():
        return
    where = _contents_rel(ctx)
    for entry in read_contents(ctx.contents_file):
        page_language = entry.path.split("/", 1)[0]
        if page_language != entry.language:
            yield Hit(
                entry.line,
                f"the {entry.language!r} contents list points to {entry.path} ({page_language!r})",
                1,
                f"point to {entry.language}/{entry.path.split('/', 1)[-1]}",
                path=where,
            )
        elif not (ctx.docs_dir / entry.path).is_file():
            yield Hit(
                entry.line,
                f"contents entry {entry.path} points to a missing page",
                1,
                "remove the entry or add the page",
                path=where,
            )
