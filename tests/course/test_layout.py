"""The course layout: which course a command acts on, the notes' path grammar, the folder
walk, the text decoder, the front-matter reader and the video-link parser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlcourse.course.layout import (
    COURSE_ENV,
    NotePath,
    ReadOnlyExampleError,
    decode_text,
    example_course_dir,
    find_course,
    first_video_id,
    front_matter_of,
    is_example,
    is_notes_folder,
    note_path,
    notes_root_of,
    parse_note_file_name,
    parse_video_url,
    read_front_matter,
    walk_folder,
    writable_root,
)


def _course(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text("schema = 1\n", encoding="utf-8")
    return folder


# -- finding the course ------------------------------------------------------------------------
def test_the_course_is_found_in_the_current_folder_and_its_parents(tmp_path: Path):
    root = _course(tmp_path / "mine")
    deep = root / "docs" / "en" / "week01"
    deep.mkdir(parents=True)
    for cwd in (root, deep):
        found = find_course(cwd=cwd, environ={})
        assert found.root == root and found.found_by == "current folder"
        assert not found.is_example


def test_note_paths_name_their_own_course_before_the_current_folder(tmp_path: Path):
    here = _course(tmp_path / "here")
    there = _course(tmp_path / "there")
    note = there / "docs" / "en" / "week01" / "01-1.md"
    note.parent.mkdir(parents=True)
    note.write_text("x", encoding="utf-8")
    found = find_course(paths=[note], cwd=here, environ={})
    assert (found.root, found.found_by) == (there, "note path")
    # a path outside any course does not hide the course of the current folder
    found = find_course(paths=[tmp_path / "elsewhere.md"], cwd=here, environ={})
    assert (found.root, found.found_by) == (here, "current folder")


def test_option_beats_environment_beats_discovery(tmp_path: Path):
    here = _course(tmp_path / "here")
    option = _course(tmp_path / "option")
    environment = _course(tmp_path / "env")
    env = {COURSE_ENV: str(environment / "course.toml")}
    assert find_course(option, cwd=here, environ=env).root == option
    assert find_course(option / "course.toml", cwd=here, environ=env).root == option
    found = find_course(cwd=here, environ=env)
    assert (found.root, found.found_by) == (environment, "environment")


def test_the_example_only_when_nothing_holds_a_course(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    found = find_course(cwd=empty, environ={})
    assert found.is_example and found.root == example_course_dir()


def test_is_example_and_where_writes_go(tmp_path: Path):
    example = example_course_dir()
    assert is_example(example) and is_example(example / "docs")
    assert not is_example(tmp_path)
    mine = _course(tmp_path / "mine")
    assert writable_root(mine, cwd=tmp_path) == mine
    assert writable_root(example, cwd=tmp_path) == tmp_path
    with pytest.raises(ReadOnlyExampleError, match="read-only"):
        writable_root(example, cwd=example / "docs")


# -- the notes' path grammar -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("en/week01/01-1.md", ("en", "note", 1, 1)),
        ("pt-br/week12/12-3.md", ("pt-br", "note", 12, 3)),
        ("en/week01/01.md", ("en", "week", 1, None)),
        ("en/about.md", ("en", "page", None, None)),
        ("en/week02/03-1.md", ("en", "page", None, None)),  # not in its own week's folder
        ("en/week1/1-1.md", ("en", "page", None, None)),  # weeks have two digits
        ("en/week01/01-0.md", ("en", "page", None, None)),  # parts count from 1
        ("chapters/week01/01-1.md", (None, "page", None, None)),  # not a language code
        ("index.md", (None, "page", None, None)),
    ],
)
def test_note_path_grammar(rel: str, expected: tuple):
    place = note_path(rel)
    assert place is not None
    assert (place.language, place.kind, place.week, place.part) == expected


def test_note_path_details():
    assert note_path("en/week01/notes.txt") is None
    place = note_path("zh/week03/03-2.md")
    assert place == NotePath("zh/week03/03-2.md", "zh", "note", 3, 2)
    assert place.slot == "03-2" and place.in_language == "week03/03-2.md"
    assert note_path("en/week03/03.md").slot == "03"
    assert notes_root_of(Path("/c/docs/en/week01/01-1.md")) == Path("/c/docs")
    assert notes_root_of(Path("/c/docs/week01/01-1.md")) is None
    assert parse_note_file_name("03-2.md") == (3, 2)
    assert parse_note_file_name("03.md") == (3, None)
    assert [parse_note_file_name(n) for n in ("03-0.md", "3-1.md", "03-1.txt")] == [None] * 3


def test_a_notes_folder_holds_language_folders_of_weeks(tmp_path: Path):
    (tmp_path / "chapters" / "week01").mkdir(parents=True)
    assert not is_notes_folder(tmp_path)  # 'chapters' is no language code
    (tmp_path / "pt-br" / "week01").mkdir(parents=True)
    assert is_notes_folder(tmp_path)
    assert not is_notes_folder(tmp_path / "pt-br")


# -- the walk ----------------------------------------------------------------------------------
def test_walk_skips_hidden_and_underscore_folders_and_sorts_as_paths(tmp_path: Path):
    for rel in ("a/b/c.md", "a/b-c.md", ".git/x.md", "_site/y.md", "a/.swp", "z.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    walk = walk_folder(tmp_path)
    assert [item.rel for item in walk.files] == ["a/b/c.md", "a/b-c.md", "z.md"]
    assert walk.files[0].size == len("a/b/c.md")
    assert walk.outside_links == []


def test_walk_never_follows_a_link_out_of_the_course(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("secret", encoding="utf-8")
    course = tmp_path / "course"
    (course / "en").mkdir(parents=True)
    (course / "en" / "real.md").write_text("real", encoding="utf-8")
    os.symlink(outside / "secret.md", course / "en" / "stolen.md")
    os.symlink(outside, course / "en" / "folder")
    os.symlink(course / "en", course / "en" / "loop")  # inside, and a loop
    os.symlink(course / "en" / "real.md", course / "en" / "alias.md")  # inside: followed
    walk = walk_folder(course)
    assert [item.rel for item in walk.files] == ["en/alias.md", "en/real.md"]
    assert [(link.rel, link.target) for link in walk.outside_links] == [
        ("en/folder", outside.resolve()),
        ("en/stolen.md", (outside / "secret.md").resolve()),
    ]
    # a loop of links (Python 3.11's resolve raised RuntimeError: a traceback in build and
    # check) and a link to nothing are listed, never followed, and the walk goes on
    os.symlink("loop-b", course / "en" / "loop-a")
    os.symlink("loop-a", course / "en" / "loop-b")
    os.symlink("missing.md", course / "en" / "gone.md")
    os.symlink(outside / "missing.md", course / "en" / "gone-outside.md")
    walk = walk_folder(course)
    assert [item.rel for item in walk.files] == ["en/alias.md", "en/real.md"]
    assert [(link.rel, link.problem) for link in walk.outside_links] == [
        ("en/folder", "outside"),
        ("en/gone-outside.md", "outside"),  # said as of an existing target: nothing probed
        ("en/gone.md", "dangling"),
        ("en/loop-a", "loop"),
        ("en/loop-b", "loop"),
        ("en/stolen.md", "outside"),
    ]
    assert walk.outside_links[-1].message == (
        f"symbolic link to '{outside / 'secret.md'}' leads out of the course folder: "
        "never followed, not published"
    )
    # walking a sub-folder, the course folder is still the boundary
    assert [item.rel for item in walk_folder(course / "en", course).files] == [
        "alias.md",
        "real.md",
    ]


# -- text and front matter ---------------------------------------------------------------------
def test_decode_text_drops_the_bom_makes_line_ends_lf_and_locates_bad_bytes():
    decoded = decode_text(b"\xef\xbb\xbfa\r\nb\rc")
    assert (decoded.text, decoded.has_bom, decoded.crlf, decoded.problem) == (
        "a\nb\nc",
        True,
        True,
        None,
    )
    bad = decode_text(b"ok\nab\xffcd")
    assert bad.text == "ok\nab\ufffdcd" and not bad.has_bom
    assert (bad.problem.line, bad.problem.column) == (2, 3)
    assert "0xff" in bad.problem.message
    assert decode_text("\ufeffx").has_bom


def test_front_matter_pairs_keep_their_lines():
    front = read_front_matter('title: "A: b"\nauthors: [Ada, Bo]\nempty:\ndate: 2020-02-03\n')
    assert front.problem is None
    assert front.pairs == [
        ("title", "A: b", 0),
        ("authors", "Ada, Bo", 1),
        ("empty", "", 2),
        ("date", "2020-02-03", 3),
    ]


def test_front_matter_problems_fall_back_to_lines():
    broken = read_front_matter("title: ok\nlecturer: [unclosed\ndate: 1 Feb 2020\n")
    assert broken.problem.startswith("not valid YAML")
    assert broken.as_dict()["title"] == "ok" and broken.as_dict()["date"] == "1 Feb 2020"
    listed = read_front_matter("- a\n- b\n")
    assert listed.problem == "front matter is not a list of 'key: value' lines"


def test_front_matter_refuses_anchors_and_aliases():
    # a few hundred bytes that expand to 9**9 strings: a finding, not a hang
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [{','.join(['*' + previous] * 9)}]\n"
    bomb += "title: kept\n"
    front = read_front_matter(bomb)
    assert "anchor '&a'" in front.problem and front.problem_line == 0
    assert front.as_dict()["title"] == "kept"
    alias = read_front_matter("x: 1\ny: *z\n")
    assert alias.problem is not None  # an alias without its anchor is not YAML either


def test_front_matter_of_a_note():
    text = "---\ntitle: Hello\nlang-ref: ch.01-1\n---\n\n# Body\n"
    assert front_matter_of(text).as_dict() == {"title": "Hello", "lang-ref": "ch.01-1"}
    assert front_matter_of("# no front matter\n").pairs == []
    assert front_matter_of("---\ntitle: never closed\n").pairs == []


# -- video links -------------------------------------------------------------------------------
def test_video_urls():
    assert parse_video_url("https://www.youtube.com/watch?v=0bMe_vCZo30&t=217s") == (
        "0bMe_vCZo30",
        217,
    )
    assert parse_video_url("https://youtu.be/0bMe_vCZo30?t=2m5s") == ("0bMe_vCZo30", 125)
    assert parse_video_url("https://www.youtube.com/watch?v=0bMe_vCZo30&list=PLx&index=2&t=61") == (
        "0bMe_vCZo30",
        61,
    )
    assert parse_video_url("https://example.org") is None


def test_first_video_id_skips_malformed_ids():
    text = (
        "see [x](https://youtu.be/short) and (https://www.youtube.com/watch?v=0bMe_vCZo30&amp;t=5)"
    )
    assert first_video_id(text) == "0bMe_vCZo30"
    assert first_video_id("no video") is None
