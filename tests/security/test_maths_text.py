"""Text inside a formula stays text: ``$\\text{</math><img …>}$`` must not end the formula.

latex2mathml copies ``\\text{…}`` into ``<mtext>`` and its writer then unescaped the whole
document, so a note could close ``<math>`` early and break the page's structure. The renderer
now writes the tree itself and escapes every text.
"""

from __future__ import annotations

import re

import pytest

from dlcourse.site.mathml import render

ATTACKS = [
    r"\text{</math><img src=x onerror=alert(1)>}",
    r"\text{</mtext></math><script>alert(1)</script>}",
    r"\mbox{</math>}\textbf{</mrow></math><b>x</b>}",
    r"\texttt{<math><mi>x</mi></math>}",
    r"\text{&lt;/math&gt;}",
    r"x^{\text{</msup></math>}}",
]


@pytest.mark.parametrize("tex", ATTACKS)
@pytest.mark.parametrize("display", [False, True])
def test_text_in_a_formula_cannot_close_it(tex: str, display: bool) -> None:
    html = render(tex, display, {}).html
    # exactly one formula, closed once at the very end, and no tag that is not MathML's own
    assert html.count("<math") == 1 and html.count("</math>") == 1
    assert html.endswith("</math>")
    tags = set(re.findall(r"</?([a-zA-Z][\w-]*)", html))
    assert tags <= {"math", "mrow", "mtext", "mi", "msup", "mstyle"}, tags
    # the text is kept, as text: every '<' of it escaped inside <mtext>
    for text in re.findall(r"<mtext[^>]*>(.*?)</mtext>", html):
        assert "<" not in text and ">" not in text


def test_typed_entity_shows_as_typed() -> None:
    """``\\text{&lt;}`` is four characters of text, not a '<' that could become markup."""
    html = render(r"\text{&lt;/math&gt;}", False, {}).html
    assert "&amp;lt;/math&amp;gt;" in html
