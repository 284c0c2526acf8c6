"""QA findings on the notes checker (notes/rules/*), now fixed: TS008 (timestamp-opening) reports
a heading before the first stamped subsection, ED005 (placeholder-text) an untouched skeleton."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import load_course
from dlcourse.notes.check import check_text

runner = CliRunner()
FRONT = """---
lang-ref: ch.03-2
title: Properties of natural signals
lecturer: Yann LeCun
authors: Ann Lee, Bo Chen
date: 10 Feb 2020
---
"""
WORDS = " ".join(["Natural signals are stationary, local and compositional."] * 40)


def test_unstamped_heading_before_the_first_stamp_is_reported() -> None:
    course = load_course(None)
    text = (
        FRONT
        + f"\n## Natural signals\n\n{WORDS}\n\n"
        + f"## [Convolutions](https://www.youtube.com/watch?v=FW5gFiJb-ig&t=3000s)\n\n{WORDS}\n\n"
        + f"## [Pooling](https://www.youtube.com/watch?v=FW5gFiJb-ig&t=3900s)\n\n{WORDS}\n"
    )
    path = Path(course.docs_dir) / "en" / "week03" / "03-2.md"
    findings = check_text(text, course, path=path, select=["TS001", "TS008"])
    assert [(f.rule, f.line, f.severity) for f in findings] == [("TS008", 9, "warning")]
    assert "'Natural signals'" in findings[0].message


def test_unstamped_heading_inside_a_slice_is_structure_not_a_gap() -> None:
    """After the first stamp, an unstamped heading (even at the writers' level) is part of the
    slice above it, as '## Training data' in the real en/week02/02-3.md."""
    course = load_course(None)
    text = (
        FRONT
        + f"\n## [Convolutions](https://www.youtube.com/watch?v=FW5gFiJb-ig&t=3000s)\n\n{WORDS}\n\n"
        + f"## Training data\n\n{WORDS}\n\n"
        + f"## [Pooling](https://www.youtube.com/watch?v=FW5gFiJb-ig&t=3900s)\n\n{WORDS}\n"
    )
    path = Path(course.docs_dir) / "en" / "week03" / "03-2.md"
    assert check_text(text, course, path=path, select=["TS001", "TS008"]) == []


def test_untouched_skeleton_fails_the_check(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    assert runner.invoke(app, ["notes", "new", "3", "1", "--course", str(folder)]).exit_code == 0
    note = folder / "docs" / "en" / "week03" / "03-1.md"
    result = runner.invoke(app, ["notes", "check", str(note), "--course", str(folder)])
    assert result.exit_code == 1, result.output
    assert "ED005" in result.output and "TODO(scribe): title of the section" in result.output


def test_ordinary_todo_in_prose_or_code_is_not_a_placeholder() -> None:
    course = load_course(None)
    text = (
        FRONT
        + "\n## [Convolutions](https://www.youtube.com/watch?v=FW5gFiJb-ig&t=3000s)\n\n"
        + "A TODO list of the lecture: pooling next. TODO: nothing here either.\n\n"
        + "```python\nx = conv(x)  # TODO(scribe): in a code block\n```\n\n"
        + "The skeleton's marker is `TODO(scribe):`, shown as code.\n"
    )
    path = Path(course.docs_dir) / "en" / "week03" / "03-2.md"
    assert check_text(text, course, path=path, select=["ED005"]) == []
