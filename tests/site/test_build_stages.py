"""Each stage of the build alone: discover, parse, render, lay out, write/swap, and the caches
between builds (data only, verified, ignored when they do not verify)."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import pytest

from dlcourse.course import load_course
from dlcourse.site import builder, site_tree
from dlcourse.site.app import options_for
from dlcourse.site.build_cache import MANIFEST, STORE, BuildState, NoteRecord, RenderCache
from dlcourse.site.build_warnings import BuildWarning
from dlcourse.site.mathml import MathCache
from dlcourse.site.note_bodies import (
    NoteBody,
    NoteMeta,
    NoteToRender,
    RenderInputs,
    render_body,
    render_notes,
)
from dlcourse.site.output_folder import MARKER, mark
from dlcourse.site.page_layout import navigation_key, plan_pages
from dlcourse.util.files import exchange_paths

NOTE = "---\ntitle: One\n---\n\n## Start\n\nText $x^2$ and $\\partiel y$.\n"
OTHER = "---\ntitle: Two\n---\n\nMore text.\n"


@pytest.fixture()
def course_dir(tmp_path: Path, site) -> Path:
    return site.write_course(
        tmp_path / "course", {"en/week01/01-1.md": NOTE, "en/week01/01-2.md": OTHER}
    )


def _options(root: Path):
    course = load_course(root)
    return course, options_for(course, root / "_site")  # as site.build makes them


def test_discover_sees_an_up_to_date_site_and_any_change(course_dir: Path, site) -> None:
    course, options = _options(course_dir)
    assert not builder.discover_stage(course, options).up_to_date  # never built
    site.build(course_dir)
    course, options = _options(course_dir)
    found = builder.discover_stage(course, options)
    assert found.up_to_date and len(found.sources.files) == 2
    (course_dir / "docs/en/week01/01-2.md").write_text(OTHER + "\nMore.\n")
    assert not builder.discover_stage(course, options).up_to_date
    # --strict does not call a site with warnings up to date: it must fail again
    site.build(course_dir)
    course, options = _options(course_dir)
    options.strict = True
    assert not builder.discover_stage(course, options).up_to_date


def test_parse_reads_only_changed_notes_and_keys_bodies_by_note(course_dir: Path, site) -> None:
    site.build(course_dir)
    course, options = _options(course_dir)
    changed = course_dir / "docs/en/week01/01-2.md"
    changed.write_text(OTHER + "\nMore.\n")
    found = builder.discover_stage(course, options)
    changes = builder.parse_stage(found, known_bodies=set())
    assert set(changes.data) == {"en/week01/01-2.md"}  # the unchanged note was not read
    assert changes.data["en/week01/01-2.md"] == changed.read_bytes()
    assert len(changes.to_render) == 2  # no body known: both rendered
    # the same bytes in another note (or language) are another body: links and labels differ
    twin = course_dir / "docs/en/week01/01-3.md"
    twin.write_bytes(changed.read_bytes())
    found = builder.discover_stage(load_course(course_dir), options)
    records = builder.parse_stage(found, set()).records
    assert records["en/week01/01-3.md"].hash == records["en/week01/01-2.md"].hash
    assert records["en/week01/01-3.md"].body != records["en/week01/01-2.md"].body


def _inputs(course_dir: Path, data: dict[str, bytes] | None = None) -> RenderInputs:
    course = load_course(course_dir)
    return RenderInputs(course, MathCache(), {}, frozenset(), data or {})


def test_render_uses_the_bytes_parse_read_and_types_every_warning(course_dir: Path) -> None:
    path = course_dir / "docs/en/week01/01-1.md"
    note = NoteToRender("en/week01/01-1.md", "en", path, "docs/en/week01/01-1.md")
    # the bytes the parse stage read are rendered, the file is not read again
    inputs = _inputs(course_dir, {note.docs_rel: NOTE.replace("Text", "Read once").encode()})
    body = render_body(inputs, note)
    assert "Read once" in body.html and "Text" not in body.html
    assert body.meta.front == {"title": "One"} and body.meta.formulas == 2
    assert [w.rule for w in body.meta.warnings] == ["MATH003"]  # one warning, the checker's
    assert all(isinstance(w, BuildWarning) for w in body.meta.warnings)
    assert body.meta.warnings[0].path == "docs/en/week01/01-1.md"
    assert body.toc[0][:3] == ["start", "Start", 2]


def test_raw_html_maths_is_the_renderers_to_report(course_dir: Path) -> None:
    """The checker reads Markdown maths only; a broken formula inside raw HTML is reported by
    the renderer, once."""
    path = course_dir / "docs/en/week01/01-1.md"
    text = "---\ntitle: T\n---\n\n<table><tr><td>$\\frac{a}{$</td></tr></table>\n"
    inputs = _inputs(course_dir, {"en/week01/01-1.md": text.encode()})
    body = render_body(inputs, NoteToRender("en/week01/01-1.md", "en", path, "x.md"))
    maths = [w for w in body.meta.warnings if "maths" in w.message or w.rule.startswith("MATH")]
    assert len(maths) == 1 and maths[0].rule == "" and maths[0].line == 5, maths


def test_render_in_workers_equals_render_here(tmp_path: Path, site, monkeypatch) -> None:
    from dlcourse.site import note_bodies

    monkeypatch.setattr(note_bodies, "PARALLEL_THRESHOLD", 2)
    notes = {f"en/week0{w}/0{w}-1.md": f"## W{w}\n\n$x_{w}$ $\\vect{{v}}$\n" for w in range(1, 5)}
    root = site.write_course(tmp_path / "c", notes)
    jobs = [NoteToRender(rel, "en", root / "docs" / rel, f"docs/{rel}") for rel in sorted(notes)]
    here = render_notes(_inputs(root), jobs, jobs=1)
    there = render_notes(_inputs(root), jobs, jobs=2)
    assert here.bodies == there.bodies
    assert here.formulas == there.formulas and len(here.formulas) == 5  # each formula once


def test_plan_keeps_pages_whose_inputs_did_not_change(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    (out / "a").mkdir(parents=True)
    (out / "a/index.html").write_text("a")
    (out / "b.html").write_text("b")
    outputs = [("a/index.html", "en/a.md", lambda: "A"), ("b.html", None, lambda: "B")]
    meta = NoteMeta({"title": "A"}, [], [], 0)
    navigation = navigation_key("config", {"en/a.md": meta})
    first, todo = plan_pages(outputs, navigation, {"en/a.md": "body1"}, BuildState(), out)
    assert todo == [0, 1] and not first.kept
    previous = BuildState(page_hashes={"a/index.html": "h1", "b.html": "h2"})
    previous.page_deps = first.page_deps
    again, todo = plan_pages(outputs, navigation, {"en/a.md": "body1"}, previous, out)
    assert todo == [] and again.kept == ["a/index.html", "b.html"]
    edited, todo = plan_pages(outputs, navigation, {"en/a.md": "body2"}, previous, out)
    assert todo == [0] and edited.kept == ["b.html"]  # only the note's page
    retitled = navigation_key("config", {"en/a.md": NoteMeta({"title": "B"}, [], [], 0)})
    assert plan_pages(outputs, retitled, {"en/a.md": "body1"}, previous, out)[1] == [0, 1]


def test_swap_replaces_the_site_and_patch_rewrites_in_place(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    out.mkdir()
    mark(out)  # an earlier build's site
    (out / "old.html").write_text("old")
    temp = site_tree.new_tree(out)
    (temp / "new.html").write_text("new")
    site_tree.swap(temp, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]  # nothing left beside it
    inode = out.stat().st_ino
    site_tree.patch(out, {"new.html": b"patched"})
    assert (out / "new.html").read_bytes() == b"patched" and out.stat().st_ino == inode
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.html"]  # no temporary file


def test_swap_never_deletes_a_folder_dlcourse_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    temp = site_tree.new_tree(out)
    site_tree.swap(temp, out)
    kept = [p for p in tmp_path.rglob("thesis.tex")]
    assert len(kept) == 1 and kept[0].read_text() == "years of work"


def _body(text: str) -> NoteBody:
    warning = BuildWarning("docs/x.md", 3, "m", "MATH004", "error")
    return NoteBody(text, [["a", "A", 2, None, None]], NoteMeta({"t": "x"}, [], [warning], 1))


def test_render_cache_round_trip_and_pruning(tmp_path: Path) -> None:
    with RenderCache.open(tmp_path) as cache:
        cache.put_body("k1", _body("one"))
        cache.put_body("k2", _body("two"))
        cache.save_bodies({"k1", "k2"})
        cache.save_formulas({"f": ("<math/>", True, "")})
    with RenderCache.open(tmp_path) as cache:
        assert cache.body("k1") == _body("one") and cache.body_keys() == {"k1", "k2"}
        assert cache.formulas() == {"f": ("<math/>", True, "")}
        cache.put_body("k3", _body("three"))
        cache.save_bodies({"k1", "k3"})  # k2's note is gone
    with RenderCache.open(tmp_path) as cache:
        assert cache.body_keys() == {"k1", "k3"} and cache.body("k2") is None


def _stored_then_damaged(folder: Path, sql: str) -> RenderCache:
    """A store holding one body, then changed behind the cache's back by ``sql``."""
    with RenderCache.open(folder) as cache:
        cache.put_body("k1", _body("one"))
        cache.save_bodies({"k1"})
    db = sqlite3.connect(folder / STORE)
    with db:
        db.execute(sql)
    db.close()
    return RenderCache.open(folder)


def test_a_cache_that_does_not_verify_is_ignored(tmp_path: Path) -> None:
    # another dlcourse version wrote it: made anew, empty
    with _stored_then_damaged(tmp_path, "UPDATE stamp SET value = '0.0.1'") as cache:
        assert cache.body_keys() == set()
    # a row of the wrong shape is a miss, not a crash
    with _stored_then_damaged(tmp_path, "UPDATE bodies SET body = '{\"html\": 5}'") as cache:
        assert cache.body_keys() == {"k1"} and cache.body("k1") is None
    # a stranger's trigger (SQL that runs on our writes): made anew, the trigger gone
    trigger = "CREATE TRIGGER t AFTER INSERT ON bodies BEGIN DELETE FROM formulas; END"
    with _stored_then_damaged(tmp_path, trigger) as cache:
        assert cache.body_keys() == set()
    db = sqlite3.connect(tmp_path / STORE)
    assert not db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    db.close()
    # not a database at all (a pickle, say): made anew
    (tmp_path / STORE).write_bytes(b"\x80\x04junk that is no database")
    with RenderCache.open(tmp_path) as cache:
        assert cache.body_keys() == set()


def test_manifest_round_trip_and_verification(tmp_path: Path) -> None:
    meta = NoteMeta({"title": "T"}, [["vid", 75]], [BuildWarning("d.md", 2, "m", "R", "error")], 3)
    state = BuildState("fp", {"en/a.md": NoteRecord(1, 2, "h", "b", meta)}, {"a": "x"}, {}, 1)
    state.save(tmp_path)
    loaded = BuildState.load(tmp_path)
    assert loaded == state and loaded.warnings == meta.warnings
    data = json.loads((tmp_path / MANIFEST).read_text())
    for damage in (
        lambda d: d.update(dlcourse="0.0.1"),
        lambda d: d["notes"]["en/a.md"].update(mtime="1"),
        lambda d: d["notes"]["en/a.md"]["meta"]["warnings"][0].__setitem__(1, "2"),
        lambda d: d.update(page_hashes={"a": 1}),
        lambda d: d.pop("assets"),
    ):
        broken = json.loads(json.dumps(data))
        damage(broken)
        (tmp_path / MANIFEST).write_text(json.dumps(broken))
        assert BuildState.load(tmp_path) == BuildState()


def test_exchange_paths_trades_two_folders_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "from-a").write_text("a")
    (second / "from-b").write_text("b")
    if not exchange_paths(first, second):  # not Linux, or a C library without renameat2
        pytest.skip("no atomic exchange here: swap renames in two steps")
    assert [p.name for p in first.iterdir()] == ["from-b"]
    assert [p.name for p in second.iterdir()] == ["from-a"]
    assert not exchange_paths(first, tmp_path / "missing")  # nothing changed, no exception
    assert [p.name for p in first.iterdir()] == ["from-b"]


def test_no_function_of_the_site_is_longer_than_a_screen() -> None:
    # issue 16: the build once was one 210-line function with closures; each stage stays
    # readable on its own
    too_long = []
    for path in sorted(site_tree.SITE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 60:
                    too_long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not too_long


def test_a_build_lists_each_folder_of_the_course_once(
    tmp_path: Path, site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The discover walk lists every folder once, and the figure rules read the names it saw
    (a figure's folder is not listed again to check its letter case)."""
    import os

    figure = "---\ntitle: One\n---\n\n![a plot](../../images/Plot.png) ![b](../../images/x.png)\n"
    root = site.write_course(
        tmp_path / "course", {"en/week01/01-1.md": figure, "ar/week01/01-1.md": OTHER}
    )
    (root / "docs/images").mkdir()
    (root / "docs/images/plot.png").write_bytes(b"png")  # the note says Plot.png
    listed: list[Path] = []
    scandir, listdir = os.scandir, os.listdir

    def counting(real):
        def listing(path="."):
            listed.append(Path(path).resolve())
            return real(path)

        return listing

    monkeypatch.setattr(os, "scandir", counting(scandir))
    monkeypatch.setattr(os, "listdir", counting(listdir))
    report = site.build(root, jobs=1)
    monkeypatch.undo()
    folders = [p for p in listed if p == root.resolve() or root.resolve() in p.parents]
    assert sorted(set(folders)) == sorted(folders)  # none twice
    assert (root / "docs/images").resolve() in folders
    assert any("Plot.png" in w.message and "plot.png" in w.message for w in report.warnings)
    assert any("x.png" in w.message for w in report.warnings)
