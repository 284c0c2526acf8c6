"""Screenshots of the example course's website, for the docs and for a visual check of the CSS.

    python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Builds the embedded example course (spring 2020) into a temporary folder, serves it on
127.0.0.1 (a free port, ``http.server`` in a thread) and saves, with Playwright driving the
system Chromium (never ``playwright install``), one PNG per view:

    home.png          1200×900  the home page
    note-maths.png    1200×900  an English note, scrolled to its display maths
    arabic-note.png   1200×900  the Arabic note: right to left, its maths left to right
    schedule.png      1200×900  the schedule
    mobile-note.png    390×844  an English note on a phone
    dark-note.png     1200×900  an English note with color_scheme="dark"
    schedule-holiday.png 1200×900 the schedule at week 4: Presidents' Day named, "No notes yet."
    figure-note.png   1200×900  an English note at its figure (drawn by the spiral lab)
    print-note.png    1200×900  an English note as printed (media "print", dark system)
    chinese-note.png  1200×900  the Chinese note (CJK text drawn with Noto CJK)

Nothing is fetched from outside localhost; the script fails if a page logs a JavaScript error.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # the browser settings the browser tests use

from tests.site.chromium import CHROMIUM, FLAGS  # noqa: E402

WIDE = (1200, 900)
PHONE = (390, 844)


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    viewport: tuple[int, int] = WIDE  # width, height
    color_scheme: str = "light"
    media: str = "screen"
    scroll_to: str | None = None  # CSS selector brought near the top of the window...
    above: int = 260  # ...with this many pixels of the page above it


SHOTS = [
    Shot("home.png", "/"),
    Shot("note-maths.png", "/en/week02/02-1/", scroll_to=".math-display"),
    # the second section: Arabic text with inline and display maths, the contents, the footer
    Shot("arabic-note.png", "/ar/week01/01-1/", scroll_to=".note > h2[id] ~ h2[id]", above=24),
    Shot("schedule.png", "/schedule/"),
    Shot("mobile-note.png", "/en/week01/01-1/", viewport=PHONE),
    Shot("dark-note.png", "/en/week01/01-1/", color_scheme="dark", scroll_to=".math-display"),
    Shot("schedule-holiday.png", "/schedule/", scroll_to="#week-4", above=24),
    Shot("figure-note.png", "/en/week01/01-3/", scroll_to=".note img", above=320),
    Shot("print-note.png", "/en/week02/02-1/", color_scheme="dark", media="print"),
    Shot("chinese-note.png", "/zh/week01/01-1/"),
]


def build(out: Path) -> Path:
    """The embedded example built into ``out/_site`` (no search index: it is not shown)."""
    from dlcourse.course import example_course_dir, load_course
    from dlcourse.site.app import options_for
    from dlcourse.site.builder import build_site

    course = load_course(example_course_dir())
    site = out / "_site"
    build_site(course, options_for(course, site, search=False))
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def take(browser, base: str, shot: Shot, out: Path) -> None:
    width, height = shot.viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=shot.color_scheme
    )
    page = context.new_page()
    page.emulate_media(media=shot.media)
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: not r.url.startswith((base, "data:", "about:")) and outside.append(r.url),
    )
    # nothing outside localhost is ever loaded, even if a page asked for it
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    response = page.goto(base + shot.path)
    if response is None or response.status != 200:
        raise SystemExit(f"{shot.path}: HTTP {response.status if response else '?'}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    if shot.scroll_to:
        page.evaluate(
            """([selector, above]) => {
                const box = document.querySelector(selector).getBoundingClientRect();
                window.scrollTo(0, Math.max(0, window.scrollY + box.top - above));
            }""",
            [shot.scroll_to, shot.above],
        )
        page.wait_for_timeout(150)
    page.screenshot(path=str(out / shot.name))
    context.close()
    if errors or outside:
        raise SystemExit(f"{shot.path}: errors {errors}, requests outside localhost {outside}")
    print(f"{out / shot.name}  ({shot.path}, {width}×{height}, {shot.color_scheme})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium executable")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"{args.chromium} not found (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dlcourse-shots-") as tmp:
        site = build(Path(tmp))
        base, server = serve(site)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, args=FLAGS, headless=True
                )
                try:
                    for shot in SHOTS:
                        take(browser, base, shot, args.out)
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
