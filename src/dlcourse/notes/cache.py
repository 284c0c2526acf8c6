"""A content-hash cache of per-file check results, so that re-checking unchanged notes is cheap.

One pickle per configuration under ``<cache dir>/notes-check/`` (default cache dir:
``<course>/.dlcourse-cache``): the configuration key hashes the dlcourse version, the checker's
own source files, the course settings, the resolved rule settings, the docs folder and the
contents file. Inside, each note's entry holds the BLAKE2 hash of its bytes, its findings from
the note rules, its slim document (what the course rules need) and its pragmas, plus the
modification times of the folders its checks looked into (the note's folder, the folders of the
images and files it links, the English folder of a translation: adding, removing or renaming a
file there changes them) and of the transcripts it was measured against. An entry is used only
when all of these still match; course rules (translations, duplicates, continuity, contents)
are recomputed on every run from the slim documents.

A cache that cannot be read or written is ignored: the check never fails because of it. So is
one this machine did not write: the file is read with an unpickler that builds the checker's own
data classes and paths and refuses every other name (a planted ``os.system`` is an error before
anything runs), and a cache folder that git tracks came with the repository (a pull request can
commit one, with findings left out) and is never read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse import __version__
from dlcourse.course import Course
from dlcourse.util.files import atomic_write_bytes, tracked_by_git

SUBFOLDER = "notes-check"
_FORMAT = 1


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class FileResult:
    """What checking one file produced (and what the cache keeps)."""

    key: str  # absolute path of the file
    digest: str | None  # hash of its bytes (None: unreadable)
    findings: list  # Finding, with the display path of the run that made them
    doc: Any = None  # slim NoteDocument (None: unreadable)
    pragmas: tuple = ({}, set())
    deps: tuple[tuple[str, int, int], ...] = ()  # (path, mtime_ns, size) looked at
    cached: bool = field(default=False, compare=False)


def stat_key(path: str) -> tuple[str, int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, stat.st_mtime_ns, stat.st_size)


def fingerprint(paths: set[str]) -> tuple[tuple[str, int, int], ...]:
    return tuple(stat_key(path) for path in sorted(paths))


def deps_unchanged(deps: tuple[tuple[str, int, int], ...]) -> bool:
    return all(stat_key(path) == (path, mtime, size) for path, mtime, size in deps)


def _code_fingerprint() -> str:
    """Sizes and times of the checker's own modules: an edited rule invalidates the cache even
    when the version number stays the same (editable installs)."""
    root = Path(__file__).parent
    parts = []
    for path in sorted([*root.glob("*.py"), *root.glob("rules/*.py")]):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("|".join(parts).encode())


def config_key(
    course: Course, settings: dict[str, Any], docs_dir: Path, contents_file: Path | None
) -> str:
    """Hash of everything besides a note's own bytes that its note-rule findings depend on."""
    try:
        course_json = course.model_dump_json()
    except Exception:  # a stand-in course object in tests
        course_json = repr(course)
    rules = {
        rule_id: [setting.enabled, setting.severity, setting.params]
        for rule_id, setting in sorted(settings.items())
    }
    payload = json.dumps(
        [
            _FORMAT,
            __version__,
            _code_fingerprint(),
            course_json,
            rules,
            str(Path(docs_dir).resolve()),
            str(contents_file) if contents_file else None,
        ],
        sort_keys=True,
        default=str,
    )
    return digest(payload.encode())


class _DataOnly(pickle.Unpickler):
    """Unpickles what :class:`ResultCache` writes and nothing else: data classes of the notes
    checker's modules (already imported: nothing is imported by name) and paths. Any other name
    a file asks for (``os.system``, ``builtins.eval``, a class with side effects) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "pathlib" and name in ("PosixPath", "PurePosixPath"):
            return getattr(pathlib, name)
        owner = sys.modules.get(module) if module.startswith("dlcourse.notes.") else None
        found = getattr(owner, name, None) if "." not in name else None
        if isinstance(found, type) and dataclasses.is_dataclass(found):
            return found
        raise pickle.UnpicklingError(f"the notes cache does not hold {module}.{name}")


class ResultCache:
    """Entries of one configuration, loaded once and saved once per run."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = Path(folder) / SUBFOLDER
        self.key = key
        self.path = self.folder / f"{key}.pickle"
        self.entries: dict[str, FileResult] = {}
        # other files' hashes (images compared by ED003): path → (mtime_ns, size, hash)
        self.file_hashes: dict[str, tuple[int, int, str | None]] = {}
        self.loaded = False

    def load(self) -> None:
        self.loaded = True
        if not self.path.is_file() or tracked_by_git(self.folder):
            return
        try:
            with self.path.open("rb") as handle:
                data = _DataOnly(handle).load()
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return
        except Exception:  # a cache written by another version of the classes
            return
        if isinstance(data, dict) and data.get("format") == _FORMAT:
            self.entries = data.get("entries", {})
            self.file_hashes = data.get("file_hashes", {})

    def lookup(self, key: str, file_digest: str) -> FileResult | None:
        entry = self.entries.get(key)
        if entry is None or entry.digest != file_digest or not deps_unchanged(entry.deps):
            return None
        return entry

    def save(
        self,
        results: list[FileResult],
        file_hashes: dict[str, tuple[int, int, str | None]] | None = None,
    ) -> None:
        """Add this run's new results (and file hashes); write only when something is new."""
        fresh = [r for r in results if r.digest is not None and not r.cached]
        if not fresh and not file_hashes:
            return
        for result in fresh:
            self.entries[result.key] = result
        self.file_hashes.update(file_hashes or {})
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by dlcourse: a cache, never commit it\n*\n")
            data = {"format": _FORMAT, "entries": self.entries, "file_hashes": self.file_hashes}
            atomic_write_bytes(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            for other in self.folder.glob("*.pickle"):
                if other != self.path:  # results of an older configuration
                    other.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only course folder: checking still works, uncached
