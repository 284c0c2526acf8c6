"""What rules may know beyond one note: the course, its docs folder, transcripts, file hashes."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse.course import Course
from dlcourse.course.calendar import Meeting
from dlcourse.course.layout import OutsideLink
from dlcourse.course.paths import lies_within, resolved
from dlcourse.notes.meetings import meeting_for
from dlcourse.notes.transcript import transcript_duration, transcript_for


@dataclass
class Context:
    course: Course
    docs_dir: Path
    contents_file: Path | None = None
    git_times: dict[str, int] | None = None  # rel_path → last commit time (None: no git)
    source_docs: dict[str, Any] = field(default_factory=dict)  # lang-ref → source-language note
    # symbolic links among the checked paths that are never followed (LINK002 reports them)
    unfollowed_links: list[OutsideLink] = field(default_factory=list)
    _durations: dict[Path, float | None] = field(default_factory=dict, repr=False)
    _hashes: dict[Path, str | None] = field(default_factory=dict, repr=False)
    known_hashes: dict[str, tuple[int, int, str | None]] = field(default_factory=dict, repr=False)
    _new_hashes: dict[str, tuple[int, int, str | None]] = field(default_factory=dict, repr=False)
    # folders already listed by the caller's walk (real path → names): not listed again
    known_listings: Mapping[Path, frozenset[str]] = field(default_factory=dict, repr=False)
    _listings: dict[Path, frozenset[str] | set[str] | None] = field(
        default_factory=dict, repr=False
    )
    _outside: dict[Path, bool] = field(default_factory=dict, repr=False)
    _boundaries: list[Path] | None = field(default=None, repr=False)  # resolved once

    @property
    def settings(self) -> Any:
        return self.course.notes

    @property
    def source_language(self) -> str:
        return self.course.notes.source_language

    def meeting(self, week: int | None, part: int | None) -> Meeting | None:
        if week is None or part is None:
            return None
        return meeting_for(self.course, week, part)

    def video_length(self, doc: Any) -> tuple[float, str] | None:
        """(seconds, transcript file name) of a note's video, from the transcript beside the
        note or beside its English source (translations share the English transcripts)."""
        if doc.path is None or doc.week is None:
            return None
        candidates = [Path(doc.path)]
        if doc.rel_path and doc.language and doc.language != self.source_language:
            relative = Path(doc.rel_path).relative_to(doc.language)
            candidates.append(self.docs_dir / self.source_language / relative)
        for note_path in candidates:
            found = transcript_for(note_path, doc.week, doc.kind, doc.part, self.course)
            if found is not None:
                if found not in self._durations:
                    self._durations[found] = transcript_duration(found)
                duration = self._durations[found]
                return (duration, found.name) if duration else None
        return None

    def file_hash(self, path: Path) -> str | None:
        """BLAKE2 hash of a file's bytes (reused from the result cache while the file's time
        and size are unchanged)."""
        if path not in self._hashes and self.outside_course(path):
            self._hashes[path] = None
        if path not in self._hashes:
            key = str(path)
            try:
                stat = os.stat(key)
            except OSError:
                self._hashes[path] = None
                return None
            known = self.known_hashes.get(key)
            if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
                self._hashes[path] = known[2]
                return known[2]
            try:
                value = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            except OSError:
                value = None
            self._hashes[path] = value
            self._new_hashes[key] = (stat.st_mtime_ns, stat.st_size, value)
        return self._hashes[path]

    def new_hashes(self) -> dict[str, tuple[int, int, str | None]]:
        """File hashes computed in this run (for the result cache)."""
        return dict(self._new_hashes)

    def listing(self, folder: Path) -> frozenset[str] | set[str] | None:
        """Exact file names in a folder (to catch case mismatches on any file system)."""
        if folder not in self._listings and self.outside_course(folder):
            self._listings[folder] = None
        if folder not in self._listings:
            known = self.known_listings.get(resolved(folder)) if self.known_listings else None
            try:
                self._listings[folder] = known if known is not None else set(os.listdir(folder))
            except OSError:
                self._listings[folder] = None
        return self._listings[folder]

    def exists_exactly(self, path: Path) -> bool:
        names = self.listing(path.parent)
        return names is not None and path.name in names and path.is_file()

    def outside_course(self, path: Path) -> bool:
        """Whether ``path`` (symbolic links followed) lies out of the course folder. Rules never
        list, hash or test the existence of such a path: a finding must read the same whether
        or not it exists, or a pull request could use the checker to probe the machine that
        checks it (which files are in a home folder, a name's letter case)."""
        if self._boundaries is None:
            # the notes folder checked may lie elsewhere (a sample checked with a course's rules)
            folders = [self.docs_dir]
            with contextlib.suppress(RuntimeError):  # a course made in memory: notes folder only
                folders.append(self.course.root)
            self._boundaries = [resolved(folder) for folder in folders]
        if path not in self._outside:
            target = resolved(path)
            self._outside[path] = not any(lies_within(target, b) for b in self._boundaries)
        return self._outside[path]
