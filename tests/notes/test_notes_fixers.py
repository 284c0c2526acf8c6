"""Every --fix changes the construct it fixes and nothing else: each fixer is run, and the note
is rendered before and after; the two renderings must agree once the fixed construct itself is
set aside. (An earlier --fix turned tight lists into loose ones when it put blank lines around
'$$' inside list items.)"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.notes.check import check_course
from dlcourse.notes.document import parse_note
from dlcourse.notes.fix import apply_edits, fix_files
from dlcourse.notes.markdown import shared_markdown
from dlcourse.notes.rules import RULES

from .conftest import RULE_FIXTURES, overlay


def render(data: bytes) -> str:
    """The note's body as the site parses it (BOM dropped, CRLF read as LF)."""
    doc = parse_note(data)
    md = shared_markdown()
    return md.renderer.render(doc.tokens, md.options, {})


_MATHS = re.compile(r'<(div|span) class="math (?:inline|block)">.*?</\1>', re.DOTALL)
_AROUND_MATHS = re.compile(r"\s*(?:</?p>\s*)*⟦maths⟧(?:\s*</?p>)*\s*")


def without_display_maths_boundaries(html: str) -> str:
    """MATH002's construct: a formula and the paragraph breaks on either side of it."""
    return _AROUND_MATHS.sub("⟦maths⟧", _MATHS.sub("⟦maths⟧", html))


def as_headings(level: int) -> Callable[[str], str]:
    """ED006's construct: a paragraph that becomes a heading."""

    def normalise(html: str) -> str:
        html = re.sub(
            r"<p>(#{1,6})(\S.*?)</p>",
            lambda m: f"<h{len(m.group(1))}>{m.group(2)}</h{len(m.group(1))}>",
            html,
        )
        html = re.sub(
            r'<p>(<a href="[^"]*youtu[^"]*">[^<]*</a>)</p>', rf"<h{level}>\1</h{level}>", html
        )
        return html

    return normalise


def same(html: str) -> str:
    return html


def fixed_by(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule and f.fixable]


def check_fix(before: bytes, edits, normalise: Callable[[str], str] = same) -> bytes:
    after = apply_edits(before.decode("utf-8"), edits).encode("utf-8")
    assert after != before, "the fix changed nothing"
    assert normalise(render(after)) == normalise(render(before))
    return after


NORMALISE: dict[str, Callable[[str], str]] = {
    "MATH002": without_display_maths_boundaries,
    "ED006": as_headings(2),
    "ENC002": same,
    "ENC004": same,
}


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES.values() if r.fixable))
def test_every_fixer_changes_only_its_construct(rule_id: str, course_copy: Path):
    written = overlay(course_copy, RULE_FIXTURES / rule_id / "bad")
    report = check_course(load_course(course_copy), jobs=1)
    findings = fixed_by(report.findings, rule_id)
    assert findings, f"{rule_id}'s bad fixture offers no fix"
    note = next(p for p in written if p.suffix == ".md")
    before = note.read_bytes()
    edits = [edit for finding in findings for edit in finding.fix]
    normalise = NORMALISE.get(rule_id)
    if rule_id == "FIG001":  # the image's file name is the construct
        old, new = edits[0].old, edits[0].new
        after = apply_edits(before.decode(), edits).encode()
        assert render(after) == render(before).replace(old, new)
        return
    assert normalise is not None, f"say what {rule_id}'s fix may change"
    check_fix(before, edits, normalise)


NOTE = """---
lang-ref: ch.01-1
title: Fixes
---

## [A slice](https://www.youtube.com/watch?v=0bMe_vCZo30&t=60s)

The update is
$$
w \\leftarrow w - \\eta g
$$
with a small step.

- a tight list item whose formula has no blank lines
  $$
  L = \\sum_i \\ell_i
  $$
- the next item

> a quote
> $$
> x^2
> $$

[Second slice](https://www.youtube.com/watch?v=0bMe_vCZo30&t=900s)

Text of the second slice.

###[Third slice](https://www.youtube.com/watch?v=0bMe_vCZo30&t=1800s)
"""


def _findings(text: str | bytes, course) -> list:
    from dlcourse.notes.check import check_text

    path = Path(course.docs_dir) / "en/week01/01-1.md"
    return check_text(text, course, path=path)


def test_maths_blank_lines_fixed_outside_lists_and_quotes_only(example_course):
    findings = [f for f in _findings(NOTE, example_course) if f.rule == "MATH002"]
    assert len(findings) == 3  # each glued formula is reported …
    fixable = [f for f in findings if f.fixable]
    assert [f.line for f in fixable] == [9]  # … but only the top-level one is fixed
    after = check_fix(NOTE.encode(), [e for f in fixable for e in f.fix], NORMALISE["MATH002"])
    assert b"is\n\n$$" in after and b"$$\n\nwith" in after


def test_inserting_blank_lines_in_a_tight_list_would_show(example_course):
    """The comparison itself catches the old bug: blank lines inside the list item."""
    from dlcourse.notes.findings import Edit

    lines = NOTE.splitlines()
    start = lines.index("  $$") + 1
    end = start + 2
    edits = [Edit(start, "", "\n"), Edit(end + 1, "", "\n")]
    after = apply_edits(NOTE, edits).encode()
    normalise = NORMALISE["MATH002"]
    assert normalise(render(after)) != normalise(render(NOTE.encode()))
    assert "<li>\n<p>the next item</p>" in render(after)


def test_lookalike_headings_fixed_at_the_writers_level(example_course):
    findings = [f for f in _findings(NOTE, example_course) if f.rule == "ED006"]
    assert [f.line for f in findings] == [25, 29]
    after = check_fix(NOTE.encode(), [e for f in findings for e in f.fix], as_headings(2))
    doc = parse_note(after)
    assert [(s.title, s.start, s.level) for s in doc.subsections] == [
        ("A slice", 60, 2),
        ("Second slice", 900, 2),
        ("Third slice", 1800, 3),
    ]


def test_crlf_and_bom_fixed_without_changing_the_page(example_course):
    data = b"\xef\xbb\xbf" + NOTE.replace("\n", "\r\n").encode()
    findings = _findings(data, example_course)
    edits = [e for f in findings if f.rule in ("ENC002", "ENC004") for e in f.fix]
    assert {f.rule for f in findings if f.rule.startswith("ENC")} == {"ENC002", "ENC004"}
    after = check_fix(data, edits)
    assert b"\r" not in after and not after.startswith(b"\xef\xbb\xbf")


@pytest.mark.corpus
@pytest.mark.slow
def test_fixing_the_real_sample_changes_only_the_fixed_constructs(corpus_dir: Path, tmp_path):
    copy = tmp_path / "docs"
    shutil.copytree(corpus_dir, copy)
    course = load_course(None)
    report = check_course(course, [copy], jobs=1)
    fixable = [f for f in report.findings if f.fixable]
    assert fixable
    renders = {f.path: render(Path(f.path).read_bytes()) for f in fixable}
    fixed = fix_files(fixable)
    assert fixed
    for path, before in renders.items():
        after = render(Path(path).read_bytes())
        rules = {f.rule for f in fixable if f.path == path}
        normalise = without_display_maths_boundaries if "MATH002" in rules else same
        assert normalise(after) == normalise(before), path
    again = check_course(course, [copy], jobs=1)
    assert not [f for f in again.findings if f.fixable]
