from __future__ import annotations

import pytest

from dlcourse.notes import parse_note
from dlcourse.scribe import assign, note_skeleton
from dlcourse.scribe.skeleton import MISSING_VIDEO, PLACEHOLDER


@pytest.fixture(scope="module")
def roster(course, slots, make_sheet):
    return assign(slots, make_sheet(160, seed=7), course.scribe).roster


def test_skeleton_front_matter_and_stamps(course, calendar, roster):
    meeting = calendar.meeting(1, 2)
    skeleton = note_skeleton(course, meeting, roster)
    assert skeleton.path == course.docs_dir / "en" / "week01" / "01-2.md"
    doc = parse_note(skeleton.text, path=skeleton.path, course=course)
    group = roster.placements_in("01-2")
    assert doc.front_matter["lang-ref"] == "ch.01-2"
    assert doc.front_matter["lecturer"] == "Yann LeCun"
    assert doc.front_matter["date"] == "27 Jan 2020"
    assert set(doc.front_matter["authors"].split(", ")) == {p.student.name for p in group}
    # one subsection per writer, at the writer's start second; part B continues the video
    assert [s.start for s in doc.subsections] == [3000, 4020, 4980]
    assert {s.video_id for s in doc.subsections} == {"0bMe_vCZo30"}
    assert "TODO(scribe): summary" in skeleton.pr_text and "Editor: " in skeleton.pr_text
    assert not skeleton.warnings


def test_missing_video_id_is_a_warning(course, calendar, roster):
    skeleton = note_skeleton(course, calendar.meeting(6, 1), roster)
    assert MISSING_VIDEO in skeleton.text and "no video id" in skeleton.warnings[0]


@pytest.mark.parametrize(("week", "part"), [(1, 1), (1, 2), (2, 3), (5, 2)])
def test_filled_skeleton_passes_the_checker(course, calendar, roster, fill_note, week, part):
    check = pytest.importorskip("dlcourse.notes.check")
    meeting = calendar.meeting(week, part)
    skeleton = note_skeleton(course, meeting, roster)
    filled = fill_note(skeleton.text, course.scribe.words_per_subsection)
    assert PLACEHOLDER not in filled
    findings = check.check_text(filled, course, path=skeleton.path)
    assert [(f.rule, f.message) for f in findings] == []
    unfilled = check.check_text(skeleton.text, course, path=skeleton.path)
    # an untouched skeleton is well formed but unfinished: its placeholders are errors (ED005)
    # — the title, and each writer's heading and text — and its subsections are short (LEN001)
    assert {f.rule for f in unfilled} == {"LEN001", "ED005"}
    errors = [f for f in unfilled if f.severity == "error"]
    assert {f.rule for f in errors} == {"ED005"}
    writers = len(skeleton.text.split("\n## ")) - 1
    assert len(errors) == 1 + 2 * writers
    assert [f.line for f in errors] == [
        n for n, line in enumerate(skeleton.text.splitlines(), 1) if PLACEHOLDER in line
    ]
