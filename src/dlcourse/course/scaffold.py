"""``dlcourse init``: a new course folder, ready to edit.

A new course has the spring 2020 structure (meetings, weeks, scribe policy, grading: the
``course.toml`` of ``new_course/``), the example's home page, sample notes — with their
lecturers, authors and translators replaced by placeholders — and sample homework, and no
students: no roster, no sign-ups. ``full_example`` copies the whole example instead, sample
roster included, for a demo.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from dlcourse.course.calendar import CourseCalendar, build_calendar
from dlcourse.course.errors import CourseError, CourseIssue
from dlcourse.course.layout import (
    CACHE_FOLDER,
    WalkedFile,
    decode_text,
    example_course_dir,
    note_path,
    split_front_matter,
    walk_folder,
)
from dlcourse.course.loader import load_course

NEW_COURSE_TOML = Path(__file__).resolve().parent / "new_course" / "course.toml"
_SKIP = shutil.ignore_patterns("__pycache__", "_site", CACHE_FOLDER, "*.pyc")
GITIGNORE = f"""\
# written by dlcourse: the built website and the caches of the checker and the site
_site/
{CACHE_FOLDER}/
"""
_PEOPLE_KEY = re.compile(r"^(lecturer|authors|translator)(\s*:\s*)(.*)$")


def init_course(destination: Path, *, full_example: bool = False) -> Path:
    """Create a course in ``destination``, which must not hold files. The folder is made beside
    it first and renamed into place, so an interrupted init never leaves half a course."""
    destination = Path(destination).resolve()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise CourseError(
            [
                CourseIssue(
                    destination, None, "", "folder exists and is not empty", "choose a new folder"
                )
            ]
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(f".{destination.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        if full_example:
            shutil.copytree(example_course_dir(), staging, ignore=_SKIP)
        else:
            _new_course(staging)
        (staging / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return destination


def _new_course(folder: Path) -> None:
    example = example_course_dir()
    folder.mkdir()
    shutil.copyfile(NEW_COURSE_TOML, folder / "course.toml")
    shutil.copyfile(example / "home.md", folder / "home.md")
    shutil.copytree(example / "docs", folder / "docs", ignore=_SKIP)
    shutil.copytree(example / "homework", folder / "homework", ignore=_SKIP)
    course = load_course(folder)
    calendar = build_calendar(course)
    for item in walk_folder(course.docs_dir).files:
        if item.rel.endswith(".md"):
            item.path.write_text(_placeholder_people(item, calendar), encoding="utf-8")


def _placeholder_people(item: WalkedFile, calendar: CourseCalendar) -> str:
    """A sample note with the people of its front matter replaced: its meeting's lecturer in
    the new course, and numbered placeholder students."""
    text = decode_text(item.path.read_bytes()).text
    block = split_front_matter(text)
    if block is None:
        return text
    place = note_path(item.rel)
    meeting = None
    if place is not None and place.week is not None and place.part is not None:
        meeting = calendar.meeting(place.week, place.part)
    lines = text.split("\n")
    for number in range(1, block[1] - 1):
        match = _PEOPLE_KEY.match(lines[number])
        if match is None:
            continue
        key, separator, value = match.groups()
        if key == "lecturer":
            value = meeting.lecturer if meeting is not None and meeting.lecturer else "PLACEHOLDER"
        elif key == "authors":
            count = len([name for name in value.split(",") if name.strip()])
            value = ", ".join(f"PLACEHOLDER Student {n}" for n in range(1, count + 1))
        else:
            value = "PLACEHOLDER Translator"
        lines[number] = f"{key}{separator}{value}"
    return "\n".join(lines)
