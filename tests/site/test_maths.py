from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse.site.maths import MathCache, extract_definitions, macros_key, render
from dlcourse.site.sanitize import clean_mathml

MACROS = {"vect": r"\boldsymbol{#1}", "D": r"\,\mathrm{d}", "deriv": r"\frac{\D #1}{\D #2}"}


def test_course_macros_expand_before_rendering() -> None:
    result = render(r"\deriv{y}{\vect{x}}", False, MACROS)
    assert result.ok
    assert "<mfrac>" in result.html and 'mathvariant="bold-italic"' in result.html


def test_unknown_command_is_a_message_and_source_fallback() -> None:
    result = render(r"\partiel x", False, MACROS)
    assert not result.ok and "partiel" in result.message
    assert 'class="math-error"' in result.html and "<math" not in result.html


def test_broken_formula_never_raises() -> None:
    for tex in (r"\frac{a}{", "}{", r"\begin{bmatrix}1", "a\n\nb"):
        result = render(tex, True, MACROS)
        assert not result.ok and result.message


def test_aligned_is_shimmed_into_a_table() -> None:
    result = render(r"\begin{aligned}a&=b\\c&=d\end{aligned}", True, {})
    assert result.ok and "<mtable" in result.html and "<mi>&amp;</mi>" not in result.html


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
