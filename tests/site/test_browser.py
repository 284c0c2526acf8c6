"""The built site in real headless Chromium (Debian ``chromium``, driven by Playwright).

Skipped when Chromium or Playwright is absent. Never runs ``playwright install``. The browser,
the served example site and the ``page`` fixture are shared by the session (conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.conftest import serve_site

pytestmark = pytest.mark.browser


@pytest.mark.slow
def test_pages_load_clean_and_stay_on_localhost(page, example_url: str) -> None:
    for path in (
        "/",
        "/schedule/",
        "/labs/",
        "/en/",
        "/en/week01/01-1/",
        "/zh/week01/01-1/",
        "/ar/week01/01-1/",
        "/en/search/",
    ):
        page.goto(example_url + path)
        page.wait_for_load_state("networkidle")
    assert page.errors == [] and page.outside == []


@pytest.mark.slow
def test_missing_page_gets_the_404_page(page, example_url: str) -> None:
    response = page.goto(example_url + "/nope/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"


def test_maths_is_drawn_as_maths(page, example_url: str) -> None:
    page.goto(example_url + "/en/week02/02-1/")
    formulas = page.locator("math")
    assert formulas.count() > 3
    box = page.locator(".math-display math").first.bounding_box()
    assert box and box["height"] > 15 and box["width"] > 20
    # MathML laid out by the engine: a fraction's numerator sits above its denominator
    positions = page.evaluate("""() => {
        const f = document.querySelector('mfrac');
        if (!f) return null;
        const [a, b] = f.children;
        return [a.getBoundingClientRect().bottom, b.getBoundingClientRect().top];
    }""")
    assert positions is None or positions[0] <= positions[1] + 1


@pytest.mark.slow
def test_maths_is_drawn_with_the_shipped_maths_font(page, example_url: str) -> None:
    """Latin Modern Math (WOFF2, served from the site's static folder) is loaded and used by
    every formula, whatever fonts the machine has."""
    page.goto(example_url + "/en/week02/02-1/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    faces = page.evaluate("""() => [...document.fonts]
        .filter(f => f.family.replace(/"/g, '') === 'Latin Modern Math')
        .map(f => f.status)""")
    assert faces == ["loaded"]
    families = page.evaluate(
        "[...document.querySelectorAll('math')].map(m => getComputedStyle(m).fontFamily)"
    )
    assert families and all(f.startswith('"Latin Modern Math"') for f in families)
    assert page.evaluate("document.fonts.check('16px \"Latin Modern Math\"', '∑')")
    assert page.outside == []


def test_bold_vectors_are_bold_in_chromium(page, example_url: str) -> None:
    """\\vect{x} is a Mathematical Bold Italic code point, which Chromium draws bold (it
    ignores mathvariant); its glyph is wider than the plain italic letter's."""
    page.goto(example_url + "/en/week02/02-2/")
    bold = page.evaluate("""() => [...document.querySelectorAll('mi')]
        .map(m => m.textContent).filter(t => /[\\u{1D400}-\\u{1D7FF}]/u.test(t)).length""")
    assert bold > 0
    assert page.locator("[mathvariant=bold-italic]").count() == 0


@pytest.mark.slow
def test_language_switch(page, example_url: str) -> None:
    page.goto(example_url + "/en/week01/01-1/")
    page.locator(".lang-switch summary").click()
    page.locator('.lang-switch a[hreflang="zh"]').click()
    page.wait_for_url("**/zh/week01/01-1/")
    assert page.locator("html").get_attribute("lang") == "zh"


def _assert_right_to_left_with_maths_left_to_right(page) -> None:
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    directions = page.evaluate(
        "[...document.querySelectorAll('math')].map(m => getComputedStyle(m).direction)"
    )
    assert directions and set(directions) == {"ltr"}
    assert page.errors == [] and page.outside == []


@pytest.mark.slow
def test_arabic_note_is_right_to_left_with_maths_left_to_right(page, example_url: str) -> None:
    """The example course's own Arabic note (no corpus needed)."""
    page.goto(example_url + "/ar/week01/01-1/")
    page.wait_for_load_state("networkidle")
    _assert_right_to_left_with_maths_left_to_right(page)
    assert page.locator(".math-display math").count() >= 2  # display maths
    # a display formula reads left to right: its first symbol (L) is left of its last
    order = page.evaluate("""() => {
        const f = document.querySelector('.math-display math');
        const [a, b] = [f.querySelector('mi'), [...f.querySelectorAll('mi')].pop()];
        return [a.getBoundingClientRect().left, b.getBoundingClientRect().left];
    }""")
    assert order[0] < order[1]
    # a Latin date keeps its order in the right-to-left footer ("27 Jan 2020", not "Jan 2020 27")
    date = page.locator(".note-footer time")
    assert date.evaluate("t => getComputedStyle(t).unicodeBidi") == "plaintext"


@pytest.mark.slow
def test_arabic_is_right_to_left_with_maths_left_to_right(page, browser, corpus_site: Path) -> None:
    """The same on the 2020 sample's Arabic notes (skipped without ``../shared``)."""
    url, server = serve_site(corpus_site)
    try:
        page.goto(url + "/ar/week02/02-1/")
        _assert_right_to_left_with_maths_left_to_right(page)
    finally:
        server.shutdown()


@pytest.mark.slow
def test_search_finds_a_word_from_a_note(page, example_url: str, example_site: Path) -> None:
    if not (example_site / "pagefind").is_dir():
        pytest.skip("search index not built (Pagefind not installed)")
    page.goto(example_url + "/en/search/?q=backpropagation")
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for(timeout=10000)
    assert results.count() >= 1
    assert page.errors == [] and page.outside == []


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} not displayed"
    return box


@pytest.mark.slow
def test_contents_list_follows_the_title_on_a_phone(page, example_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(example_url + "/en/week01/01-1/")
    title, contents = _box(page, "h1"), _box(page, "nav.toc")
    lecturer = _box(page, ".note-header .lecturer")
    assert title["y"] + title["height"] <= contents["y"]  # the title first, then the contents
    assert lecturer["y"] + lecturer["height"] <= contents["y"]
    assert contents["x"] >= 0 and contents["x"] + contents["width"] <= 390
    first_heading = _box(page, ".note h2[id]")
    assert contents["y"] + contents["height"] <= first_heading["y"]  # before the text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll


@pytest.mark.slow
def test_contents_list_is_a_sticky_sidebar_on_a_wide_screen(page, example_url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(example_url + "/en/week01/01-1/")
    contents, text = _box(page, "nav.toc"), _box(page, ".note p")
    assert contents["x"] >= text["x"] + text["width"]  # beside the text, not over it
    assert contents["x"] + contents["width"] <= 1280
    paragraph = page.locator(".note p").first
    assert paragraph.evaluate("p => p.getBoundingClientRect().width") >= 500  # text not squeezed
    page.mouse.wheel(0, 1500)
    page.wait_for_function("window.scrollY > 1000")
    top = page.locator("nav.toc").evaluate("n => n.getBoundingClientRect().top")
    assert 0 <= top <= 40  # stuck to the top while the note scrolls
