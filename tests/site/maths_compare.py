"""Every distinct formula of a course, rendered by the site and by Temml, compared in Chromium.

Temml (npm ``temml``, by KaTeX's author) is the reference LaTeX → MathML Core converter. It runs
only here, never when a site is built: :func:`temml_package` installs it with npm into
``.cache/tests/temml`` (git-ignored) on first use. The comparison has two stages:

1. **Trees.** Both MathML strings are parsed and brought to a canonical form that keeps only what
   changes the drawing in MathML Core (:func:`canonical`): attributes Chromium ignores are
   dropped (``fence``, ``separator``), an ``mrow`` that groups one child is unwrapped, a lone
   italic letter becomes its Mathematical Italic code point (as ``text-transform: math-auto``
   draws it), numbers are rounded. Hooks for a stylesheet (``class``, ``style``) are kept
   below ``<math>``, so a tree that depends on one never counts as equal: its pictures decide.
   Equal canonical trees draw the same.
2. **Pictures.** Where the trees differ, both formulas are put into one page on one baseline
   and at one sub-pixel phase (the site's stylesheet on one side, Temml's whole stylesheet on
   the other, the fonts the site ships for both), each formula box is screenshot, and the two
   pictures are compared after cropping to their ink (:func:`same_picture`): same size within
   a tenth of an em, and ink that differs by little after a one-pixel blur.

``python -m tests.site.maths_compare [COURSE…] [--corpus] [--out DIR]`` prints the share of
equivalent formulas and writes each pair that differs as a PNG, for the docs and for fixing.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))  # run as a script: ``tests.site.chromium`` below

from tests.site.chromium import CHROMIUM, FLAGS  # noqa: E402
from tests.site.npm_cache import npm_package  # noqa: E402

TEMML_VERSION = "0.13.5"
CACHE_DIR = REPO_ROOT / ".cache" / "tests"
STATIC_DIR = REPO_ROOT / "src" / "dlcourse" / "site" / "static"
#: Pixels per CSS pixel of the screenshots: twice the screen's, so a one-pixel slip is visible.
SCALE = 2
#: Font size of the comparison page's text; formulas are drawn at the site's ``math`` size.
PAGE_FONT_PX = 20


# -- the formulas a site renders --------------------------------------------------------------


@dataclass(frozen=True)
class SiteFormula:
    """One distinct formula as the site's renderer receives it: TeX (page-local definitions
    already taken out), display or inline, and the macros in force (course and page)."""

    tex: str
    display: bool
    macros: tuple[tuple[str, str], ...]
    where: str = field(default="", compare=False)  # the first note it appears in


def site_formulas(course: Any) -> list[SiteFormula]:
    """Every distinct formula the site renders for ``course``: its notes and home page, walked
    by the site's own note renderer, so raw-HTML maths and page-local ``\\gdef`` count too."""
    from dlcourse.notes.discover import discover_notes
    from dlcourse.notes.document import parse_note
    from dlcourse.site.mathml import MathCache, Rendered
    from dlcourse.site.note_html import RenderContext, render_note

    seen: dict[SiteFormula, None] = {}
    where = [""]

    class Recorder(MathCache):
        def render(self, tex: str, display: bool, macros: Any, key_of_macros: str) -> Rendered:
            formula = SiteFormula(tex, display, tuple(sorted(macros.items())), where[0])
            seen.setdefault(formula, None)
            return super().render(tex, display, macros, key_of_macros)

    context = RenderContext(
        base_url="/", macros=course.notes.macros, resolve_link=lambda href: None, maths=Recorder()
    )
    paths = [note.path for note in discover_notes(course)]
    if course.home_page_path is not None and course.home_page_path.is_file():
        paths.append(course.home_page_path)
    for path in paths:
        where[0] = path.relative_to(course.root).as_posix()
        render_note(parse_note(path, course=course, words=False), context)
    return list(seen)


def distinct(formulas: Iterable[SiteFormula]) -> list[SiteFormula]:
    return list(dict.fromkeys(formulas))


def ours(formula: SiteFormula) -> tuple[str, bool]:
    """The site's MathML for a formula (as ``site.mathml.render`` makes it) and whether it
    rendered (a formula that does not render is shown as its source)."""
    from dlcourse.site.mathml import render

    result = render(formula.tex, formula.display, dict(formula.macros))
    return result.html, result.ok


# -- Temml, the reference -------------------------------------------------------------------------

_TEMML_SCRIPT = """
const temml = require(process.argv[1]);  // node -e: the first argument
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map(f => {
  const macros = {};
  for (const [name, body] of f.macros) macros["\\\\" + name] = body;
  try {
    return temml.renderToString(f.tex, {displayMode: f.display, macros, throwOnError: true});
  } catch (error) { return null; }
})));
"""


def temml_package(cache: Path = CACHE_DIR) -> Path | None:
    """Temml's package folder, installed with npm into ``cache/temml`` when missing; ``None``
    when node or npm is not there or the install fails (the comparison is then skipped)."""
    if shutil.which("node") is None:
        return None
    return npm_package("temml", TEMML_VERSION, cache / "temml")


def temml_mathml(formulas: Sequence[SiteFormula], package: Path) -> list[str | None]:
    """Temml's MathML for each formula (``None`` where Temml refuses it), one node process."""
    payload = [{"tex": f.tex, "display": f.display, "macros": f.macros} for f in formulas]
    done = subprocess.run(
        ["node", "-e", _TEMML_SCRIPT, str(package / "dist" / "temml.cjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout)


# -- stage 1: canonical trees ------------------------------------------------------------------


class _Node:
    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node] = []
        self.text = ""

    def __str__(self) -> str:
        attrs = "".join(f" {k}={v}" for k, v in sorted(self.attrs.items()))
        inside = "".join(map(str, self.children)) if self.children else self.text
        return f"<{self.tag}{attrs}>{inside}</{self.tag}>"


class _TreeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1 and self.stack.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


#: Attributes MathML Core ignores.
_IGNORED = {"xmlns", "fence", "separator", "display"}
#: Hooks for a stylesheet: ignored on ``<math>`` (both sides draw display formulas as blocks),
#: kept everywhere else, where they change the drawing (Temml's ``math-depth:0`` accents and
#: table paddings, the site's ``tex-accent``): such trees are never equal, the pictures decide.
_STYLING = {"class", "style"}
#: Operators the MathML Core dictionary makes stretchy: elsewhere ``stretchy`` changes nothing.
_STRETCHY = set("()[]{}|‖⟨⟩⌈⌉⌊⌋/\\∣∥‾¯_^~ˆ˜ˇ˘⏞⏟⏜⏝⎴⎵") | {
    chr(c) for c in (*range(0x2190, 0x2200), *range(0x27F0, 0x2800), *range(0x2900, 0x2980))
}
#: Elements whose children form one row, as an ``mrow`` would.
_ROWS = {"math", "mrow", "mtd", "msqrt", "mstyle", "mpadded", "mphantom", "menclose", "merror"}
_NUMBER = re.compile(r"^(-?\d*\.?\d+)(em|ex|px|pt|mu|%)?$")


def _italic(char: str) -> str:
    """The Mathematical Italic code point a lone letter in ``<mi>`` is drawn with."""
    if char == "h":
        return "\u210e"  # PLANCK CONSTANT holds the place of italic h
    for case in ("SMALL", "CAPITAL"):
        try:
            name = unicodedata.name(char)
        except ValueError:
            return char
        for script in ("LATIN", "GREEK"):
            prefix = f"{script} {case} LETTER "
            if name.startswith(prefix):
                letter = name.removeprefix(prefix)
                try:
                    return unicodedata.lookup(f"MATHEMATICAL ITALIC {case} {letter}")
                except KeyError:
                    return char
    return char


def _length(value: str) -> str:
    match = _NUMBER.match(value.strip())
    if not match:
        return value.strip()
    number = round(float(match.group(1)), 2)
    return "0" if number == 0 else f"{number:g}{match.group(2) or ''}"


def _is_operator_at_edge(node: _Node) -> bool:
    """An ``mrow`` whose first or last child is an operator without an explicit ``form``: its
    form (so its spacing) depends on that position, so the row cannot be spliced away."""
    edges = (node.children[0], node.children[-1]) if node.children else ()
    return any(child.tag == "mo" and "form" not in child.attrs for child in edges)


def _canonical(node: _Node, parent_is_row: bool) -> list[_Node]:
    children: list[_Node] = []
    is_row = node.tag in _ROWS
    for child in node.children:
        children.extend(_canonical(child, is_row))
    if is_row and len(children) == 1 and children[0].tag == "mrow" and not children[0].attrs:
        children = children[0].children  # the only child: its operators keep their positions
    node.children = children
    attrs = {
        k: v
        for k, v in node.attrs.items()
        if k not in _IGNORED and not (k in _STYLING and node.tag == "math")
    }
    for name in ("lspace", "rspace", "width", "height", "depth", "minsize", "maxsize"):
        if name in attrs:
            attrs[name] = _length(attrs[name])
    node.text = unicodedata.normalize("NFC", node.text.strip().replace("\u00a0", " "))
    if node.tag == "mi":
        variant = attrs.pop("mathvariant", None)
        if variant is None and len(node.text) == 1:
            node.text = _italic(node.text)
    if node.tag == "mo":
        if node.text not in _STRETCHY:
            attrs.pop("stretchy", None)
        if attrs.get("form") is not None and node.text in _STRETCHY - {"/", "\\"}:
            attrs.pop("form")  # fences and bars have no spacing in any form
    node.attrs = attrs
    if node.tag == "mspace" and not any(a in attrs and attrs[a] != "0" for a in attrs):
        return []  # an empty space takes no room
    if node.tag == "mpadded" and set(attrs) <= {"lspace"} and attrs.get("lspace", "0") == "0":
        node.tag, node.attrs = "mrow", {}  # Temml's \mathrm wrapper: no padding at all
    if node.tag == "mrow" and not attrs:  # a styled row (Temml's bold \boldsymbol{…}) stays
        if len(node.children) == 1:
            return node.children
        if parent_is_row and not _is_operator_at_edge(node):
            return node.children
    return [node]


def canonical(mathml: str) -> str:
    """A string that is equal for two MathML fragments exactly when MathML Core draws them the
    same way as far as the tree shows (see the module's docstring)."""
    parser = _TreeParser()
    parser.feed(mathml)
    parser.close()
    maths = [n for n in parser.root.children if n.tag == "math"]
    if not maths:
        return mathml
    return "".join(map(str, _canonical(maths[0], False)))


# -- stage 2: pictures -------------------------------------------------------------------------


def _ink(grey: Any) -> Any:
    """A greyscale picture (0 black … 255 paper) as ink (0 paper … 1 black), cropped to the
    ink's bounding box."""
    import numpy as np

    ink = 1.0 - np.asarray(grey, dtype=np.float32) / 255.0
    rows, cols = np.nonzero(ink > 0.15)
    if rows.size == 0:
        return ink[:0, :0]
    return ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _blur(ink: Any) -> Any:
    import numpy as np

    padded = np.pad(ink, 1)
    height, width = ink.shape
    total = sum(padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3))
    return total / 9.0


@dataclass(frozen=True)
class PictureVerdict:
    same: bool
    reason: str  # "" when the same; else what differs, with numbers


def same_picture(ours_grey: Any, reference_grey: Any, em_px: float) -> PictureVerdict:
    """Whether two formula pictures look alike: the same ink box within a tenth of an em
    (``em_px`` pixels per em) or 4% of its size, and at most 12% of their ink differing after
    a one-pixel blur, each tile of the picture (1.5 em square) aligned at its best within that
    tenth of an em. Anti-aliasing, sub-pixel placement and a hair of spacing that moves the
    rest of a long formula or a table's next row do not count; a glyph, a script or a bar
    that moves more than that does, and so does a different glyph."""
    import numpy as np

    a, b = _ink(ours_grey), _ink(reference_grey)
    if a.size == 0 or b.size == 0:
        return PictureVerdict(a.size == b.size, "" if a.size == b.size else "one side is blank")
    slack = max(2, round(0.1 * em_px))
    (ha, wa), (hb, wb) = a.shape, b.shape
    # a tenth of an em, or 4% of a large table (its row and column gaps add up)
    if abs(ha - hb) > max(slack, 0.04 * max(ha, hb)) or abs(wa - wb) > max(
        slack, 0.04 * max(wa, wb)
    ):
        return PictureVerdict(
            False, f"size {wa / em_px:.2f}×{ha / em_px:.2f} em vs {wb / em_px:.2f}×{hb / em_px:.2f}"
        )
    height, width = max(ha, hb), max(wa, wb)
    canvas_a = np.zeros((height + 2 * slack, width + 2 * slack), np.float32)
    canvas_a[slack : slack + ha, slack : slack + wa] = a
    canvas_b = np.zeros((height + 4 * slack, width + 4 * slack), np.float32)
    canvas_b[2 * slack : 2 * slack + hb, 2 * slack : 2 * slack + wb] = b
    blurred_a, blurred_b = _blur(canvas_a), _blur(canvas_b)
    rows, columns = blurred_a.shape
    tile = max(8, round(1.5 * em_px))
    # each tile's cost at each offset within the slack, all tiles at once: the picture padded
    # to whole tiles (with paper, which costs nothing on both sides) and summed tile by tile
    tiles_down, tiles_across = -(-rows // tile), -(-columns // tile)
    difference_map = np.zeros((tiles_down * tile, tiles_across * tile), np.float32)
    inside = difference_map[:rows, :columns]  # a view: the padding stays paper, costing 0
    best = np.full((tiles_down, tiles_across), np.inf, np.float32)
    for dy in range(-slack, slack + 1):
        for dx in range(-slack, slack + 1):
            y, x = slack + dy, slack + dx
            np.subtract(blurred_a, blurred_b[y : y + rows, x : x + columns], out=inside)
            np.abs(inside, out=inside)
            tiles = difference_map.reshape(tiles_down, tile, tiles_across, tile)
            np.minimum(best, tiles.sum(axis=(1, 3)), out=best)
    difference = float(best.sum())
    share = difference / float(blurred_a.sum() + blurred_b.sum())
    if share <= 0.12:
        return PictureVerdict(True, "")
    return PictureVerdict(False, f"ink differs by {share:.0%}")


# -- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    formula: SiteFormula
    ours: str
    reference: str | None
    kind: str  # same-tree | same-picture | reference-fails | different | ours-fails
    reason: str = ""
    pictures: tuple[Any, Any] | None = None  # greyscale arrays, ours and Temml's

    @property
    def equivalent(self) -> bool:
        return self.kind in {"same-tree", "same-picture", "reference-fails"}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="site.css">
<style>
  body {{ font-size: {font}px; margin: 8px; }}
  /* both formulas on one baseline, so their glyphs fall on the same sub-pixel phase */
  .pair {{ display: flex; gap: 24px; align-items: baseline; min-height: 2em; }}
  /* each side as wide as its formula: the screenshots are no wider than the formulas */
  .pair > * {{ flex: 0 0 auto; padding: 4px; }}
  /* Temml's own small font (primes, script letters) is not for commercial use, so the site
     cannot ship it: the reference draws those with the site's font too (not the system's) */
  @font-face {{ font-family: "Temml"; src: url(latinmodern-math.woff2) format("woff2"); }}
</style></head><body>
{rows}
<template id="temml-css">{temml_css}</template>
<script>
  // the text itself: innerHTML would write '>' as '&gt;' and so drop every rule with a child
  // combinator (Temml's row padding of aligned tables, its cramped fraction denominators …)
  const css = document.getElementById("temml-css").content.textContent;
  // the same size as the site's formulas, whatever its stylesheet makes of the text's
  const size = getComputedStyle(document.querySelector(".ours math")).fontSize;
  for (const host of document.querySelectorAll(".reference")) {{
    host.style.fontSize = size;
    const root = host.attachShadow({{mode: "open"}});
    root.innerHTML = "<style>" + css + "</style>" + host.querySelector("template").innerHTML;
  }}
</script>
</body></html>
"""


def _temml_css(package: Path) -> str:
    """Temml's Latin Modern stylesheet without its ``@font-face`` rules: the page declares the
    site's WOFF2 under its family names ("Latin Modern Math", "Temml"), so both sides draw
    with the fonts the site ships, whatever the machine has."""
    css = (package / "dist" / "Temml-Latin-Modern.css").read_text(encoding="utf-8")
    return re.sub(r"@font-face\s*\{[^}]*\}", "", css).replace("</", "<\\/")


def _wrap(mathml: str, display: bool) -> str:
    tag, css = ("div", "math-display") if display else ("span", "math")
    return f'<{tag} class="{css}" dir="ltr">{mathml}</{tag}>'


@functools.cache
def _quiet_handler(directory: str) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@dataclass
class ComparisonPage:
    """A folder with the site's static files and one page of formula pairs, served on
    127.0.0.1 while the context is open."""

    folder: Path
    url: str = ""
    _server: Any = None

    def __enter__(self) -> ComparisonPage:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _quiet_handler(str(self.folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}/compare.html"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def write_page(folder: Path, pairs: Sequence[tuple[str, str, bool]], css: str) -> None:
    """The comparison page: one row per pair (ours, Temml's, display or not)."""
    for path in STATIC_DIR.iterdir():
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
    rows = []
    for mine, reference, display in pairs:
        rows.append(
            f'<div class="pair"><div class="ours">{_wrap(mine, display)}</div>'
            f'<div class="reference"><template>{_wrap(reference, display)}</template></div></div>'
        )
    page = _PAGE.format(font=PAGE_FONT_PX, rows="\n".join(rows), temml_css=css)
    (folder / "compare.html").write_text(page, encoding="utf-8")


def draw(
    browser: Any, package: Path, pairs: Sequence[tuple[str, str, bool]]
) -> tuple[list[tuple[Any, Any]], float]:
    """Both sides of every pair drawn in one page of ``browser`` (a Playwright browser):
    greyscale pictures, and the pixels per em of the formulas."""
    with tempfile.TemporaryDirectory(prefix="maths-compare-") as scratch:
        folder = Path(scratch)
        write_page(folder, pairs, _temml_css(package))
        with ComparisonPage(folder) as served:
            page = browser.new_page(device_scale_factor=SCALE, viewport=_VIEWPORT)
            try:
                page.goto(served.url)
                page.evaluate("document.fonts.ready")
                page.evaluate(_SAME_PHASE)
                size = page.evaluate(
                    "parseFloat(getComputedStyle(document.querySelector('math')).fontSize)"
                )
                return _pictures(page), SCALE * float(size)
            finally:
                page.close()


#: Temml's formula moved right by a fraction of a device pixel, so that both formulas of a
#: pair start at the same sub-pixel phase: glyphs half a device pixel apart anti-alias
#: differently (``w[k]`` then differs by 14%), and the alignment below moves by whole pixels.
_SAME_PHASE = """() => {
  const pixel = 1 / devicePixelRatio;
  const phase = x => ((x % pixel) + pixel) % pixel;
  for (const pair of document.querySelectorAll(".pair")) {
    const host = pair.querySelector(".reference");
    const mine = pair.querySelector(".ours math").getBoundingClientRect().left;
    const theirs = host.shadowRoot.querySelector("math").getBoundingClientRect().left;
    host.style.marginLeft = phase(phase(mine) - phase(theirs)) + "px";
  }
}"""
#: The pairs in order of width, widest first, each marked with its place in the page as
#: written: a screenshot is as wide as its widest pair, so narrow ones share narrow strips.
_BY_WIDTH = """() => {
  const pairs = [...document.querySelectorAll(".pair")];
  const width = pair => pair.querySelector(".ours").getBoundingClientRect().width
    + pair.querySelector(".reference").getBoundingClientRect().width;
  const widths = pairs.map(width);
  pairs.forEach((pair, index) => { pair.dataset.index = index; });
  const order = pairs.map((_, index) => index).sort((a, b) => widths[b] - widths[a]);
  const end = document.getElementById("temml-css");  // after the last pair
  for (const index of order) end.parentNode.insertBefore(pairs[index], end);
}"""
_BOXES = """() => [...document.querySelectorAll(".pair")].map(pair => {
  const box = element => {
    const r = element.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height];
  };
  const reference = pair.querySelector(".reference").shadowRoot.querySelector("math");
  return [Number(pair.dataset.index), box(pair.querySelector(".ours math")), box(reference)];
})"""
#: Height of one screenshot of the page, in CSS pixels (Chromium caps a capture's size), and
#: the page's viewport, which each screenshot captures.
_STRIP = 2400
_VIEWPORT = {"width": 1280, "height": _STRIP}


def _pictures(page: Any) -> list[tuple[Any, Any]]:
    """Both formulas of every pair as greyscale arrays: the page is captured in a few tall
    strips, the pairs sorted by width and each strip as wide as its widest pair (much faster
    than one screenshot per element, or
    than strips as wide as the page: the PNG's size is most of a capture's cost), and each box
    cut out."""
    import numpy as np
    from PIL import Image

    page.evaluate(_BY_WIDTH)
    page_width = page.evaluate("document.documentElement.scrollWidth")
    if page_width > _VIEWPORT["width"]:  # a screenshot shows the viewport: every pair fits
        page.set_viewport_size({"width": page_width, "height": _STRIP})
    pairs = page.evaluate(_BOXES)  # [place as written, ours, Temml's], top to bottom
    strips: list[tuple[float, list[Any]]] = []  # (top, pairs), the pairs top to bottom
    for pair in pairs:  # a new strip where the pair would leave this one
        boxes = pair[1:]
        if not strips or max(box[1] + box[3] for box in boxes) > strips[-1][0] + _STRIP:
            strips.append((max(0.0, min(box[1] for box in boxes) - 2), []))
        strips[-1][1].append(pair)
    pictures: list[tuple[Any, Any]] = [(None, None)] * len(pairs)
    for top, strip_pairs in strips:
        right = max(box[0] + box[2] for pair in strip_pairs for box in pair[1:]) + 2
        # the strip scrolled into the viewport and captured there: a full-page capture lays
        # out and paints the whole page each time (3 to 7 times slower, the same pixels)
        scrolled = page.evaluate(f"window.scrollTo(0, {top}), scrollY")
        clip = {"x": 0, "y": top - scrolled, "width": min(page_width, right)}
        clip["height"] = _STRIP - clip["y"]  # near the page's end scrolling stops early
        png = page.screenshot(clip=clip)
        strip = np.asarray(Image.open(io.BytesIO(png)).convert("L"))

        def cut(box: list[float], strip: Any = strip, top: float = top) -> Any:
            left, box_top, box_width, box_height = box
            y0, x0 = round((box_top - top) * SCALE), round(left * SCALE)
            y1, x1 = y0 + round(box_height * SCALE), x0 + round(box_width * SCALE)
            return strip[max(0, y0 - SCALE) : y1 + SCALE, max(0, x0 - SCALE) : x1 + SCALE]

        for place, mine, reference in strip_pairs:
            pictures[place] = (cut(mine), cut(reference))
    return pictures


def compare(
    formulas: Sequence[SiteFormula],
    references: Sequence[str | None],
    browser: Any,
    package: Path,
) -> list[Verdict]:
    """One verdict per formula: trees first, pictures in ``browser`` (a Playwright browser or
    context) where the trees differ."""
    verdicts: list[Verdict | None] = []
    to_draw: list[tuple[int, SiteFormula, str, str]] = []
    for index, (formula, reference) in enumerate(zip(formulas, references, strict=True)):
        mine, ok = ours(formula)
        if reference is None:
            verdicts.append(Verdict(formula, mine, None, "reference-fails"))
        elif not ok:
            verdicts.append(Verdict(formula, mine, reference, "ours-fails", "source shown"))
        elif canonical(mine) == canonical(reference):
            verdicts.append(Verdict(formula, mine, reference, "same-tree"))
        else:
            verdicts.append(None)
            to_draw.append((index, formula, mine, reference))
    if to_draw:
        pairs = [(mine, reference, f.display) for _i, f, mine, reference in to_draw]
        pictures, em = draw(browser, package, pairs)
        for (index, formula, mine, reference), drawn in zip(to_draw, pictures, strict=True):
            verdict = same_picture(*drawn, em_px=em)
            kind = "same-picture" if verdict.same else "different"
            verdicts[index] = Verdict(formula, mine, reference, kind, verdict.reason, drawn)
    return [v for v in verdicts if v is not None]


@dataclass(frozen=True)
class Summary:
    total: int
    equivalent: int
    kinds: dict[str, int]

    @property
    def share(self) -> float:
        return self.equivalent / self.total if self.total else 1.0


def summarise(verdicts: Sequence[Verdict]) -> Summary:
    kinds: dict[str, int] = {}
    for verdict in verdicts:
        kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
    return Summary(len(verdicts), sum(v.equivalent for v in verdicts), kinds)


# -- as a script ---------------------------------------------------------------------------------


def _courses(paths: Sequence[Path], corpus: bool, scratch: Path) -> Iterator[Any]:
    from dlcourse.course import example_course_dir, load_course

    for path in paths or [example_course_dir()]:
        yield load_course(path)
    if corpus:
        from dlcourse.site.jekyll import import_jekyll

        source = REPO_ROOT.parent / "shared" / "corpus" / "dlsp20-sample"
        copy = scratch / "docs"
        shutil.copytree(source, copy)
        import_jekyll(copy)
        yield load_course(copy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare the site's maths with Temml's.")
    parser.add_argument("courses", nargs="*", type=Path, help="course folders (default: example)")
    parser.add_argument("--corpus", action="store_true", help="add ../shared's 2020 sample")
    parser.add_argument("--out", type=Path, help="write the pairs that differ here as PNGs")
    args = parser.parse_args(argv)
    package = temml_package()
    if package is None:
        print("Temml could not be installed (node and npm are needed)")
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        formulas = distinct(
            f for c in _courses(args.courses, args.corpus, Path(scratch)) for f in site_formulas(c)
        )
    references = temml_mathml(formulas, package)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        verdicts = compare(formulas, references, browser, package)
        browser.close()
    summary = summarise(verdicts)
    print(
        f"{summary.equivalent} of {summary.total} distinct formulas equivalent "
        f"({summary.share:.1%}): "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(summary.kinds.items()))
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    for number, verdict in enumerate(v for v in verdicts if not v.equivalent):
        print(f"\n[{number}] {verdict.kind}: {verdict.reason} — {verdict.formula.where}")
        print(f"  TeX  {verdict.formula.tex.strip()!r}")
        print(f"  ours {canonical(verdict.ours)}")
        print(f"  Temml {canonical(verdict.reference or '')}")
        if args.out and verdict.pictures:
            from PIL import Image

            for side, grey in zip(("ours", "temml"), verdict.pictures, strict=True):
                Image.fromarray(grey).save(args.out / f"{number:03d}-{side}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
