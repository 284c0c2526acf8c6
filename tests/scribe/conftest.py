"""Fixtures for the scribe tests: a private copy of the example course, generated sheets."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from dlcourse.course import Course, example_course_dir, load_course
from dlcourse.course.calendar import CourseCalendar, build_calendar
from dlcourse.scribe import SignupSheet, parse_signups, scribe_slots
from dlcourse.scribe.sample import generate_signups_csv


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the example course (course.toml and home page only)."""
    target = tmp_path / "course"
    target.mkdir()
    for name in ("course.toml", "home.md"):
        shutil.copy(example_course_dir() / name, target / name)
    return target


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(example_course_dir())


@pytest.fixture(scope="session")
def calendar(course: Course) -> CourseCalendar:
    return build_calendar(course)


@pytest.fixture(scope="session")
def slots(calendar: CourseCalendar):
    return scribe_slots(calendar)


@pytest.fixture(scope="session")
def make_sheet(course: Course, calendar: CourseCalendar):
    def make(count: int, seed: int = 0, **kwargs) -> SignupSheet:
        text = generate_signups_csv(count, calendar, seed=seed, **kwargs)
        sheet = parse_signups(text, course, calendar)
        assert not sheet.errors, sheet.errors
        return sheet

    return make


WORDS = ["gradient", "energy", "model", "network", "loss", "vector", "layer", "weight"]


def generated_text(words: int, seed: int) -> str:
    rng = random.Random(seed)
    sentences, count = [], 0
    while count < words:
        length = min(rng.randint(8, 16), words - count)
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(length)).capitalize() + ".")
        count += length
    return " ".join(sentences)


def fill(text: str, words: int) -> str:
    """What a group does: real titles, ~300 words per subsection, a section title."""
    counter = iter(range(1, 100))
    text = re.sub(
        r"TODO\(scribe\): subsection title \([^)]*\)", lambda m: f"Topic {next(counter)}", text
    )
    text = text.replace('"TODO(scribe): title of the section (editor)"', "Gradients and energy")
    return re.sub(
        r"TODO\(scribe\): about \d+ words by [^\n]*",
        lambda m: generated_text(words, len(m[0])),
        text,
    )


@pytest.fixture(scope="session")
def fill_note():
    return fill
