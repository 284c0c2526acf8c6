"""What the site is built from: the language folders under the notes folder, found by walking.

There is no hand-kept list: a language is a folder whose name is a language code and which holds
Markdown; a note is ``weekNN/NN-K.md``, a week summary ``weekNN/NN.md``, any other ``.md`` a plain
page (``about.md``) — the grammar of :mod:`dlcourse.course.layout`, whose walker finds the files.
Other folders under the notes folder (``images/``) are site assets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.course import Course
from dlcourse.course.layout import (
    LANGUAGE_FOLDER,
    OutsideLink,
    WalkedFile,
    note_path,
    walk_folder,
)
from dlcourse.site.i18n import KNOWN_LANGUAGES


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
    outside_links: list[OutsideLink] = field(default_factory=list)  # never followed; warned of
    listings: dict[Path, frozenset[str]] = field(default_factory=dict)  # the walk's, by real path
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
    walked = walk_folder(docs, course.root)
    if not walked.files:
        source_language = [language_of(course.notes.source_language, course)]
        return SiteSources(docs, source_language, [], [], walked.outside_links, walked.listings)
    by_folder: dict[str, list[WalkedFile]] = {}
    for item in walked.files:
        folder, slash, _rest = item.rel.partition("/")
        if slash:  # files right in the notes folder (index.md) are not the site's
            by_folder.setdefault(folder, []).append(item)
    for folder, items in sorted(by_folder.items()):
        markdown = [item for item in items if item.rel.endswith(".md")]
        if LANGUAGE_FOLDER.match(folder) and markdown:
            languages.append(language_of(folder, course))
            files.extend(_source(folder, item) for item in markdown)
            # images kept beside a language's notes are assets; transcripts are not published
            kept = [item for item in items if not item.rel.endswith((".md", ".sbv"))]
        else:
            kept = items
        assets.extend((item.rel, item.path, item.mtime_ns, item.size) for item in kept)
    source = course.notes.source_language
    configured = [lang.code for lang in course.notes.languages]
    languages.sort(key=lambda lang: (lang.code != source, _index(configured, lang.code), lang.code))
    return SiteSources(
        docs, languages, files, sorted(assets), walked.outside_links, walked.listings
    )


def _index(items: list[str], value: str) -> int:
    return items.index(value) if value in items else len(items)


def _source(language: str, item: WalkedFile) -> SourceFile:
    place = note_path(item.rel)
    kind, week, part = (place.kind, place.week, place.part) if place else ("page", None, None)
    rel = item.rel.split("/", 1)[1]
    return SourceFile(language, rel, item.path, kind, week, part, item.mtime_ns, item.size)
