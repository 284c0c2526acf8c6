"""Arbitrary text or bytes never crash the parser or the checker."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.notes import parse_note
from dlcourse.notes.check import check_text

PIECES = [
    *"#$[]()!<>{}%\\_*`-|:~ \n\t\r",
    *"ab1é中؟（）\u200b\ufeff",
    "$$",
    "---\n",
    "## [",
    "](https://youtu.be/x?t=",
    "<img src=",
    "{{site.baseurl}}",
    "\\vect{",
    "\\frac{",
    "lang-ref: ch.01-1\n",
    "<!-- dlcourse-disable-next-line MATH004 -->\n",
]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)
NOTE_PATH = Path("docs/en/week01/01-1.md")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), MARKDOWNISH))
def test_any_text_parses_and_checks(example_course, text):
    doc = parse_note(text, path=NOTE_PATH)
    assert all(h.line >= 1 for h in doc.headings)
    findings = check_text(text, example_course, path=NOTE_PATH)
    assert not [f for f in findings if "internal error" in f.message]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_check_or_report_encoding(example_course, data):
    findings = check_text(data, example_course, path=NOTE_PATH)
    assert not [f for f in findings if "internal error" in f.message]
    try:
        data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        assert any(f.rule == "ENC001" for f in findings)
