"""What one build keeps for the next: the manifest (JSON) and the rendered note bodies and
formulas (SQLite), in the cache folder.

Caches hold data, never code: a pull request can add files under ``.dlcourse-cache/``, and a
cache read with ``pickle`` would run whatever it was given. Both files name the cache format
and the dlcourse version that wrote them, and anything that does not verify — another version,
a damaged file, a row of the wrong shape — is ignored (the work is simply done again).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse import __version__
from dlcourse.site.build_warnings import BuildWarning
from dlcourse.site.note_bodies import NoteBody, NoteMeta
from dlcourse.util.files import atomic_write_bytes, tracked_by_git

CACHE_FORMAT = "site-7"
MANIFEST = "manifest.json"
STORE = "site-cache.sqlite"
_STAMP = {"format": CACHE_FORMAT, "dlcourse": __version__}


def content_key(*parts: str | bytes) -> str:
    """A short content hash of ``parts`` (each one delimited, so ``("ab", "c") != ("a", "bc")``)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class Unverified(ValueError):
    """Cached data of the wrong shape: ignored, as if there were none."""


def _expect(value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Unverified(f"expected {kind}, found {type(value).__name__}")
    return value


def _str_map(value: Any) -> dict[str, str]:
    for key, item in _expect(value, dict).items():
        _expect(key, str), _expect(item, str)
    return value


# -- the manifest ----------------------------------------------------------------------------


@dataclass
class NoteRecord:
    """One note as the build saw it: its stat, content hash, body key and metadata."""

    mtime: int
    size: int
    hash: str
    body: str
    meta: NoteMeta | None = None

    def to_json(self) -> dict[str, Any]:
        meta = self.meta.to_json() if self.meta is not None else None
        return {"mtime": self.mtime, "size": self.size, "hash": self.hash, "body": self.body,
                "meta": meta}  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> NoteRecord:
        _expect(data, dict)
        return cls(
            _expect(data["mtime"], int),
            _expect(data["size"], int),
            _expect(data["hash"], str),
            _expect(data["body"], str),
            NoteMeta.from_json(data["meta"]),
        )


@dataclass
class BuildState:
    """The previous build's manifest: what it was built from and what it wrote."""

    fingerprint: str = ""
    notes: dict[str, NoteRecord] = field(default_factory=dict)
    page_hashes: dict[str, str] = field(default_factory=dict)
    page_deps: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    assets: dict[str, list[int]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[BuildWarning]:
        """The build's warnings: every note's, in the order the build reported them."""
        return [w for record in self.notes.values() if record.meta for w in record.meta.warnings]

    @classmethod
    def load(cls, cache_dir: Path) -> BuildState:
        """The manifest in ``cache_dir``; an empty state when it is missing or does not verify,
        or when git tracks the cache folder (a cache that came with a pull request is not this
        machine's: trusting it would let a commit decide what the build skips)."""
        if tracked_by_git(cache_dir):
            return cls()
        try:
            data = json.loads((cache_dir / MANIFEST).read_bytes())
            return cls._from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    @classmethod
    def _from_json(cls, data: Any) -> BuildState:
        _expect(data, dict)
        if {key: data.get(key) for key in _STAMP} != _STAMP:
            raise Unverified("another format or dlcourse version")
        assets = _expect(data["assets"], dict)
        for rel, stat in assets.items():
            _expect(rel, str)
            if len(_expect(stat, list)) != 2 or not all(isinstance(v, int) for v in stat):
                raise Unverified("asset stat")
        return cls(
            fingerprint=_expect(data["fingerprint"], str),
            notes={
                _expect(rel, str): NoteRecord.from_json(record)
                for rel, record in _expect(data["notes"], dict).items()
            },
            page_hashes=_str_map(data["page_hashes"]),
            page_deps=_str_map(data["page_deps"]),
            pages=_expect(data["pages"], int),
            assets=assets,
        )

    def save(self, cache_dir: Path) -> None:
        data = {
            **_STAMP,
            "fingerprint": self.fingerprint,
            "notes": {rel: record.to_json() for rel, record in self.notes.items()},
            "page_hashes": self.page_hashes,
            "page_deps": self.page_deps,
            "pages": self.pages,
            "assets": self.assets,
        }
        atomic_write_bytes(cache_dir / MANIFEST, json.dumps(data).encode())


# -- rendered bodies and formulas --------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stamp (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS formulas (
    key TEXT PRIMARY KEY, html TEXT NOT NULL, ok INTEGER NOT NULL, message TEXT NOT NULL
);
"""


class RenderCache:
    """Rendered note bodies by body key and rendered formulas by formula key, in one SQLite
    file: a one-note edit writes one row (no file is rewritten), and a body is read only when
    a page needs it. A store that cannot be opened or turns out damaged mid-build is worked
    around (a miss, an unsaved row), never a failed build."""

    def __init__(self, path: Path | None, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._owner = os.getpid()
        self._reader: sqlite3.Connection | None = None  # a forked worker's own connection
        self._keys: set[str] | None = None
        self.new_bodies: dict[str, NoteBody] = {}

    @classmethod
    @contextlib.contextmanager
    def open(cls, cache_dir: Path) -> Iterator[RenderCache]:
        # A store git tracks came with the repository, perhaps with a pull request: its bodies
        # would reach every page unsanitised, so the build works uncached instead.
        path: Path | None = None if tracked_by_git(cache_dir) else cache_dir / STORE
        connection = _connect(path) if path is not None else _memory()
        try:
            yield cls(path, connection)
        finally:
            connection.close()

    def _read(self) -> sqlite3.Connection:
        """The connection to read with: SQLite connections must not cross a fork, so a forked
        layout worker that needs a body opens its own, read-only."""
        if os.getpid() == self._owner:
            return self._db
        if self.path is None:  # uncached: nothing to read in a worker (a miss renders anew)
            raise sqlite3.DatabaseError("no store")
        if self._reader is None:
            self._reader = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        return self._reader

    def body_keys(self) -> set[str]:
        if self._keys is None:
            try:
                self._keys = {key for (key,) in self._db.execute("SELECT key FROM bodies")}
            except sqlite3.DatabaseError:
                self._keys = set()
        return self._keys | set(self.new_bodies)

    def body(self, key: str) -> NoteBody | None:
        """The body stored under ``key``; None when there is none or it does not verify."""
        if key in self.new_bodies:
            return self.new_bodies[key]
        try:
            query = "SELECT body FROM bodies WHERE key = ?"
            row = self._read().execute(query, (key,)).fetchone()
            return NoteBody.from_json(json.loads(row[0])) if row is not None else None
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError):
            return None

    def put_body(self, key: str, body: NoteBody) -> None:
        self.new_bodies[key] = body

    def save_bodies(self, live: Iterable[str]) -> None:
        """Write this build's new bodies and drop the ones no note has any more (only when
        there are new ones: an unchanged build writes nothing)."""
        if not self.new_bodies:
            return
        live = set(live)
        stale = [(key,) for key in self.body_keys() - live]
        rows = [
            (key, json.dumps(body.to_json(), ensure_ascii=False))
            for key, body in self.new_bodies.items()
        ]
        with contextlib.suppress(sqlite3.DatabaseError), self._db:
            self._db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?)", rows)
            self._db.executemany("DELETE FROM bodies WHERE key = ?", stale)
        self._keys = live & self.body_keys()
        self.new_bodies = {}

    def formulas(self) -> dict[str, tuple[str, bool, str]]:
        """Every rendered formula: ``key → (html, ok, message)`` (rows that verify)."""
        query = (
            "SELECT key, html, ok, message FROM formulas WHERE typeof(html) = 'text' "
            "AND typeof(ok) = 'integer' AND typeof(message) = 'text'"
        )
        try:
            rows = self._db.execute(query).fetchall()
        except sqlite3.DatabaseError:
            return {}
        return {key: (html, bool(ok), message) for key, html, ok, message in rows}

    def save_formulas(self, formulas: dict[str, tuple[str, bool, str]]) -> None:
        rows = [(key, html, int(ok), message) for key, (html, ok, message) in formulas.items()]
        with contextlib.suppress(sqlite3.DatabaseError), self._db:
            self._db.executemany("INSERT OR REPLACE INTO formulas VALUES (?, ?, ?, ?)", rows)


def _connect(path: Path) -> sqlite3.Connection:
    """The store at ``path``, made anew when it is not one of ours in this format and version
    (or not a database at all); in memory when the cache folder cannot be written (a
    read-only course folder still builds, uncached)."""
    for attempt in range(2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path)
        except (OSError, sqlite3.DatabaseError):
            break
        try:
            if _verified(_configured(connection)):
                return connection
        except sqlite3.DatabaseError:
            pass
        connection.close()
        if attempt:
            break
        for stale in (path, path.with_name(path.name + "-journal")):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
    return _memory()


def _memory() -> sqlite3.Connection:
    """A store for this build only."""
    memory = _configured(sqlite3.connect(":memory:"))
    _verified(memory)
    return memory


def _configured(connection: sqlite3.Connection) -> sqlite3.Connection:
    connection.execute("PRAGMA trusted_schema = OFF")
    # no flush per commit: a store damaged by a power cut is detected and made anew, and a
    # flush costs 10-60 ms on a busy disk, a large share of a one-note rebuild
    connection.execute("PRAGMA synchronous = OFF")
    return connection


def _schema(connection: sqlite3.Connection) -> set[tuple[str, str, str | None]]:
    return set(connection.execute("SELECT type, name, sql FROM sqlite_master"))


@functools.cache
def _expected_schema() -> set[tuple[str, str, str | None]]:
    with contextlib.closing(sqlite3.connect(":memory:")) as memory:
        memory.executescript(_SCHEMA)
        return _schema(memory)


def _verified(connection: sqlite3.Connection) -> bool:
    """Ours: exactly our tables (no trigger or view a stranger added) and our stamp."""
    found = _schema(connection)
    if not found:  # new: lay it out and stamp it
        connection.executescript(_SCHEMA)
        with connection:
            connection.executemany("INSERT INTO stamp VALUES (?, ?)", _STAMP.items())
        return True
    if found != _expected_schema():
        return False
    return dict(connection.execute("SELECT name, value FROM stamp")) == _STAMP
