"""What the site is built from: the language folders under the notes folder, found by walking.

There is no hand-kept list: a language is a folder whose name is a language code and which holds
Markdown; a note is ``weekNN/NN-K.md``, a week summary ``weekNN/NN.md``, any other ``.md`` a plain
page (``about.md``). Other folders under the notes folder (``images/``) are site assets.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.course import Course
from dlcourse.site.i18n import KNOWN_LANGUAGES

_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_NOTE = re.compile(r"^week(\d{1,2})/(\d{1,2})-(\d)\.md$")
_WEEK = re.compile(r"^week(\d{1,2})/(\d{1,2})\.md$")


@dataclass(frozen=True)
class SiteLanguage:
    code: str
    name: str
    direction: str  # "ltr" | "rtl"


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file of the notes, with where its page goes."""

    lang: str
    rel: str  # posix path under the language folder, e.g. "week02/02-1.md"
    path: Path
    kind: str  # "note" | "week" | "page"
    week: int | None
    part: int | None
    mtime_ns: int
    size: int

    @property
    def docs_rel(self) -> str:
        return f"{self.lang}/{self.rel}"

    @property
    def slug(self) -> str:
        """Language-independent identity, e.g. ``week02/02-1`` (links the same page across
        languages when front matter has no ``lang-ref``)."""
        return self.rel.removesuffix(".md")

    @property
    def url_path(self) -> str:
        """Path of the page under the site root (pretty URLs, as Jekyll's ``permalink: pretty``)."""
        return f"{self.lang}/{self.slug}/"

    @property
    def order(self) -> tuple[int, int, int, str]:
        if self.kind == "page":
            return (0, 0, 0, self.rel)
        return (1, self.week or 0, self.part or 0, self.rel)


@dataclass
class SiteSources:
    docs_dir: Path
    languages: list[SiteLanguage]
    files: list[SourceFile]
    assets: list[tuple[str, Path, int, int]] = field(default_factory=list)  # rel, path, mtime, size
    _by_language: dict[str, list[SourceFile]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def by_language(self, code: str) -> list[SourceFile]:
        """The files of one language in reading order (computed once per language)."""
        if not self._by_language:
            for item in sorted(self.files, key=lambda f: f.order):
                self._by_language.setdefault(item.lang, []).append(item)
        return self._by_language.get(code, [])

    def fingerprint(self) -> str:
        """Stat-level fingerprint of every input file (cheap: no file is read)."""
        digest = hashlib.blake2b(digest_size=16)
        for item in sorted(self.files, key=lambda f: f.docs_rel):
            digest.update(f"{item.docs_rel}\0{item.mtime_ns}\0{item.size}\n".encode())
        for rel, _path, mtime, size in sorted(self.assets):
            digest.update(f"{rel}\0{mtime}\0{size}\n".encode())
        return digest.hexdigest()


def _walk(folder: Path) -> list[tuple[str, Path, os.stat_result]]:
    found = []
    stack = [(folder, "")]
    while stack:
        current, prefix = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), rel + "/"))
            elif entry.is_file():
                found.append((rel, Path(entry.path), entry.stat()))
    return found


def language_of(code: str, course: Course) -> SiteLanguage:
    configured = course.notes.language(code)
    if configured is not None:
        return SiteLanguage(code, configured.name, configured.direction)
    name, direction = KNOWN_LANGUAGES.get(
        code, KNOWN_LANGUAGES.get(code.split("-")[0], (code, "ltr"))
    )
    return SiteLanguage(code, name, direction)


def discover(course: Course) -> SiteSources:
    docs = course.docs_dir
    languages: list[SiteLanguage] = []
    files: list[SourceFile] = []
    assets: list[tuple[str, Path, int, int]] = []
    if not docs.is_dir():
        return SiteSources(docs, [language_of(course.notes.source_language, course)], [], [])
    for entry in sorted(os.scandir(docs), key=lambda e: e.name):
        if entry.name.startswith((".", "_")) or not entry.is_dir():
            continue
        walked = _walk(Path(entry.path))
        markdown = [item for item in walked if item[0].endswith(".md")]
        if _LANGUAGE_FOLDER.match(entry.name) and markdown:
            languages.append(language_of(entry.name, course))
            for rel, path, stat in markdown:
                files.append(_source(entry.name, rel, path, stat))
            for rel, path, stat in walked:  # images kept beside a language's notes
                if not rel.endswith((".md", ".sbv")):
                    assets.append((f"{entry.name}/{rel}", path, stat.st_mtime_ns, stat.st_size))
        else:
            for rel, path, stat in walked:
                assets.append((f"{entry.name}/{rel}", path, stat.st_mtime_ns, stat.st_size))
    source = course.notes.source_language
    configured = [lang.code for lang in course.notes.languages]
    languages.sort(key=lambda lang: (lang.code != source, _index(configured, lang.code), lang.code))
    return SiteSources(docs, languages, files, sorted(assets))


def _index(items: list[str], value: str) -> int:
    return items.index(value) if value in items else len(items)


def _source(lang: str, rel: str, path: Path, stat: os.stat_result) -> SourceFile:
    note = _NOTE.match(rel)
    week = _WEEK.match(rel)
    if note and int(note.group(1)) == int(note.group(2)):
        kind, number, part = "note", int(note.group(1)), int(note.group(3))
    elif week and int(week.group(1)) == int(week.group(2)):
        kind, number, part = "week", int(week.group(1)), None
    else:
        kind, number, part = "page", None, None
    return SourceFile(lang, rel, path, kind, number, part, stat.st_mtime_ns, stat.st_size)


def read_text(path: Path) -> str:
    """A note as text: BOM dropped, CRLF made LF (line numbers are kept)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_KEY = re.compile(r"^([A-Za-z][\w -]*?)\s*:\s*(.*)$")


def front_matter(text: str) -> dict[str, str]:
    """The simple ``key: value`` YAML the notes use (no nesting), keys lower-cased and normalised
    (``Translator`` → ``translator``, ``translation date`` → ``translation-date``)."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    values: dict[str, str] = {}
    for line in text[3:end].splitlines():
        match = _KEY.match(line.strip())
        if not match:
            continue
        key = match.group(1).strip().lower().replace(" ", "-").replace("_", "-")
        key = {"tranlation-date": "translation-date"}.get(key, key)
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values
