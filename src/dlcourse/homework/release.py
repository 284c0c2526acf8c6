"""``dlcourse hw release``: the student bundle of an assignment, as a folder and a zip.

The bundle holds the starter files (the solution with its marked regions cut), the public
tests, ``autograde.py`` (so the public tests run under plain pytest) and a README with the due
date in the course zone. Hidden tests and the solution never enter it; a test asserts so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course import Course, CourseError, CourseIssue
from dlcourse.course.paths import is_inside
from dlcourse.homework.assignment import ASSIGNMENT_FILE, Assignment
from dlcourse.homework.sandbox import AUTOGRADE_FILE
from dlcourse.homework.starter import starter_text
from dlcourse.util.files import (
    atomic_write_bytes,
    child_path,
    describe_os_error,
)

_ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed entry times: the same assignment gives the same zip
#: In every bundle folder a release writes (not in the zip): "a release may replace this".
MARKER = ".dlcourse-release"
#: A bundle written before the marker existed: what every bundle has had at its top.
_EARLIER_BUNDLE = ("README.md", "autograde.py")
_OUT_HINT = "pass --out with a folder of its own for releases, e.g. --out releases"


@dataclass(frozen=True)
class Bundle:
    folder: Path
    archive: Path
    files: tuple[str, ...]  # paths inside the bundle
    regions_cut: int


def bundle_files(assignment: Assignment) -> tuple[dict[str, bytes], int]:
    """Path inside the bundle → content, and the number of solution regions cut."""
    files: dict[str, bytes] = {}
    regions = 0
    solution = assignment.solution_dir
    for path in sorted(p for p in solution.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        _refuse_link_out(path, solution)
        text, cut = starter_text(path)
        regions += cut
        files[path.relative_to(solution).as_posix()] = text.encode("utf-8")
    for path in assignment.test_files("public"):
        _refuse_link_out(path, assignment.public_tests_dir)
        files[f"tests/{path.name}"] = path.read_bytes()
    files["autograde.py"] = AUTOGRADE_FILE.read_bytes()
    return files, regions


def _refuse_link_out(path: Path, folder: Path) -> None:
    """A file of the bundle must be what it seems: a link out of its folder would put what it
    points to in front of every student (``solution/data.py → ../tests/hidden/test_x.py``)."""
    if not is_inside(path, folder):
        raise CourseError(
            [
                CourseIssue(
                    path,
                    None,
                    "",
                    f"is a symbolic link out of {folder.name}/: its target would be released "
                    "to every student",
                    f"copy the file into {folder.name}/ instead of linking to it",
                )
            ]
        )


def readme(assignment: Assignment, course: Course) -> str:
    due = assignment.due.strftime("%A %-d %B %Y, %H:%M %Z")
    late = (
        "No late submissions: the receiving side's clock decides, and a submission after the "
        "due instant is refused."
        if course.homework_policy.late_submissions == "none"
        else "Late submissions are accepted."
    )
    names = ", ".join(f"`{name}`" for name in assignment.config.submit)
    return (
        f"# {assignment.title}\n\n"
        f"Due **{due}** ({course.schedule.timezone}). {late}\n\n"
        f"Hand in: {names}.\n\n"
        "Run the public tests before you submit (grading also runs hidden tests):\n\n"
        "```bash\npython -m pytest tests\n```\n"
    )


def release(assignment: Assignment, course: Course, out: Path) -> Bundle:
    """Write ``out/ID/`` and ``out/ID.zip``. Refuses to write inside the course's own
    assignment folder (a release must never overwrite the solution)."""
    out = out.resolve()
    if out.is_relative_to(assignment.folder.resolve()):
        raise CourseError(
            [
                CourseIssue(
                    out,
                    None,
                    "",
                    "the release would be written inside the assignment folder",
                    "pass --out with a folder outside it",
                )
            ]
        )
    files, regions = bundle_files(assignment)
    if regions == 0:
        raise CourseError(
            [
                CourseIssue(
                    assignment.solution_dir,
                    None,
                    "",
                    "no # BEGIN SOLUTION region and no cell tagged 'solution': the starter "
                    "would be the solution",
                    "mark what students must write",
                )
            ]
        )
    files["README.md"] = readme(assignment, course).encode("utf-8")
    folder = child_path(out, assignment.id)  # an id is a folder name (load_assignment checks)
    archive = child_path(out, f"{assignment.id}.zip")
    _check_replaceable(folder, archive)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _out_error(out, describe_os_error(out, error).removeprefix(f"{out}: ")) from None
    staging = Path(tempfile.mkdtemp(prefix=f".{assignment.id}.", dir=out))
    try:
        for name, content in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MARKER).write_text("A bundle of 'dlcourse hw release': it replaces it.\n")
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)  # an earlier release (_check_replaceable)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    atomic_write_bytes(archive, zip_bytes({f"{assignment.id}/{k}": v for k, v in files.items()}))
    return Bundle(folder, archive, tuple(sorted(files)), regions)


def _check_replaceable(folder: Path, archive: Path) -> None:
    """Refuse, before anything is written, a release that would delete or overwrite what it
    did not write: ``OUT/ID`` must be absent or a bundle an earlier release wrote (run from
    ``homework/``, the default ``--out .`` named the assignment folder itself, and the release
    deleted the solution and the hidden tests), never a link (it is replaced, not followed);
    ``OUT/ID.zip`` must not be a folder."""
    problem = None
    if folder.is_symlink():
        problem = "is a symbolic link: a release replaces its folder and follows no link"
    elif folder.exists() and not folder.is_dir():
        problem = "is a file, not a folder"
    elif folder.is_dir() and not _earlier_bundle(folder):
        problem = (
            f"already exists and is not a bundle 'dlcourse hw release' wrote (no {MARKER} "
            "inside): a release replaces its folder, and would delete what is there"
        )
    if problem is not None:
        raise _out_error(folder, problem)
    if archive.is_dir():
        raise _out_error(archive, "is a folder: the release writes its zip there")


def _earlier_bundle(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    with os.scandir(folder) as entries:
        names = {entry.name for entry in entries}
    if not names:
        return True
    return set(_EARLIER_BUNDLE) <= names and ASSIGNMENT_FILE not in names


def _out_error(path: Path, message: str) -> CourseError:
    return CourseError([CourseIssue(path, None, "--out", message, _OUT_HINT)])


def zip_bytes(files: dict[str, bytes], executable: frozenset[str] = frozenset()) -> bytes:
    """A deterministic zip of ``files`` (sorted, fixed times); ``executable`` names get 0755."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()
