"""Fixtures of the site tests: small courses written on the fly, and built sites."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.site.app import options_for
from dlcourse.site.builder import build_site

MINI_TOML = """\
schema = 1
[course]
code = "T 1"
title = "Test course"
term = "Spring 2020"
description = "A course for tests."
[schedule]
timezone = "America/New_York"
term_start = 2020-01-27
term_end = 2020-02-09
[[schedule.meetings]]
id = "lecture"
kind = "lecture"
title = "Lecture"
weekday = "monday"
start = 16:55:00
end = 17:45:00
[grading]
default_track = "all"
[[grading.tracks]]
id = "all"
name = "All"
components = [{ id = "work", label = "Work", weight = 100 }]
[notes]
languages = [
  { code = "en", name = "English" },
  { code = "ar", name = "العربية", direction = "rtl" },
]
[notes.macros]
vect = '\\boldsymbol{#1}'
[site]
search = false
"""


def write_course(root: Path, notes: dict[str, str], toml: str = MINI_TOML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(toml, encoding="utf-8")
    for rel, text in notes.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def build(root: Path, out: Path | None = None, **kwargs):  # -> BuildReport
    course = load_course(root)
    options = options_for(course, out or root / "_site", **kwargs)
    return build_site(course, options)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory, example_course_dir: Path) -> Path:
    """The embedded example built once (with search when Pagefind is installed)."""
    out = tmp_path_factory.mktemp("example") / "_site"
    course = load_course(example_course_dir)
    build_site(course, options_for(course, out, search=True))
    return out


@pytest.fixture(scope="session")
def corpus_course(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """A copy of the 2020 sample with a course.toml from the Jekyll importer."""
    from dlcourse.site.jekyll import import_jekyll

    root = tmp_path_factory.mktemp("corpus") / "docs"
    shutil.copytree(corpus_dir, root)
    import_jekyll(root)
    return root


@pytest.fixture(scope="session")
def corpus_site(corpus_course: Path) -> Path:
    out = corpus_course.parent / "_site"
    course = load_course(corpus_course)
    build_site(course, options_for(course, out, search=True))
    return out


class Helpers:
    write_course = staticmethod(write_course)
    build = staticmethod(build)


@pytest.fixture()
def site() -> type[Helpers]:
    """``site.write_course(...)`` and ``site.build(...)`` for tests."""
    return Helpers
