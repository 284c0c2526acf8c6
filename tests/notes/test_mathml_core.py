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
    assert re.search(
        r'<msup><mrow><mo stretchy="false"[^>]*>‖</mo>.*?‖</mo></mrow><mn>2</mn>', html
    )
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
    thin = '<mspace width="0.1667em"></mspace>'
    html = mathml(r"\operatorname{ReLU}(x) + \log x")
    assert "<mi>ReLU</mi><mo>\u2061</mo><mo" in html  # no space before a bracket
    assert f"<mi>log</mi><mo>\u2061</mo>{thin}<mi>x</mi>" in html
    assert "<munder><mi>min</mi>" in mathml(r"\min_w f(w)", display=True)
    assert "<msub><mi>min</mi>" in mathml(r"\min_w f(w)")  # inline: a subscript
    # Temml's spacing: between two names, at the formula's end, after an ordinary atom; not
    # before a delimiter nor at the end of a group
    argmin = mathml(r"\underset{k}{\arg\min} \Vert x \Vert")
    assert f"<mi>arg</mi><mo>\u2061</mo>{thin}<mi>min</mi><mo>\u2061</mo>{thin}</mrow>" in argmin
    assert f"<mn>2</mn>{thin}<mi>log</mi>" in mathml(r"2\log x")
    assert mathml(r"\log").endswith(f"<mo>\u2061</mo>{thin}</mrow></math>")
    assert "<mi>max</mi><mo>\u2061</mo></mrow></msub>" in mathml(r"x_{\max}")
    assert "<mo>\u2061</mo><mi>‖</mi>" in mathml(r"\log \Vert x \Vert")


def test_binary_operator_with_nothing_to_bind_loses_its_spacing() -> None:
    assert '<mo lspace="0" rspace="0">⋅</mo>' in mathml(r"(\cdot)")
    assert "<mo>⋅</mo>" in mathml(r"a \cdot b")  # between operands it keeps it
    assert "<mo>+</mo>" in mathml(r"\big(a\big) + b")  # a sized bracket closes
    assert '<mo lspace="0" rspace="0">+</mo>' in mathml(r"\mathbb{R}^{+}")


def test_ordinary_symbols_and_relations() -> None:
    assert "<mi>∂</mi>" in mathml(r"\partial f") and "<mi>∞</mi>" in mathml(r"\infty")
    assert "<mo>∼</mo>" in mathml(r"a \sim b")  # latex2mathml: the letter '~'
    assert '<mo lspace="0.2222em" rspace="0.2222em">:</mo>' in mathml(r"f: X")


def test_accents_are_full_size_overscripts_placed_as_temml_places_them() -> None:
    # not accent="true": Chromium sets such an accent on the letter, lower than TeX and Temml
    assert (
        '<mover><mrow><mi>y</mi></mrow><mo stretchy="false" class="tex-accent tex-nudge-s">ˆ</mo>'
        in mathml(r"\hat{y}")
    )
    assert '<mo stretchy="false" class="tex-accent tex-nudge-s">‾</mo>' in mathml(r"\bar{y}")
    assert 'class="tex-accent tex-nudge-m">˙' in mathml(r"\dot{p}")  # italic correction sizes
    assert 'class="tex-accent tex-nudge-s tex-bold">ˆ' in mathml(r"\boldsymbol{\hat{y}}")
    # a styled group under the accent: Temml neither moves nor bolds it
    assert 'class="tex-accent">ˆ' in mathml(r"\hat{\boldsymbol{y}}")
    assert 'class="tex-accent">ˆ' in mathml(r"\hat{\beta_k}")


def test_superscripts_move_right_by_the_italic_correction_of_a_letter() -> None:
    assert '<mn class="tex-pad-s">2</mn>' in mathml("x^2")
    assert '<mn class="tex-pad-l">2</mn>' in mathml("f_i^2")
    assert 'class="tex-pad-m"' in mathml(r"\mathbb{R^4}")  # the author's letter, styled inside
    for upright in (r"\mathbb{R}^4", r"\boldsymbol y^{(i)}", r"\mathrm{d}^2", "V^2", r"\hat{x}^2"):
        assert "tex-pad" not in mathml(upright), upright


def test_cdots_before_a_closing_delimiter_or_punctuation_gets_a_thin_space() -> None:
    spaced = '<mo>⋯</mo><mspace width="0.1667em"></mspace>'
    assert spaced + "<mo>,</mo>" in mathml(r"\lbrace 0, \cdots, P-1 \rbrace")
    assert spaced + '<mo stretchy="false">]</mo>' in mathml(r"[x_1, \cdots]")
    assert "<mo>⋯</mo><mo>+</mo>" in mathml(r"a + \cdots + b")


def test_digits_joined_by_a_comma_are_one_number() -> None:
    assert "<mn>0,0</mn>" in mathml("x_{0,0}") and "<mn>1,000,000</mn>" in mathml("1,000,000")
    assert "<mn>1</mn><mo>,</mo><mn>2</mn>" in mathml("1, 2")  # the author's space: a list
    assert "<mn>1</mn></msub><mo>,</mo><mn>2</mn>" in mathml("x_1,2")  # the script is one digit
    assert "<mtext>1,2</mtext>" in mathml(r"\text{1,2}")


def test_display_limits_wherever_the_operator_sits() -> None:
    scripted = mathml(r"\left(\sum_{i=1}^n x_i\right)^2", display=True)
    assert "<munderover><mo>∑</mo>" in scripted
    assert "<msubsup><mo>∑</mo>" in mathml(r"\left(\sum_{i=1}^n x_i\right)^2")  # inline
    assert "<msubsup><mo>∫</mo>" in mathml(r"\int_0^1 f", display=True)  # integrals keep theirs
    assert "<msub><mo>∑</mo>" in mathml(r"\frac{\sum_i x_i}{n}", display=True)  # text style


def test_paired_bars_open_and_close_as_tex_spaces_them() -> None:
    thin = '<mspace width="0.1667em"></mspace>'
    # \rVert closes: a thin space before \cos; the '+' between two norms stays binary
    html = mathml(r"\lVert a \rVert \cos\xi + \lVert b \rVert")
    assert f"‖</mo>{thin}<mi>cos</mi>" in html and "<mo>+</mo>" in html
    assert "<mo>+</mo>" in mathml(r"|x| + |y|")  # '|' is an ordinary symbol
    assert '<mo class="tex-bold">,</mo>' in mathml(r"\boldsymbol{W_h, b_h}")  # a bold comma


def test_matrices_and_their_scripts() -> None:
    # each matrix's brackets stretch to its own table, not to a taller neighbour
    two = mathml(r"\begin{bmatrix}a\end{bmatrix}\begin{bmatrix}a\\b\\c\end{bmatrix}", True)
    assert two.count('<mrow><mo stretchy="true">[</mo><mtable class="tex-matrix">') == 2
    # latex2mathml put bracket, table, bracket and script in one msub
    scripted = mathml(r"\begin{pmatrix}a\end{pmatrix}_{m \times 1}", True)
    assert re.search(
        r"<msub><mrow><mo[^>]*>\(</mo><mtable.*</mtable><mo[^>]*>\)</mo></mrow>", scripted
    )
    dots = mathml(r"\begin{pmatrix}a & b\\\vdots & \ddots\end{pmatrix}", True)
    assert '<mrow><mi>⋮</mi><mspace width="0" height="14.944pt"></mspace></mrow>' in dots
    assert '<mo lspace="0" rspace="0">⋱</mo>' in dots
    spaced = mathml(r"\begin{pmatrix}a\\[2mm]b\end{pmatrix}", True)  # the skip, as Temml drops it
    assert "2mm" not in spaced and spaced.count("<mtr>") == 2
    assert 'class="tex-matrix"' in mathml(r"\begin{Bmatrix}a\end{Bmatrix}", True)  # not cases


def test_text_is_typeset_as_tex_sets_it() -> None:
    assert "<mtext>—\xa0a\xa0—</mtext>" in mathml(r"\text{--- a ---}")  # latex2mathml: NBSPs
    assert "<mtext>“a”\xa0it’s</mtext>" in mathml(r"\text{``a'' it's}")
    assert "𝚊--𝚋" in mathml(r"\texttt{a--b}")  # no ligatures in typewriter type
    assert "<mtext>soft(arg)max</mtext>" in mathml(r"\text{soft{(arg)}max}(x)")
    assert '<mstyle mathsize="0.8em">' in mathml(r"{\footnotesize x}")  # TeX's sizes
    assert '<mstyle mathsize="0.9em">' in mathml(r"{\small x}")


def test_a_line_break_outside_a_table_in_a_display_keeps_the_sides_apart() -> None:
    display = mathml(r"a = 2w \\ w = b", display=True)
    assert '<mi>w</mi><mspace width="0.5556em"></mspace><mi>w</mi>' in display
    assert 'linebreak="newline"' in mathml(r"a \\ b")  # inline: left to the browser
    table = mathml(r"\begin{pmatrix}a\\b\end{pmatrix}", display=True)
    assert table.count("<mtr>") == 2 and "0.5556em" not in table


def test_tables_say_which_environment_they_came_from() -> None:
    assert 'class="tex-align"' in mathml(r"\begin{aligned}a&=b\\c&=d\end{aligned}", True)
    assert 'class="tex-align"' in mathml(r"\begin{aligned}a&=b&c&=d\end{aligned}", True)
    assert 'class="tex-cases"' in mathml(r"f=\begin{cases}a & x\\b & y\end{cases}", True)
    matrix = mathml(r"\begin{bmatrix}a&b\\c&d\end{bmatrix}", True)
    assert 'class="tex-matrix"' in matrix and '<mo stretchy="true">[</mo>' in matrix
    # the empty placeholder before '&=' is gone; '=' keeps its relation spacing
    assert "<mi></mi>" not in mathml(r"\begin{aligned}a&=b\end{aligned}", True)


def test_output_has_no_character_references_and_is_cached() -> None:
    html = to_mathml(r"\alpha \leq \beta")
    assert "&#" not in html and "≤" in html
    assert to_mathml(r"\alpha \leq \beta") is html
