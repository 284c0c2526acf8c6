"""The rough edges a student met, each checked in headless Chromium on the example site: dark mode
and its toggle, print, CJK glyphs, accessibility (axe-core), search without player chrome or
flattened maths, the schedule's days off and weeks without notes.

Shares the session's one Chromium and one built example site (``tests/site/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# WCAG's relative luminance and contrast ratio, computed in the page from computed colours
_CONTRAST = """([fgSelector, bgSelector]) => {
    const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = c => rgb(c).map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const fg = getComputedStyle(document.querySelector(fgSelector)).color;
    const bg = getComputedStyle(document.querySelector(bgSelector)).backgroundColor;
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return {fg, bg, ratio: (a + 0.05) / (b + 0.05), bgLum: lum(bg)};
}"""


def _scheme(page, text: str = "math") -> dict:
    """The colours of ``text`` (maths by default) and of the page, and their contrast."""
    return page.evaluate(_CONTRAST, [text, "body"])


def test_dark_mode_follows_the_system_and_keeps_maths_and_figures_readable(
    page, example_url: str
) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(example_url + "/en/week01/01-3/")
    dark = _scheme(page)
    assert dark["bgLum"] < 0.05 and dark["ratio"] >= 7, dark  # light maths on a dark page
    # figures keep a light backdrop: their dark lines stay visible on the dark page
    backdrop = page.locator(".note img").first.evaluate("i => getComputedStyle(i).backgroundColor")
    assert backdrop == "rgb(255, 255, 255)"
    assert page.locator(".note img").first.evaluate("i => i.naturalWidth") >= 250
    page.emulate_media(color_scheme="light")
    light = _scheme(page)
    assert light["bgLum"] > 0.9 and light["ratio"] >= 7, light


@pytest.mark.slow
def test_theme_toggle_switches_and_persists_without_inline_script(page, example_url: str) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(example_url + "/en/week01/01-1/")
    page.evaluate("localStorage.clear()")
    page.reload()
    toggle = page.locator("button.theme-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert _scheme(page, "main p")["bgLum"] < 0.05
    page.goto(example_url + "/schedule/")  # another page: the choice is remembered
    assert page.locator("html").get_attribute("data-theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    page.locator("button.theme-toggle").click()  # and back to light, even on a dark system
    page.emulate_media(color_scheme="dark")
    page.reload()
    assert page.locator("html").get_attribute("data-theme") == "light"
    assert _scheme(page, "main p")["bgLum"] > 0.9
    # CSP-friendly: no inline script or style anywhere in the page
    inline = page.evaluate("""() => [...document.scripts].filter(s => !s.src).length
        + document.querySelectorAll('[style], style').length""")
    assert inline == 0
    page.evaluate("localStorage.clear()")
    assert page.errors == []


def test_print_is_black_on_white_without_the_site_chrome(page, example_url: str) -> None:
    page.emulate_media(color_scheme="dark", media="print")
    page.goto(example_url + "/en/week02/02-1/")
    for chrome in (".site-header", "nav.toc", ".prev-next", ".site-footer", ".video-embed"):
        assert page.locator(chrome).first.is_hidden(), chrome
    scheme = _scheme(page)
    assert scheme["bgLum"] > 0.99 and scheme["fg"] == "rgb(0, 0, 0)", scheme
    assert (
        page.locator(".math-display").first.evaluate("d => getComputedStyle(d).breakInside")
        == "avoid"
    )
    page.emulate_media(media="screen", color_scheme="light")


# A canvas draws each character with the page's own font stack; a character no installed font
# has is drawn as the same fallback box ("tofu") as a code point no font can have.
_GLYPHS = """([chars, font]) => {
    const draw = ch => {
        const c = document.createElement('canvas');
        c.width = 48; c.height = 48;
        const g = c.getContext('2d');
        g.font = '32px ' + font;
        g.fillText(ch, 4, 38);
        return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
    };
    const tofu = draw('\\u{10FFFD}');  // a private-use plane code point: no font draws it
    return chars.map(ch => ({ch, ink: draw(ch) !== draw(' '), tofu: draw(ch) === tofu,
                             width: (() => { const c = document.createElement('canvas')
                               .getContext('2d'); c.font = '32px ' + font;
                               return c.measureText(ch).width; })()}));
}"""


def test_chinese_japanese_and_korean_glyphs_are_drawn_not_tofu(page, example_url: str) -> None:
    page.goto(example_url + "/zh/week01/01-1/")
    page.evaluate("document.fonts.ready")
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    text = page.locator(".note p").first.inner_text()
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"][:6]
    assert len(han) >= 3
    glyphs = page.evaluate(_GLYPHS, [[*han, "ひ", "カ", "한", "글"], font])
    for glyph in glyphs:
        assert glyph["ink"] and not glyph["tofu"], glyph
        assert 28 <= glyph["width"] <= 36, glyph  # a full-width ideograph at 32 px
    drawings = page.evaluate(
        """([chars, font]) => chars.map(ch => {
            const c = document.createElement('canvas'); c.width = 48; c.height = 48;
            const g = c.getContext('2d'); g.font = '32px ' + font; g.fillText(ch, 4, 38);
            return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
        })""",
        [han[:3], font],
    )
    assert len(set(drawings)) == len(set(han[:3]))  # distinct characters, distinct glyphs


PAGE_TYPES = [
    "/",
    "/schedule/",
    "/labs/",
    "/en/",
    "/en/week01/01/",
    "/en/week02/02-1/",
    "/ar/week01/01-1/",
    "/zh/week01/01-1/",
    "/en/search/",
    "/nope/",  # the 404 page
]


@pytest.mark.slow  # ten pages, each with axe-core injected
def test_every_page_type_has_no_serious_accessibility_violations(
    page, example_url: str, axe_source: str
) -> None:
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        # every rule in light mode; in dark mode only the colours change: contrast alone
        rules = None if scheme == "light" else ["color-contrast"]
        for path in PAGE_TYPES:
            page.goto(example_url + path)  # "load": the page's own script has run
            if path.endswith("/search/"):
                page.locator("#search input").wait_for()  # Pagefind's UI is part of the page
            page.add_script_tag(content=axe_source)
            violations = page.evaluate(
                """async rules => (await axe.run(document, {resultTypes: ['violations'],
                        ...(rules ? {runOnly: {type: 'rule', values: rules}} : {})}))
                    .violations.filter(v => ['serious', 'critical'].includes(v.impact))
                    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target).join(' | '))""",
                rules,
            )
            if violations:
                found[f"{scheme} {path}"] = violations
    page.emulate_media(color_scheme="light")
    assert found == {}


def test_formulas_keep_their_tex_as_alttext(page, example_url: str) -> None:
    page.goto(example_url + "/en/week02/02-1/")
    alttexts = page.evaluate(
        "[...document.querySelectorAll('math')].map(m => m.getAttribute('alttext'))"
    )
    assert alttexts and all(alttexts)
    assert any("\\frac" in a or "\\partial" in a or "\\vect" in a for a in alttexts)


@pytest.mark.slow
def test_search_excerpts_have_no_player_chrome_and_show_maths_as_tex(
    page, example_url: str, example_site: Path
) -> None:
    if not (example_site / "pagefind").is_dir():
        pytest.skip("search index not built (Pagefind not installed)")
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    page.goto(example_url + "/en/search/?q=gradient")
    results = page.locator(".pagefind-ui__result-excerpt")
    results.first.wait_for(timeout=10000)
    excerpts = " ".join(results.all_inner_texts())
    assert "Play here" not in excerpts and "▶" not in excerpts
    assert not any("\U0001d400" <= ch <= "\U0001d7ff" for ch in excerpts)  # no flattened 𝒙
    # a formula is found by its TeX source: \leftarrow is written in maths only
    page.goto(example_url + "/en/search/?q=leftarrow")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
    # one query searches every language: a Chinese word from the English search page
    page.goto(example_url + "/en/search/?q=深度学习")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
    assert any(
        "/zh/" in h
        for h in page.locator(".pagefind-ui__result-link").evaluate_all(
            "links => links.map(a => a.href)"
        )
    )
    assert not [w for w in warnings if "mergeIndex" in w], warnings
    assert page.errors == [] and page.outside == []


def test_schedule_names_days_off_and_weeks_without_notes(page, example_url: str) -> None:
    page.goto(example_url + "/schedule/")
    holiday = page.locator("#week-4 .day-off")
    assert holiday.count() >= 1
    assert "Presidents" in holiday.first.inner_text()
    assert page.locator("#week-5 td.no-notes").first.inner_text().strip() == "No notes yet."
    assert page.locator("#week-1 td.no-notes").count() == 0  # week 1 has its notes
