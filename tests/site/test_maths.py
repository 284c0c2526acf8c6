from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse.site.mathml import MathCache, extract_definitions, macros_key, render
from dlcourse.site.sanitize import clean_mathml

MACROS = {"vect": r"\boldsymbol{#1}", "D": r"\,\mathrm{d}", "deriv": r"\frac{\D #1}{\D #2}"}


def test_course_macros_expand_before_rendering() -> None:
    result = render(r"\deriv{y}{\vect{x}}", False, MACROS)
    assert result.ok
    # MathML Core ignores mathvariant: the bold vector is a bold-italic code point itself
    assert "<mfrac>" in result.html and "<mi>\U0001d499</mi>" in result.html  # 𝒙
    assert 'mathvariant="bold' not in result.html
    # \mathrm{d} stays upright: the one mathvariant MathML Core draws (latex2mathml drops it)
    assert '<mi mathvariant="normal">d</mi>' in result.html


def test_bold_maps_to_unicode_mathematical_alphanumerics() -> None:
    html = render(
        r"\boldsymbol{W}\boldsymbol{\theta}\mathbf{xy}\mathbf{0}\boldsymbol{\nabla}", False, {}
    ).html
    for char in ("\U0001d47e", "\U0001d73d", "\U0001d431", "\U0001d432", "\U0001d7ce"):
        assert char in html  # 𝑾 𝜽 𝐱 𝐲 𝟎
    assert "\U0001d6c1" in html and "mathvariant" not in html  # 𝛁


def test_site_and_checker_share_one_preparation() -> None:
    from dlcourse.notes import tex as notes_tex
    from dlcourse.site.mathml import prepare

    for tex in (r"\arg\min_x \vect{x}", r"\begin{aligned}a&=b\end{aligned}", r"\color{FF0000}{x}"):
        assert prepare(tex, MACROS) == notes_tex.prepare_tex(tex, MACROS)
        assert notes_tex.check_formula(tex, MACROS) is None and render(tex, True, MACROS).ok
    broken = "\\ boldsymbol{x}"
    assert notes_tex.check_formula(broken, MACROS) == render(broken, False, MACROS).message


def test_each_formula_is_converted_once_for_checker_and_site() -> None:
    """The checker judges a display formula on its display conversion, the one the site then
    shows: one latex2mathml conversion per formula and mode, not an inline one more."""
    from dlcourse.notes import tex as notes_tex
    from dlcourse.notes.mathml_core import to_mathml

    tex = r"\sum_{k=1}^{31} \vect{x}_k \deriv{y}{t}"  # a formula no other test converts
    before = to_mathml.cache_info().misses
    assert notes_tex.check_formula(tex, MACROS, True) is None
    assert render(tex, True, MACROS).ok
    assert to_mathml.cache_info().misses == before + 1
    assert render(tex, False, MACROS).ok  # inline is another drawing: one more
    assert to_mathml.cache_info().misses == before + 2


def test_unknown_command_is_a_message_and_source_fallback() -> None:
    result = render(r"\partiel x", False, MACROS)
    assert not result.ok and "partiel" in result.message
    assert 'class="math-error"' in result.html and "<math" not in result.html


def test_broken_formula_never_raises() -> None:
    for tex in (r"\frac{a}{", "}{", r"\begin{bmatrix}1", "a\n\nb"):
        result = render(tex, True, MACROS)
        assert not result.ok and result.message


def test_aligned_is_shimmed_into_a_table() -> None:
    # latex2mathml draws aligned as one row with a literal '&': rewritten to align*
    result = render(r"\begin{aligned}a&=b\\c&=d\end{aligned}", True, {})
    assert result.ok and result.html.count("<mtr>") == 2 and "<mi>&amp;</mi>" not in result.html
    assert "&</mi>" not in result.html
    gathered = render(r"\begin{gathered}a\\b\end{gathered}", True, {})
    assert gathered.ok and gathered.html.count("<mtr>") == 2


def test_label_tag_and_bare_hex_colour() -> None:
    html = render(r"x\label{eq:1}\tag{3} \color{FF0000}{y}", True, {}).html
    assert "label" not in html and "(3)" in html and 'mathcolor="#FF0000"' in html


def test_page_local_gdef_is_extracted() -> None:
    rest, found = extract_definitions(r"\gdef\foo#1{x^{#1}} \foo{2}")
    assert found == {"foo": "x^{#1}"} and rest.strip() == r"\foo{2}"


def test_cache_renders_identical_formulas_once() -> None:
    cache = MathCache()
    key = macros_key(MACROS)
    for _ in range(5):
        cache.render(r"\vect{x}", False, MACROS, key)
    assert cache.misses == 1 and cache.hits == 4


def test_text_in_maths_cannot_inject_markup() -> None:
    for tex in (
        r"\text{<script>alert(1)</script>}",
        r"\text{<img src=x onerror=alert(1)>}",
        r"\href{javascript:alert(1)}{x}",
    ):
        html = render(tex, False, {}).html
        assert "<script" not in html and "<img" not in html and "javascript:" not in html


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"<>&\"'=/ abc\\{}^_$", "script", "img ", "onerror="]), max_size=30
    ).map("".join)
)
def test_mathml_sanitiser_leaves_only_mathml_tags(text: str) -> None:
    cleaned = clean_mathml(f"<math><mtext>{text}</mtext></math>")
    import re

    tags = re.findall(r"<(/?)([a-zA-Z][\w-]*)", cleaned)
    assert {name for _slash, name in tags} <= {"math", "mtext"}
