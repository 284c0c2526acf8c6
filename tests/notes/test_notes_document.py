"""The shared document model: what the site builder relies on."""

from __future__ import annotations

import itertools
from pathlib import Path

from dlcourse.notes import count_words, discover_notes, parse_note
from dlcourse.notes.markdown import normalize_liquid
from dlcourse.notes.tex import expand_macros, prepare_tex, render_check, unescape_kramdown

NOTE = """---
lang-ref: ch.02-1
title: Test
lecturer: Yann LeCun
authors: A, B
date: 3 Feb 2020
---

## [Gradient descent](https://www.youtube.com/watch?v=d9vdh3b787Y&t=30s)

We write $x\\_i$ and $$\\vect{w}$$ inline.

$$
L = \\sum_i \\ell_i
$$

<center>
<img src="{{ site.baseurl }}/images/week02/02-1/modules.png"
     alt="modules" width="60%"/>
</center>

![chain]({{site.baseurl}}/images/week02/02-1/modules.png)

### [Backprop](https://youtu.be/d9vdh3b787Y?t=1h2m3s)

See [part B]({% link en/week02/02-2.md %}) and [home](https://example.org).
"""


def test_parse_note_model(example_course_dir: Path):
    docs = example_course_dir / "docs"
    path = docs / "en/week02/02-1.md"
    doc = parse_note(NOTE, path=path, docs_dir=docs)
    assert doc.rel_path == "en/week02/02-1.md"
    assert (doc.language, doc.week, doc.part, doc.kind, doc.slot) == ("en", 2, 1, "lecture", "02-1")
    assert doc.lang_ref == "ch.02-1"
    assert doc.front_matter_lines["authors"] == 5
    assert doc.front_matter_end == 7
    assert [(s.title, s.line, s.start, s.video_id) for s in doc.subsections] == [
        ("Gradient descent", 9, 30, "d9vdh3b787Y"),
        ("Backprop", 24, 3723, "d9vdh3b787Y"),
    ]
    inline, double, block = doc.maths
    assert (inline.source, inline.tex, inline.display, inline.line) == ("x\\_i", "x_i", False, 11)
    assert (double.delimiter, double.display) == ("$$", False)
    assert (block.delimiter, block.display, block.line, block.end_line) == ("$$block", True, 13, 15)
    html_figure, md_figure = doc.figures
    assert html_figure.html and html_figure.line == 18 and html_figure.alt == "modules"
    assert html_figure.path == docs / "images/week02/02-1/modules.png"
    assert not md_figure.html and md_figure.line == 22 and md_figure.alt == "chain"
    assert [link.href for link in doc.links][-2:] == [
        "{{site.baseurl}}/en/week02/02-2.md",
        "https://example.org",
    ]
    assert doc.links[-2].path == docs / "en/week02/02-2.md"
    assert doc.links[-1].path is None
    assert any(fragment.line == 17 for fragment in doc.html_blocks)
    assert doc.subsections[0].words > 5


def test_malformed_stamps_are_still_found():
    text = "## [标题]（https://www.youtube.com/watch?v=0bMe_vCZo30&t=217s）\n\n## [T] (https://www.youtube.com/watch؟v=0bMe_vCZo30&amp;t=300s)\n"
    doc = parse_note(text)
    first, second = doc.headings
    assert first.stamp.seconds == 217 and not first.stamp.is_link
    assert any("full-width" in p for p in first.stamp.problems)
    assert second.stamp.seconds == 300
    assert any("؟" in p for p in second.stamp.problems)
    assert any("&amp;" in p for p in second.stamp.problems)


def test_words_cjk_and_formulas():
    assert count_words("Gradient descent, step by step.") == 5
    assert round(count_words("梯度下降" * 33, "zh")) == 80  # 132 characters / 1.65
    assert count_words("می\u200cخواهم بروم") == 2  # ZWNJ joins a Persian word


def test_liquid_normalisation_keeps_lines():
    text = "a {{ site.baseurl }}/x\n{{site. baseurl}}/y {% link en/about.md %}\n"
    normal = normalize_liquid(text)
    assert normal.count("\n") == text.count("\n")
    assert normal == "a {{site.baseurl}}/x\n{{site.baseurl}}/y {{site.baseurl}}/en/about.md\n"


def test_bom_crlf_and_bad_bytes():
    doc = parse_note(b"\xef\xbb\xbf---\r\nlang-ref: ch.01\r\n---\r\n\r\ncaf\xe9\r\n")
    assert doc.has_bom and doc.crlf
    assert doc.front_matter == {"lang-ref": "ch.01"}
    assert doc.decode_error is not None and doc.decode_error.line == 5


def test_maths_helpers():
    macros = {
        "vect": r"\boldsymbol{#1}",
        "pd": r"\frac{\partial #1}{\partial #2}",
        "R": r"\mathbb{R}",
    }
    assert expand_macros(r"\pd{L}{\vect{w}} \in \R^n", macros) == (
        r"\frac{\partial L}{\partial \boldsymbol{w}} \in \mathbb{R}^n"
    )
    assert unescape_kramdown(r"x\_i \\_") == r"x_i \\_"
    assert render_check(prepare_tex(r"\arg\min_x \vect{x}", macros)) is None
    assert "unknown command" in render_check(r"\partiel x")
    assert "never closed" in render_check(r"\frac{a}{b")


def test_discover_example_notes(example_course):
    notes = discover_notes(example_course)
    rel = [n.rel_path for n in notes]
    assert "en/week01/01-1.md" in rel and "zh/week01/01-1.md" in rel
    assert rel.index("en/week01/01.md") < rel.index("en/week01/01-1.md")
    summary = next(n for n in notes if n.rel_path == "en/week02/02.md")
    assert summary.part is None and summary.week == 2


def test_example_notes_model(example_course):
    for note in discover_notes(example_course):
        doc = parse_note(note.path, course=example_course)
        if doc.kind in ("lecture", "practicum"):
            assert len(doc.subsections) >= 2
            assert all(150 <= s.words <= 450 for s in doc.subsections), doc.rel_path
    practicum = parse_note(example_course.docs_dir / "en/week01/01-3.md", course=example_course)
    assert practicum.kind == "practicum"


def test_front_matter_read_with_yaml():
    doc = parse_note(
        "---\nlang-ref: ch.01-1\ntitle: 'It''s: quoted'\ndate: 2020-02-03\n"
        "authors:\n  - Ann\n  - Bo\nlecturer:\n---\n\n# x\n"
    )
    assert doc.front_matter == {
        "lang-ref": "ch.01-1",
        "title": "It's: quoted",
        "date": "2020-02-03",  # kept as written, not a date object
        "authors": "Ann, Bo",
        "lecturer": "",
    }
    assert doc.front_matter_lines == {
        "lang-ref": 2,
        "title": 3,
        "date": 4,
        "authors": 5,
        "lecturer": 8,
    }
    assert doc.front_matter_problem is None


def test_front_matter_yaml_error_is_located_and_keys_kept():
    doc = parse_note("---\nlang-ref: ch.01-1\ntitle: Energy: a view\nauthors: A, B\n---\n")
    assert doc.front_matter_problem and "not valid YAML" in doc.front_matter_problem
    assert doc.front_matter_problem_line == 3
    # the tolerant reading keeps the other keys for the other rules
    assert doc.front_matter["lang-ref"] == "ch.01-1" and doc.front_matter_lines["authors"] == 4


def test_front_matter_quirks_of_2020():
    # BOM, CRLF, a tab after the colon (libyaml and Jekyll accept it), a misspelt key
    doc = parse_note(
        b"\xef\xbb\xbf---\r\nlang-ref: ch.01\r\ntitle:\tTabbed\r\ntranlation-date: 1\r\n---\r\n"
    )
    assert doc.front_matter["title"] == "Tabbed" and doc.front_matter_lines["tranlation-date"] == 4
    # no opening '---': no front matter at all (FM001 says so)
    assert parse_note("lang-ref: ch.01\ntitle: x\n---\n").front_matter == {}


def test_front_matter_problem_reported_by_fm001(example_course):
    from dlcourse.notes.check import check_text

    text = (example_course.docs_dir / "en/week01/01-1.md").read_text(encoding="utf-8")
    broken = text.replace("title:", "title: Intro: part A #", 1).replace(
        "title: Intro", "title: @x"
    )
    findings = [
        f
        for f in check_text(
            broken, example_course, path=example_course.docs_dir / "en/week01/01-1.md"
        )
        if f.rule == "FM001"
    ]
    line = next(n for n, li in enumerate(broken.splitlines(), 1) if li.startswith("title:"))
    assert [f.line for f in findings] == [line] and "not valid YAML" in findings[0].message


def test_timestamp_proposals_on_the_example_course(example_course):
    """The example's transcripts have cues of several minutes: proposals still land inside."""
    from dlcourse.notes.propose import propose_for_note, split_long_cues
    from dlcourse.notes.transcript import Cue

    pieces = split_long_cues([Cue(0.0, 240.0, "word " * 400, 1)])
    assert len(pieces) >= 20 and pieces[0].start == 0.0 and pieces[-1].end == 240.0
    assert all(a.start < b.start for a, b in itertools.pairwise(pieces))
    hits = total = 0
    for note in sorted((example_course.docs_dir / "en").glob("week*/*-*.md")):
        for proposal in propose_for_note(note, example_course).proposals:
            if proposal.current is not None:
                total += 1
                hits += abs(proposal.seconds - proposal.current) <= 90
    assert total >= 10 and hits / total >= 0.75, f"{hits}/{total}"


def test_a_labelled_display_formula_is_a_formula():
    # '$$ … $$ (label)' is a block of its own that the site renders (math_block_label); the
    # checker's maths rules must see it too
    doc = parse_note("Text.\n\n$$ E = mc^2 $$ (1)\n\nMore $$x^$$ (eq:2)\n", path=None)
    assert [(f.source.strip(), f.delimiter, f.line) for f in doc.maths] == [
        ("E = mc^2", "$$block", 3),
        ("x^", "$$", 5),
    ]
