"""Paths that course.toml names (the home page, the notes folder, the contents list) stay
inside the course folder: written relative, without '..', and still inside once symbolic links
are followed. A pull request that sets ``home_page = "/etc/passwd"`` gets an error, not a page.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

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


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, symbolic links followed, is ``folder`` or lies under it."""
    resolved = path.resolve()
    root = folder.resolve()
    return resolved == root or root in resolved.parents
