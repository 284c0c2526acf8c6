"""TOC: the Jekyll-style contents list (``_config.yml``) lists every page, and only real ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from dlcourse.course.layout import read_course_text
from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import rule

_LISTS = ("prologues", "chapters", "epilogues")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    language: str
    path: str
    line: int


class ContentsError(ValueError):
    """The contents file cannot be read as YAML (``line`` is 1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _mapping(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): (key, value)
        for key, value in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def _entries(node: yaml.Node, language: str, out: list[Entry]) -> None:
    """``- path: …`` items of a contents list and of their nested ``sections``."""
    if not isinstance(node, yaml.SequenceNode):
        return
    for item in node.value:
        fields = _mapping(item)
        if "path" in fields:
            key, value = fields["path"]
            if isinstance(value, yaml.ScalarNode) and value.value:
                out.append(Entry(language, str(value.value), key.start_mark.line + 1))
        if "sections" in fields:
            _entries(fields["sections"][1], language, out)


def read_contents(path: Path) -> list[Entry]:
    """Contents entries of a Jekyll ``_config.yml``, read with PyYAML: the top-level
    ``prologues``/``chapters``/``epilogues`` belong to ``default_lang``; a top-level key whose
    mapping has such lists is a language block. Raises :class:`ContentsError` when the file is
    not valid YAML (Jekyll then refuses to build)."""
    text = read_course_text(path).text  # the one decoder: BOM, line ends, bad bytes
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ContentsError(
            f"{path.name} is not valid YAML: {error.problem}", mark.line + 1 if mark else 1
        ) from error
    top = _mapping(root)
    default = "en"
    if "default_lang" in top and isinstance(top["default_lang"][1], yaml.ScalarNode):
        default = str(top["default_lang"][1].value) or default
    entries: list[Entry] = []
    for name, (_, value) in top.items():
        if name in _LISTS:
            _entries(value, default, entries)
            continue
        block = _mapping(value)
        for list_name in _LISTS:
            if list_name in block:
                _entries(block[list_name][1], name, entries)
    entries.sort(key=lambda entry: entry.line)
    return entries


def _read(ctx) -> tuple[list[Entry], Hit | None]:
    try:
        return read_contents(ctx.contents_file), None
    except ContentsError as error:
        hint = "Jekyll cannot build the site; quote values that hold ': '"
        return [], Hit(error.line, str(error), 1, hint, path=_contents_rel(ctx))


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
    entries, problem = _read(ctx)
    if problem is not None:
        return  # TOC002 reports the unreadable file
    listed = {entry.path for entry in entries}
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
    """Every contents entry points to an existing page of its own language.
    Entries into folders that do not exist at all (a language or weeks not written yet, or a
    partial copy of the notes) are reported once per language, not once per page."""
    if ctx.contents_file is None or not ctx.contents_file.is_file():
        return
    where = _contents_rel(ctx)
    entries, problem = _read(ctx)
    if problem is not None:
        yield problem
    absent: dict[str, list[Entry]] = {}
    for entry in entries:
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
            folder = _first_absent_folder(ctx.docs_dir, entry.path)
            if folder is None:
                yield Hit(
                    entry.line,
                    f"contents entry {entry.path} points to a missing page",
                    1,
                    "remove the entry or add the page",
                    path=where,
                )
            else:
                absent.setdefault(folder, []).append(entry)
    by_language: dict[str, list[tuple[str, Entry]]] = {}
    for folder, group in absent.items():
        by_language.setdefault(folder.split("/", 1)[0], []).extend((folder, e) for e in group)
    for language, group in by_language.items():
        folders = list(dict.fromkeys(folder for folder, _ in group))
        named = ", ".join(f"{folder}/" for folder in folders[:3])
        if len(folders) > 3:
            named += f" … {folders[-1]}/"
        count = len(group)
        yield Hit(
            group[0][1].line,
            f"{count} {language!r} contents entr{'y points' if count == 1 else 'ies point'} "
            f"into {'a folder' if len(folders) == 1 else f'{len(folders)} folders'} that "
            f"do{'es' if len(folders) == 1 else ''} not exist: {named}",
            1,
            "remove the entries or add the pages",
            path=where,
        )


def _first_absent_folder(docs_dir: Path, page: str) -> str | None:
    """The shallowest folder of ``page`` (a posix path under ``docs_dir``) that does not exist;
    None when the page's folder exists."""
    parts = page.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        if not (docs_dir / Path(*parts[:depth])).is_dir():
            return "/".join(parts[:depth])
    return None
