"""Fixtures for the notes tests: a scratch copy of the example course to overlay fixtures on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"


@pytest.fixture(scope="session")
def example_course():
    from dlcourse.course import load_course

    return load_course(None)


@pytest.fixture
def course_copy(tmp_path: Path, example_course_dir: Path) -> Path:
    """A writable copy of the example course folder."""
    target = tmp_path / "course"
    shutil.copytree(example_course_dir, target)
    return target


#: A fixture's settings for course.toml: each ``[table]`` of it and the lines under it are
#: inserted under the same table header of the course's course.toml (not copied as a file).
COURSE_INSERT = "course.toml.insert"


def _insert_settings(config: Path, insert: Path) -> None:
    text = config.read_text(encoding="utf-8")
    header, lines = None, []
    for line in [*insert.read_text(encoding="utf-8").splitlines(), "[end]"]:
        if line.startswith("["):
            if header is not None:
                assert f"\n{header}\n" in text, header
                text = text.replace(f"\n{header}\n", f"\n{header}\n" + "\n".join(lines) + "\n", 1)
            header, lines = line.strip(), []
        elif line.strip():
            lines.append(line)
    config.write_text(text, encoding="utf-8")


#: A fixture file ``NAME.symlink`` holding a path stands for a symbolic link ``NAME`` to that
#: path (``/etc/passwd``, ``../../outside``): git cannot hold such links portably.
SYMLINK_SUFFIX = ".symlink"


def overlay(course_dir: Path, fixture: Path) -> list[Path]:
    """Copy a fixture tree over the course (a ``course.toml.insert`` at its root edits the
    course's settings instead, a ``NAME.symlink`` becomes a link); returns the files written."""
    written = []
    for source in sorted(fixture.rglob("*")):
        if source.is_file() and source == fixture / COURSE_INSERT:
            _insert_settings(course_dir / "course.toml", source)
            written.append(course_dir / "course.toml")
        elif source.is_file() and source.name.endswith(SYMLINK_SUFFIX):
            link = course_dir / source.relative_to(fixture).with_suffix("")
            link.parent.mkdir(parents=True, exist_ok=True)
            link.unlink(missing_ok=True)
            link.symlink_to(source.read_text(encoding="utf-8").strip())
            written.append(link)
        elif source.is_file():
            target = course_dir / source.relative_to(fixture)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    return written
