"""Fixtures of the site tests: small courses written on the fly, and built sites."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.site.app import options_for
from dlcourse.site.builder import build_site
from tests.site.chromium import CHROMIUM, FLAGS
from tests.site.npm_cache import npm_package

MINI_TOML = """\
schema = 1
[course]
code = "T 1"
title = "Test course"
term = "Spring 2020"
description = "A course for tests."
[schedule]
timezone = "America/New_York"
term_start = 2020-01-27
term_end = 2020-02-09
[[schedule.meetings]]
id = "lecture"
kind = "lecture"
title = "Lecture"
weekday = "monday"
start = 16:55:00
end = 17:45:00
[grading]
default_track = "all"
[[grading.tracks]]
id = "all"
name = "All"
components = [{ id = "work", label = "Work", weight = 100 }]
[notes]
languages = [
  { code = "en", name = "English" },
  { code = "ar", name = "العربية", direction = "rtl" },
]
[notes.macros]
vect = '\\boldsymbol{#1}'
[site]
search = false
"""


def write_course(root: Path, notes: dict[str, str], toml: str = MINI_TOML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(toml, encoding="utf-8")
    for rel, text in notes.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def build(root: Path, out: Path | None = None, **kwargs):  # -> BuildReport
    course = load_course(root)
    options = options_for(course, out or root / "_site", **kwargs)
    return build_site(course, options)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory, example_course_dir: Path) -> Path:
    """The embedded example built once (with search when Pagefind is installed)."""
    out = tmp_path_factory.mktemp("example") / "_site"
    course = load_course(example_course_dir)
    build_site(course, options_for(course, out, search=True))
    return out


@pytest.fixture(scope="session")
def corpus_course(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """A copy of the 2020 sample with a course.toml from the Jekyll importer."""
    from dlcourse.site.jekyll import import_jekyll

    root = tmp_path_factory.mktemp("corpus") / "docs"
    shutil.copytree(corpus_dir, root)
    import_jekyll(root)
    return root


@pytest.fixture(scope="session")
def corpus_site(corpus_course: Path) -> Path:
    out = corpus_course.parent / "_site"
    course = load_course(corpus_course)
    build_site(course, options_for(course, out, search=True))
    return out


_ALTTEXT = re.compile(r' alttext="[^"<>]*"')


def without_alttext(page: str) -> str:
    """A page without its formulas' ``alttext`` (their TeX source, escaped text in an attribute
    that is never a URL), for checks that no TeX is shown and no markup survives."""
    return _ALTTEXT.sub("", page)


class Helpers:
    write_course = staticmethod(write_course)
    build = staticmethod(build)


@pytest.fixture()
def site() -> type[Helpers]:
    """``site.write_course(...)`` and ``site.build(...)`` for tests."""
    return Helpers


# -- the browser tests: one Chromium, one served example site, for the whole session ------------

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.11.0"
AXE_CACHE = REPO_ROOT / ".cache" / "tests" / "axe"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory, playwright_driver) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("profile")
    context = playwright_driver.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True
    )
    yield context
    context.close()


def serve_site(site: Path) -> tuple[str, object]:
    """Serve a built site with dlcourse's own server on a free port, in a thread."""
    from dlcourse.site.server import make_server

    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="session")
def example_url(example_site: Path) -> Iterator[str]:
    url, server = serve_site(example_site)
    yield url
    server.shutdown()


@pytest.fixture()
def page(browser) -> Iterator[object]:
    """A fresh tab that records console errors and any request leaving localhost."""
    page = browser.new_page()
    page.errors, page.outside = [], []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            not r.url.startswith(("http://127.0.0.1", "data:", "about:"))
            and page.outside.append(r.url)
        ),
    )
    yield page
    page.close()


def install_axe() -> Path | None:
    """axe-core's package folder in ``.cache/tests/axe`` (scripts/test calls this first)."""
    return npm_package("axe-core", AXE_VERSION, AXE_CACHE)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, to inject into pages (npm, cached in .cache/tests/axe; scripts/test
    installs it before the suite runs, else the first use does)."""
    package = install_axe()
    if package is None:
        pytest.skip(f"axe-core {AXE_VERSION} could not be installed (npm is needed)")
    return (package / "axe.min.js").read_text(encoding="utf-8")
