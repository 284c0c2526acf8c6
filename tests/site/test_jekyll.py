"""The Jekyll importer on the real 2020 sample (skipped when the corpus is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.course.layout import read_course_text
from dlcourse.site import search
from dlcourse.site.jekyll import ImportError_, import_jekyll, layout_macros, read_config
from tests.golden import assert_matches_golden, site_manifest

pytestmark = pytest.mark.corpus


def test_config_and_macros_are_read(corpus_dir: Path) -> None:
    config = read_config(corpus_dir / "_config.yml")
    assert config.title == "Deep Learning" and config.baseurl == "/pytorch-Deep-Learning"
    assert config.titles["zh"] == "深度学习" and "en/week01/01-1.md" in config.contents["en"]
    macros = layout_macros(corpus_dir)
    assert macros["deriv"] == r"\frac{\D #1}{\D #2}" and len(macros) == 12


def test_imported_course_validates_and_leaves_notes_alone(
    corpus_course: Path, corpus_dir: Path
) -> None:
    course = load_course(corpus_course)
    assert [lang.code for lang in course.notes.languages] == ["en", "ar", "zh"]
    assert course.notes.language("ar").direction == "rtl"
    assert course.schedule.term_start.isoformat() == "2020-01-27"
    assert course.week(2).videos  # video ids from the notes' stamps
    original = (corpus_dir / "en/week02/02-1.md").read_bytes()
    assert (corpus_course / "en/week02/02-1.md").read_bytes() == original
    with pytest.raises(ImportError_, match="exists"):
        import_jekyll(corpus_course)


@pytest.mark.slow
def test_the_2020_sample_site_is_byte_identical_to_its_golden_manifest(corpus_site: Path) -> None:
    """A refactor of the builder or the import leaves every file of the sample's site as it
    was."""
    if not search.available():
        pytest.skip("the golden site has its search page; install the search extra")
    assert_matches_golden("sample-site.json", site_manifest(corpus_site))


@pytest.mark.slow
def test_the_2020_notes_build_as_their_authors_saw_them(corpus_site: Path) -> None:
    page = (corpus_site / "en/week02/02-1/index.html").read_text()
    assert page.count("<math") > 50 and "{{site.baseurl}}" not in page
    assert re.search(r'<img src="/images/week02/02-1/[^"]+"', page)
    assert "\\_" not in re.sub(r"<code.*?</code>|<pre.*?</pre>", "", page, flags=re.S)
    arabic = (corpus_site / "ar/week01/01-1/index.html").read_text()
    assert 'dir="rtl"' in arabic
    assert (corpus_site / "zh/week05/05-1/index.html").is_file()
    for image in re.findall(r'<img src="(/images/[^"]+)"', page):
        assert (corpus_site / image.lstrip("/")).is_file(), image


def test_imported_schedule_numbers_meetings_like_the_notes(corpus_course: Path) -> None:
    """Every note's NN-K is a calendar meeting of the right kind: week 4's only note is the
    practicum (its transcript is practicum04.sbv; the Monday is a day off), so it is part 1."""
    from dlcourse.notes.meetings import meeting_for

    course = load_course(corpus_course)
    notes = sorted((corpus_course / "en").glob("week*/[0-9][0-9]-[0-9].md"))
    assert notes
    for note in notes:
        week, part = (int(n) for n in note.stem.split("-"))
        meeting = meeting_for(course, week, part)
        assert meeting is not None, note
        folder = note.parent
        lecture = any(folder.glob("lecture*.sbv"))
        practicum = any(folder.glob("practicum*.sbv"))
        lecturer = read_course_text(note).text.split("lecturer:", 1)[1].split("\n", 1)[0].strip()
        expected = (
            "lab" if (practicum and not lecture) or lecturer == "Alfredo Canziani" else ("lecture")
        )
        assert meeting.kind == expected, (note.name, meeting.kind)
    assert meeting_for(course, 4, 1).kind == "lab"
    assert meeting_for(course, 4, 1).date.isoformat() == "2020-02-18"
