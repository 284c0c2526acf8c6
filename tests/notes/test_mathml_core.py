"""The repairs that make latex2mathml's output draw like Temml's in MathML Core (one test per
pattern found by ``tests/site/maths_compare.py`` in the course's notes)."""

from __future__ import annotations

import re

from dlcourse.notes.mathml_core import ALPHABETS, to_mathml
from dlcourse.notes.tex import prepare_tex, render


def mathml(tex: str, display: bool = False) -> str:
    return render(prepare_tex(tex, {}), display)


def test_script_on_a_closing_norm_applies_to_the_group() -> None:
    # latex2mathml put ^2 on the closing ‖ alone, which Chromium stretched and dropped
    html = mathml(r"\lVert \boldsymbol{w} \rVert^2")
    assert re.search(r'<msup><mrow><mo stretchy="false">‖</mo>.*?‖</mo></mrow><mn>2</mn>', html)
    primed = mathml(r"g(h(s))'")
    assert re.search(r"<msup><mrow><mo[^>]*>\(</mo><mi>h</mi>.*?\)</mo></mrow><mi>′</mi>", primed)


def test_upright_letters() -> None:
    assert '<mi mathvariant="normal">d</mi><mi>s</mi>' in mathml(r"\mathrm{d}s")
    assert '<mi mathvariant="normal">Σ</mi>' in mathml(r"\Sigma")  # capital Greek, as TeX
    assert "<mi>α</mi>" in mathml(r"\alpha")  # lower-case Greek stays italic
    assert "<mi>softargmax</mi>" in mathml(r"\mathrm{softargmax}(x)")


def test_styled_letters_are_code_points() -> None:
    assert "<mi>ℝ</mi>" in mathml(r"\mathbb{R}^2") and "mathvariant" not in mathml(r"\mathbb{R}")
    assert "<mtext>𝚁𝚎𝙻𝚄</mtext>" in mathml(r"\texttt{ReLU}")
    assert ALPHABETS["script"]["L"] == "ℒ" and ALPHABETS["italic"]["h"] == "ℎ"
    assert ALPHABETS["bold"]["\u2207"] == "\U0001d6c1"  # bold nabla


def test_operator_names_are_identifiers_with_tex_spacing() -> None:
    html = mathml(r"\operatorname{ReLU}(x) + \log x")
    assert "<mi>ReLU</mi><mo>\u2061</mo><mo" in html  # no space before a bracket
    assert '<mi>log</mi><mo>\u2061</mo><mspace width="0.1667em"></mspace><mi>x</mi>' in html
    assert "<munder><mi>min</mi>" in mathml(r"\min_w f(w)", display=True)
    assert "<msub><mi>min</mi>" in mathml(r"\min_w f(w)")  # inline: a subscript


def test_binary_operator_with_nothing_to_bind_loses_its_spacing() -> None:
    assert '<mo lspace="0" rspace="0">⋅</mo>' in mathml(r"(\cdot)")
    assert "<mo>⋅</mo>" in mathml(r"a \cdot b")  # between operands it keeps it
    assert '<mo lspace="0" rspace="0">+</mo>' in mathml(r"\mathbb{R}^{+}")


def test_ordinary_symbols_and_relations() -> None:
    assert "<mi>∂</mi>" in mathml(r"\partial f") and "<mi>∞</mi>" in mathml(r"\infty")
    assert "<mo>∼</mo>" in mathml(r"a \sim b")  # latex2mathml: the letter '~'
    assert '<mo lspace="0.2222em" rspace="0.2222em">:</mo>' in mathml(r"f: X")


def test_accents_are_spacing_accents_at_natural_size() -> None:
    assert '<mo stretchy="false">ˆ</mo>' in mathml(r"\hat{y}")
    assert '<mo stretchy="false">‾</mo>' in mathml(r"\bar{y}")


def test_tables_say_which_environment_they_came_from() -> None:
    assert 'class="tex-align"' in mathml(r"\begin{aligned}a&=b\\c&=d\end{aligned}", True)
    assert 'class="tex-cases"' in mathml(r"f=\begin{cases}a & x\\b & y\end{cases}", True)
    matrix = mathml(r"\begin{bmatrix}a&b\\c&d\end{bmatrix}", True)
    assert 'class="tex-matrix"' in matrix and '<mo stretchy="true">[</mo>' in matrix
    # the empty placeholder before '&=' is gone; '=' keeps its relation spacing
    assert "<mi></mi>" not in mathml(r"\begin{aligned}a&=b\end{aligned}", True)


def test_output_has_no_character_references_and_is_cached() -> None:
    html = to_mathml(r"\alpha \leq \beta")
    assert "&#" not in html and "≤" in html
    assert to_mathml(r"\alpha \leq \beta") is html
