"""Where a build may put its site, and which folders it may delete.

A build replaces its whole output folder, so a wrong ``--out`` or ``[site] output_dir`` (``.``,
``..``, ``docs``) would delete the course, its notes or the user's files. Before anything is
written the output folder is checked: it must not be, contain or lie among the course's sources,
must not be or contain the current folder, and if it exists it must be empty or an earlier
dlcourse site (it holds :data:`MARKER`). Afterwards the build deletes only folders that hold the
marker: the site it replaced and the leftovers of interrupted builds whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from dlcourse.course import Course, CourseError
from dlcourse.course.errors import CourseIssue
from dlcourse.course.paths import output_conflict

MARKER = ".dlcourse-site"  # in every tree a build writes: "this folder is a dlcourse site"
#: A site written before the marker existed: what every dlcourse site has had at its top.
_EARLIER_SITE = (".nojekyll", "sitemap.xml", "robots.txt", "static/site.js")
HINT = "pick a folder of its own for the site, e.g. '_site' (set [site] output_dir or --out)"


def check_output_folder(course: Course, out_dir: Path, cwd: Path | None = None) -> None:
    """Raise :class:`CourseError` (one located issue) when a build must not write ``out_dir``."""
    out_dir = out_dir.resolve()
    cwd = (cwd or Path.cwd()).resolve()
    problem = output_conflict(out_dir, course.root.resolve(), course.docs_dir.resolve(), cwd)
    if problem is None and out_dir.exists() and not out_dir.is_dir():
        problem = "is a file, not a folder"
    if problem is None and out_dir.is_dir() and not _replaceable(out_dir):
        problem = (
            f"already exists and is not a site dlcourse built (no {MARKER} inside): a build "
            "replaces its output folder, and would delete what is there"
        )
    if problem is None:
        return
    if out_dir == (course.root / course.site.output_dir).resolve():  # from course.toml
        issue = CourseIssue(
            course.root / "course.toml",
            course.locate("site", "output_dir"),
            "site.output_dir",
            f"the output folder {out_dir} {problem}",
            HINT,
        )
    else:
        issue = CourseIssue(out_dir, None, "--out", f"the output folder {problem}", HINT)
    raise CourseError([issue])


def _replaceable(folder: Path) -> bool:
    """Empty, or a site a dlcourse build wrote (with the marker, or before there was one)."""
    if is_dlcourse_site(folder):
        return True
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def is_dlcourse_site(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    return all((folder / name).is_file() for name in _EARLIER_SITE)


def mark(tree: Path) -> None:
    """Say that ``tree`` is a site dlcourse wrote (the first file of every new tree)."""
    (tree / MARKER).write_text("A website built by dlcourse: 'dlcourse build' replaces it.\n")


def remove_site(folder: Path) -> bool:
    """Delete ``folder`` if it is a site dlcourse wrote; leave anything else alone."""
    if folder.is_symlink() or not folder.is_dir() or not is_dlcourse_site(folder):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def remove_stale_trees(out_dir: Path) -> list[Path]:
    """The ``.NAME.building-PID`` and ``.NAME.old-PID`` folders of interrupted builds beside
    ``out_dir`` whose process is gone (and which are dlcourse sites): deleted; returned."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(?:building|old)-(\d+)")
    removed = []
    with contextlib.suppress(OSError), os.scandir(out_dir.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and not _alive(int(match.group(1))) and remove_site(Path(entry.path)):
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except (OverflowError, OSError):
        return False
    return True
