"""Paths that course.toml names (the home page, the notes folder, the contents list) stay
inside the course folder: written relative, without '..', and still inside once symbolic links
are followed. A pull request that sets ``home_page = "/etc/passwd"`` gets an error, not a page.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path, PurePath, PurePosixPath

from dlcourse.course.errors import ConfigValueError

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_relative_path(value: str) -> str:
    """``value`` when it is a relative POSIX path without '..'; raises
    :class:`ConfigValueError` (a ValueError) saying what to write otherwise."""
    hint = "write it relative to the folder of course.toml, e.g. 'home.md' or 'docs'"
    if not value.strip():
        raise ConfigValueError("an empty path", hint)
    if _CONTROL.search(value):
        raise ConfigValueError("a path with a control character (a NUL, tab or line break)", hint)
    if "\\" in value:
        raise ConfigValueError("a path with a backslash", "use forward slashes: 'pages/home.md'")
    if PurePosixPath(value).is_absolute() or _DRIVE.match(value) or value.startswith("~"):
        raise ConfigValueError("an absolute path: it must lie inside the course folder", hint)
    if ".." in PurePosixPath(value).parts:
        raise ConfigValueError("a path through '..': it must lie inside the course folder", hint)
    return value


def resolved(path: Path) -> Path:
    """``path.resolve()``, or — for a loop of symbolic links, which Python 3.11's ``resolve``
    raises ``RuntimeError`` for (a pull request can add one) — the absolute path as written."""
    try:
        return Path(path).resolve()
    except RuntimeError:
        return Path(os.path.abspath(path))


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, symbolic links followed, is ``folder`` or lies under it."""
    return lies_within(resolved(path), resolved(folder))


def lies_within(path: PurePath, folder: PurePath) -> bool:
    """Whether ``path`` is ``folder`` or lies under it, as written (nothing resolved)."""
    return path == folder or folder in path.parents


def output_conflict(
    out: PurePath, course_root: PurePath, docs: PurePath, cwd: PurePath | None
) -> str | None:
    """Why a build must not replace the folder ``out`` (absolute and normalised, like the
    others), or None.

    A build replaces its output folder as a whole, so it must not be or contain the course
    folder, the notes folder or the current folder, nor lie inside the notes folder where its
    pages would be read as notes (a folder whose name starts with '_' or '.' is never read as
    notes: the Jekyll-era layout keeps its ``_site`` there)."""
    if lies_within(course_root, out):
        return "is the course folder" if out == course_root else "contains the course folder"
    if lies_within(docs, out):
        return "is the notes folder" if out == docs else "contains the notes folder"
    if cwd is not None and lies_within(cwd, out):
        return "is the current folder" if out == cwd else "contains the current folder"
    if docs in out.parents:
        first = out.relative_to(docs).parts[0]
        if not first.startswith(("_", ".")):
            return f"lies inside the notes folder {docs}, where its pages would be read as notes"
    return None


def written_output_conflict(output_dir: str, docs_dir: str) -> str | None:
    """:func:`output_conflict` for the folders as course.toml writes them (relative to the
    course folder), before any course folder is known: what ``validate`` can already refuse.
    The build checks again with the real, resolved folders."""
    climbs = PurePosixPath(output_dir).parts.count("..")
    root = PurePosixPath("/", *["course"] * (climbs + 1))  # deep enough for every '..'

    def normal(value: str) -> PurePosixPath:
        return PurePosixPath(posixpath.normpath(root / value))

    problem = output_conflict(normal(output_dir), root, normal(docs_dir), None)
    return problem and problem.replace(str(normal(docs_dir)), repr(docs_dir))
