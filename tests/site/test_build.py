"""Building: pages, links, safety, incremental rebuilds, atomic swap, strict mode."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from dlcourse.site import note_bodies, page_layout, search, site_tree
from dlcourse.site import pages as page_models
from dlcourse.site.builder import BuildError
from tests.golden import assert_matches_golden, site_manifest
from tests.site.conftest import without_alttext

NOTE = """---
lang-ref: ch.01-1
title: First note
lecturer: Ada Lovelace
authors: A. Writer, B. Writer
date: 27 Jan 2020
---

## [Beginning](https://www.youtube.com/watch?v=0bMe_vCZo30&t=75s)

Inline $\\vect{x}_i$ and kramdown's $a\\_{t}$, then a display:

$$
\\sum_{i=1}^n x_i
$$

See [the next note](../week01/01-2.md#later) and ![A figure](/images/a.png "Figure 1: a caption").

<center><img src="{{site.baseurl}}/images/a.png" alt="a"></center>

## [Later](https://www.youtube.com/watch?v=0bMe_vCZo30&t=600s)

Broken: $\\partiel x$.
"""
NOTE2 = "---\nlang-ref: ch.01-2\ntitle: Second note\n---\n\n## Later\n\nText with $y$.\n"
WEEK = "---\nlang-ref: ch.01\ntitle: Week 1\n---\n\n## Lecture part A\n\nS.\n"
ARABIC = "---\nlang: ar\nlang-ref: ch.01-1\ntitle: ملاحظة\ntranslator: T\n---\n\nنص $x^2$ هنا.\n"


@pytest.fixture()
def mini(tmp_path: Path, site) -> Path:
    root = site.write_course(
        tmp_path / "course",
        {
            "en/week01/01-1.md": NOTE,
            "en/week01/01-2.md": NOTE2,
            "ar/week01/01-1.md": ARABIC,
            "en/week01/01.md": WEEK,
        },
    )
    (root / "docs" / "images").mkdir()
    (root / "docs" / "images" / "a.png").write_bytes(b"\x89PNG fake")
    return root


@pytest.mark.slow
def test_pages_maths_and_video_links(mini: Path, site) -> None:
    report = site.build(mini)
    out = mini / "_site"
    page = (out / "en/week01/01-1/index.html").read_text()
    assert page.count("<math") == 3  # \partiel is shown as source instead
    assert 'class="math-error"' in page and "\\partiel" in page
    shown = without_alttext(page)  # the TeX stays only as each formula's alttext
    assert "a_{t}" not in shown and "\\_" not in shown  # kramdown escape undone, then rendered
    assert 'alttext="a_{t}"' in page
    assert 'href="https://www.youtube.com/watch?v=0bMe_vCZo30&amp;t=75s"' in page
    assert 'href="/en/week01/01-2/#later"' in page  # cross-reference resolved to a page
    assert 'src="/images/a.png"' in page and "{{site.baseurl}}" not in page
    assert "<figcaption>Figure 1: a caption</figcaption>" in page
    assert "A. Writer, B. Writer" in page and "27 Jan 2020" in page
    assert 'rel="next"' in page
    assert any("partiel" in w.message and w.line == 23 for w in report.warnings), report.warnings
    arabic = (out / "ar/week01/01-1/index.html").read_text()
    assert '<html lang="ar" dir="rtl">' in arabic and 'dir="ltr"><math' in arabic
    contents = (out / "ar/index.html").read_text()
    assert "/en/week01/01-2/" in contents  # listed as not translated yet
    for name in (
        "index.html",
        "schedule/index.html",
        "404.html",
        "sitemap.xml",
        "course.ics",
        "labs/index.html",
        "static/site.css",
    ):
        assert (out / name).is_file(), name


WATCH = "https://www.youtube.com/watch?v=0bMe_vCZo30"
SOURCE_HEADINGS = (
    f"---\nlang-ref: ch.01-1\ntitle: First note\n---\n\n## [Energy]({WATCH}&t=60s)\n\n"
    f"Energy text.\n\n## [Margins]({WATCH}&t=600s)\n\nMargin text.\n"
)
# a translator keeps each English heading, commented out, above their own
COMMENTED_SOURCE_HEADINGS = (
    "---\nlang: ar\nlang-ref: ch.01-1\ntitle: ملاحظة\ntranslator: T\n---\n\n"
    f"## <!--[Energy]({WATCH}&t=60s)-->\n## [الطاقة]({WATCH}&t=60s)\n\nنص الطاقة.\n\n"
    f"## <!-- [Margins]({WATCH}&t=600s) -->\n\n### [الهوامش]({WATCH}&t=600s)\n\nنص الهوامش.\n"
)


def _search_anchors(out: Path, url: str) -> list[dict]:
    """The headings Pagefind indexed on the page at ``url`` (its fragment: gzip, a 12-byte
    signature, JSON)."""
    for fragment in (out / "pagefind" / "fragment").iterdir():
        data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd") :])
        if data["url"] == url:
            return data["anchors"]
    raise AssertionError(f"{url} is not in the search index")


@pytest.mark.slow
def test_a_heading_of_only_a_comment_makes_no_heading(tmp_path: Path, site) -> None:
    notes = {"en/week01/01-1.md": SOURCE_HEADINGS, "ar/week01/01-1.md": COMMENTED_SOURCE_HEADINGS}
    root = site.write_course(tmp_path / "course", notes)
    report = site.build(root, search=search.available())
    page = (root / "_site" / "ar/week01/01-1/index.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", page, re.S)
    assert [re.sub(r"<[^>]+>|▶.*", "", text).strip() for _, text in headings] == [
        "ملاحظة",  # the note's title
        "في هذه الصفحة",  # the contents' own title
        "الطاقة",
        "الهوامش",
    ]
    contents = page[page.index('<nav class="toc"') :]
    contents = contents[: contents.index("</nav>")]
    assert re.findall(r'<a href="#([^"]*)">', contents) == ["الطاقة", "الهوامش"]
    assert "Energy" not in contents and "Margins" not in contents
    if report.search_indexed:
        anchors = _search_anchors(root / "_site", "/ar/week01/01-1/")
        assert [(a["element"], a["text"]) for a in anchors] == [("h2", "الطاقة"), ("h3", "الهوامش")]


def _internal_links(out: Path) -> list[tuple[Path, str]]:
    found = []
    for page in out.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        for url in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            if url.startswith(("http://", "https://", "mailto:", "#", "//")):
                continue
            found.append((page, url))
    return found


def _resolves(out: Path, page: Path, url: str) -> bool:
    path = unquote(urlsplit(url).path)
    if not path:
        return True
    target = out / path.lstrip("/") if path.startswith("/") else page.parent / path
    return target.is_file() or (target / "index.html").is_file()


@pytest.mark.slow
def test_every_internal_link_resolves(mini: Path, site) -> None:
    site.build(mini)
    out = mini / "_site"
    broken = [
        (str(p.relative_to(out)), u) for p, u in _internal_links(out) if not _resolves(out, p, u)
    ]
    assert not broken


@pytest.mark.slow
def test_without_pagefind_no_page_links_the_search_bundle(
    mini: Path, site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlcourse.site import search

    monkeypatch.setattr(search, "binary", lambda: None)  # the search extra is not installed
    report = site.build(mini, search=True)
    out = mini / "_site"
    assert not report.search_indexed and not (out / "pagefind").exists()
    pages = sorted(out.glob("*/search/index.html"))
    assert [page.parent.parent.name for page in pages] == ["ar", "en"]
    assert all("pagefind" not in page.read_text(encoding="utf-8") for page in pages)
    broken = [
        (str(p.relative_to(out)), u) for p, u in _internal_links(out) if not _resolves(out, p, u)
    ]
    assert not broken


def test_the_example_site_is_byte_identical_to_its_golden_manifest(example_site: Path) -> None:
    """A refactor of the builder leaves every file of the example's site as it was."""
    if not search.available():
        pytest.skip("the golden site has its search page; install the search extra")
    assert_matches_golden("example-site.json", site_manifest(example_site))


def test_every_internal_link_of_the_example_resolves(example_site: Path) -> None:
    links = _internal_links(example_site)
    assert len(links) > 50
    broken = [
        (str(p.relative_to(example_site)), u)
        for p, u in links
        if not _resolves(example_site, p, u) and "__livereload" not in u
    ]
    assert not broken


@pytest.mark.slow
def test_unchanged_rebuild_does_nothing_and_one_edit_rewrites_little(mini: Path, site) -> None:
    first = site.build(mini)
    assert first.notes_parsed == 4 and not first.up_to_date
    again = site.build(mini)
    assert again.up_to_date and again.notes_parsed == 0
    note = mini / "docs/en/week01/01-2.md"
    note.write_text(NOTE2.replace("Text with", "Edited text with"))
    edited = site.build(mini)
    assert edited.notes_parsed == 1
    assert edited.pages_rendered <= 2  # the note page (and nothing whose content is unchanged)
    assert "Edited text" in (mini / "_site/en/week01/01-2/index.html").read_text()


@pytest.mark.slow
def test_strict_fails_and_keeps_the_previous_site(mini: Path, site) -> None:
    site.build(mini)
    index = mini / "_site/en/week01/01-1/index.html"
    before = index.read_text()
    note = mini / "docs/en/week01/01-1.md"
    note.write_text(NOTE.replace("Inline", "Changed"))
    with pytest.raises(BuildError, match="strict"):
        site.build(mini, strict=True)
    assert index.read_text() == before


@pytest.mark.slow
def test_a_crashing_build_leaves_the_previous_site(mini: Path, monkeypatch, site) -> None:
    site.build(mini)
    out = mini / "_site"

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    before = snapshot()
    # a new note: the whole tree is rebuilt beside the old one, and the copy fails
    (mini / "docs/en/week01/01-3.md").write_text(NOTE2.replace("ch.01-2", "ch.01-3"))

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(site_tree, "copy_static", explode)
    with pytest.raises(RuntimeError):
        site.build(mini)
    assert snapshot() == before
    assert not list(mini.glob("._site.*"))  # no temporary folder left behind
    monkeypatch.undo()
    # an edit whose page fails to lay out: nothing is written at all
    (mini / "docs/en/week01/01-3.md").unlink()
    (mini / "docs/en/week01/01-2.md").write_text(NOTE2 + "\nmore\n")
    monkeypatch.setattr(page_models.SiteModel, "note", explode)
    with pytest.raises(RuntimeError):
        site.build(mini)
    assert snapshot() == before


@pytest.mark.slow
def test_checker_findings_are_build_warnings(mini: Path, site) -> None:
    """The checker's maths, figure, safety and encoding rules run on the site's own parse."""
    note = mini / "docs/en/week01/01-2.md"
    note.write_text(
        NOTE2
        + "\n<script>alert(1)</script>\n\n![gone](missing.png)\n\n$\\frac{a}{$ and \u200bzw\n"
        + "\n<!-- dlcourse-disable-next-line FIG002 -->\n![](../../images/a.png)\n"
    )
    report = site.build(mini)
    found = {(w.path, w.line, w.rule) for w in report.warnings}
    rel = "docs/en/week01/01-2.md"
    assert (rel, 10, "HTML001") in found
    assert (rel, 12, "FIG001") in found
    assert (rel, 14, "MATH004") in found
    assert (rel, 14, "ENC003") in found
    assert not any(w.rule == "FIG002" for w in report.warnings)  # pragma honoured
    assert ("docs/en/week01/01-1.md", 23, "MATH003") in found
    # one message per broken formula: the site's own maths warning gives way to MATH003/MATH004
    assert sum(1 for w in report.warnings if w.line == 23) == 1
    assert "docs/en/week01/01-2.md:12: FIG001 image 'missing.png'" in "\n".join(
        str(w) for w in report.warnings
    )
    # an unchanged rebuild reports the same warnings from the manifest
    again = site.build(mini)
    assert again.up_to_date and set(again.warnings) == set(report.warnings)
    # --strict: the findings are errors, the site on disk is the last good one
    page = (mini / "_site/en/week01/01-2/index.html").read_text()
    note.write_text(note.read_text() + "\nMore.\n")
    with pytest.raises(BuildError) as failure:
        site.build(mini, strict=True)
    assert any(w.rule == "HTML001" for w in failure.value.warnings)
    assert (mini / "_site/en/week01/01-2/index.html").read_text() == page
    # rule settings of course.toml apply to the build too
    toml = (mini / "course.toml").read_text()
    (mini / "course.toml").write_text(toml + "\n[notes.rules.FIG001]\nenabled = false\n")
    assert not any(w.rule == "FIG001" for w in site.build(mini).warnings)


@pytest.mark.slow
def test_figure_warning_goes_when_the_image_appears(mini: Path, site) -> None:
    note = mini / "docs/en/week01/01-2.md"
    note.write_text(NOTE2 + "\n![later](../../images/later.png)\n")
    assert any(w.rule == "FIG001" for w in site.build(mini).warnings)
    (mini / "docs/images/later.png").write_bytes(b"\x89PNG")
    assert not any(w.rule == "FIG001" for w in site.build(mini).warnings)


@pytest.mark.slow
def test_calendar_is_the_course_writer_and_byte_stable(mini: Path, site) -> None:
    from icalendar import Calendar

    site.build(mini)
    data = (mini / "_site/course.ics").read_bytes()
    calendar = Calendar.from_ical(data)
    events = [c for c in calendar.walk("VEVENT")]
    meetings = sorted(
        (e.decoded("dtstart").isoformat(), str(e["summary"]))
        for e in events
        if "due" not in str(e["summary"])
    )
    assert meetings == [  # both Monday meetings of the term, in the course zone
        ("2020-01-27T16:55:00-05:00", "T 1 week 1: Lecture"),
        ("2020-02-03T16:55:00-05:00", "T 1 week 2: Lecture"),
    ]
    assert any("scribe notes for 01-1" in str(e["summary"]) for e in events)
    # a rebuild after an edit writes the same calendar bytes (fixed DTSTAMP)
    (mini / "docs/en/week01/01-2.md").write_text(NOTE2 + "\nEdited.\n")
    site.build(mini)
    assert (mini / "_site/course.ics").read_bytes() == data


@pytest.mark.slow
def test_parallel_and_serial_builds_agree(tmp_path: Path, site, monkeypatch) -> None:
    monkeypatch.setattr(note_bodies, "PARALLEL_THRESHOLD", 4)
    monkeypatch.setattr(page_layout, "PARALLEL_THRESHOLD", 4)  # fork for bodies and layout
    notes = {
        f"en/week{w:02d}/{w:02d}-{k}.md": f"---\ntitle: N{w}-{k}\n---\n\n## H\n\n"
        f"$x_{w}^{k}$ and $\\vect{{v}}$\n"
        for w in range(1, 10)
        for k in (1, 2, 3)
    }
    serial = site.write_course(tmp_path / "a", notes)
    parallel = site.write_course(tmp_path / "b", notes)
    site.build(serial, jobs=1)
    report = site.build(parallel, jobs=2)
    assert report.notes_parsed == 27
    for page in (serial / "_site").rglob("*.html"):
        rel = page.relative_to(serial / "_site")
        assert page.read_text() == (parallel / "_site" / rel).read_text(), rel


def test_example_build_goes_to_cwd_not_the_package(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from dlcourse.cli import app
    from dlcourse.course import example_course_dir

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["build", "--no-search", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "_site" / "index.html").is_file()
    assert not (example_course_dir() / "_site").exists()
    assert not (example_course_dir() / ".dlcourse-cache").exists()


def test_build_warnings_print_one_line_each_and_verbatim() -> None:
    import io

    from rich.console import Console

    from dlcourse.cli.site_output import print_warnings
    from dlcourse.site.build_warnings import BuildWarning

    warnings = [
        BuildWarning("en/week01/01-1.md", 12, "image '[see below]' a[/]b " + "x" * 120, "FIG002"),
        BuildWarning("en/week01/01-2.md", None, "cannot read [bold]", ""),
    ]
    stream = io.StringIO()
    print_warnings(Console(file=stream, width=40, color_system=None), warnings)
    lines = stream.getvalue().splitlines()
    assert lines == [f"warning {warning}" for warning in warnings]


def test_schedule_shows_each_day_off_once_where_it_falls(example_site: Path) -> None:
    """Presidents' Day is a row of week 4 (it removed the lecture); spring break removed a whole
    week, so it stands between weeks 7 and 8; no list at the bottom repeats either."""
    from tests.site.schedule_page import schedule_sections, where_shown

    html = (example_site / "schedule" / "index.html").read_text(encoding="utf-8")
    assert where_shown(html, "Presidents&#39; Day (no lecture)") == ["week 4"]
    assert where_shown(html, "Spring break") == ["off"]
    names = [name for name, _ in schedule_sections(html)]
    assert names[names.index("off") - 1 : names.index("off") + 2] == ["week 7", "off", "week 8"]
    spring_break = dict(schedule_sections(html))["off"]
    assert '<time datetime="2020-03-16">' in spring_break
    assert '<time datetime="2020-03-22">' in spring_break and "No class" in spring_break
