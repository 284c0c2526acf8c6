"""``dlcourse grades backup``: a consistent copy of the gradebook, readable by staff only.

SQLite: the online backup API (a consistent snapshot even while the portal writes), into a new
file of mode 0600 renamed into place. PostgreSQL: ``pg_dump --format=custom`` (restore with
``pg_restore``), also mode 0600.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from dlcourse.grades.db import GradebookError, redact, sqlite_path


def _private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def _pg_dump() -> str | None:
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))
    return str(candidates[-1]) if candidates else None


def backup(url: str, folder: Path, now: dt.datetime | None = None) -> Path:
    """Write a backup of the gradebook at ``url`` into ``folder``; returns the file."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    source = sqlite_path(url)
    if source is not None:
        target = folder / f"gradebook-{stamp}.sqlite3"
        partial = target.with_name(f".{target.name}.partial")
        _private_file(partial)
        try:
            with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
                live.backup(copy)
            copy.close()
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target
    parsed = make_url(url)
    dump = _pg_dump()
    if dump is None:
        raise GradebookError("pg_dump not found: install PostgreSQL's client (postgresql-client)")
    target = folder / f"gradebook-{stamp}.pgdump"
    partial = target.with_name(f".{target.name}.partial")
    _private_file(partial)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    command = [dump, "--format=custom", f"--file={partial}", "--no-password"]
    host = parsed.host or parsed.query.get("host")
    if host:
        command.append(f"--host={host if isinstance(host, str) else host[0]}")
    if parsed.port:
        command.append(f"--port={parsed.port}")
    if parsed.username:
        command.append(f"--username={parsed.username}")
    command.append(str(parsed.database))
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise GradebookError(f"pg_dump of {redact(url)} failed: {done.stderr.strip()}")
    os.replace(partial, target)
    return target
