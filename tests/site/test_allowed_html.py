"""The checker's HTML rules and the site's sanitiser share one allow-list of student HTML:
a tag the checker accepts is one the site shows, a tag the site drops is one the checker reports."""

from __future__ import annotations

import re

import pytest

from dlcourse.course import load_course
from dlcourse.notes.allowed_html import STUDENT_TAGS
from dlcourse.notes.check import check_text
from dlcourse.notes.rules.html import DANGEROUS
from dlcourse.site.sanitize import ALLOWED_TAGS, clean_html

# where a tag has to stand for an HTML parser to keep it at all
_CONTEXT = {
    "td": "<table><tr>{}</tr></table>",
    "th": "<table><tr>{}</tr></table>",
    "tr": "<table>{}</table>",
    "thead": "<table>{}</table>",
    "tbody": "<table>{}</table>",
    "tfoot": "<table>{}</table>",
    "caption": "<table>{}</table>",
    "colgroup": "<table>{}</table>",
    "col": "<table><colgroup>{}</colgroup></table>",
    "li": "<ul>{}</ul>",
    "dt": "<dl>{}</dl>",
    "dd": "<dl>{}</dl>",
    "summary": "<details>{}</details>",
    "figcaption": "<figure>{}</figure>",
    "source": "<video>{}</video>",
}
_VOID = {"img", "br", "hr", "col", "source", "input", "embed", "meta", "link", "base"}
OTHER_TAGS = {
    "iframe",
    "video",
    "audio",
    "font",
    "svg",
    "math",
    "section",
    "marquee",
    "textarea",
    "select",
    "centro",
    "figura",
}
CANDIDATES = sorted(set(STUDENT_TAGS) | ALLOWED_TAGS | set(DANGEROUS) | OTHER_TAGS)


def _snippet(tag: str) -> str:
    element = f"<{tag}>" if tag in _VOID else f"<{tag}>text</{tag}>"
    return _CONTEXT.get(tag, "{}").format(element)


def _survives(tag: str) -> bool:
    return re.search(rf"<{tag}[\s>/]", clean_html(_snippet(tag))) is not None


@pytest.fixture(scope="module")
def course(example_course_dir):
    return load_course(example_course_dir)


def _reported(course, tag: str) -> bool:
    text = f"---\ntitle: T\n---\n\nSome text.\n\n{_snippet(tag)}\n"
    findings = check_text(text, course, select=["HTML001", "HTML002"])
    return any(f.rule in {"HTML001", "HTML002"} for f in findings)


@pytest.mark.parametrize("tag", sorted(STUDENT_TAGS))
def test_every_tag_the_checker_accepts_survives_sanitising(course, tag: str) -> None:
    assert not _reported(course, tag)
    assert _survives(tag), clean_html(_snippet(tag))


@pytest.mark.parametrize("tag", CANDIDATES)
@pytest.mark.slow
def test_every_tag_the_sanitiser_strips_is_reported(course, tag: str) -> None:
    if not _survives(tag):
        assert _reported(course, tag), tag
