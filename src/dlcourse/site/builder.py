"""``dlcourse build``: the course folder → a static site, atomically, incrementally, in parallel.

Steps: discover the sources (:mod:`.sources`); if nothing changed since the last build (stat
fingerprint), stop. Otherwise parse every changed note once with the notes parser and render its
body (:mod:`.render`, in worker processes for big builds); lay out every page with Jinja; write
the new site into a temporary folder beside the output, hard-linking files whose content did not
change; index it for search; then swap it in. A failure (or ``strict`` with warnings) leaves the
previous site as it was.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from dlcourse.course import Course
from dlcourse.course.layout import CACHE_FOLDER, is_example, writable_root
from dlcourse.site import pages as page_models
from dlcourse.site.build_warnings import NoteChecker
from dlcourse.site.i18n import Translator
from dlcourse.site.mathml import MathCache
from dlcourse.site.note_html import RenderContext, relative_target, render_note
from dlcourse.site.sources import SiteSources, SourceFile, discover
from dlcourse.util.workers import frozen_heap

SITE_DIR = Path(__file__).resolve().parent
BUILD_FORMAT = "site-6"
PARALLEL_THRESHOLD = 24  # notes to render before worker processes pay for themselves


class BuildError(Exception):
    """The build stopped; the previous site is untouched."""

    def __init__(self, message: str, warnings: list[BuildWarning] | None = None) -> None:
        super().__init__(message)
        self.warnings = warnings or []


@dataclass(frozen=True)
class BuildWarning:
    path: str  # relative to the course folder
    line: int | None
    message: str
    rule: str = ""  # the checker's rule id (MATH003, FIG001, …); "" for the site's own
    severity: str = "warning"  # the checker's severity: "error" findings also just warn here

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.rule + ' ' if self.rule else ''}{self.message}"


@dataclass
class BuildReport:
    out_dir: Path
    pages: int = 0
    pages_rendered: int = 0
    notes_parsed: int = 0
    formulas: int = 0
    formulas_rendered: int = 0
    warnings: list[BuildWarning] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    search_indexed: bool = False


@dataclass
class BuildOptions:
    out_dir: Path
    cache_dir: Path
    strict: bool = False
    search: bool = True
    jobs: int | None = None
    live_reload: bool = False
    # serve: after a small in-place change, re-index search in a background thread (the pages
    # are live at once, search catches up in ~2 s); build always indexes before it returns
    background_search: bool = False
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)


def default_out_dir(course: Course, cwd: Path | None = None) -> Path:
    """The course's ``[site] output_dir``, under the current folder for the embedded example
    (never inside the installed package)."""
    return writable_root(course.root, cwd) / course.site.output_dir


def default_cache_dir(course: Course, out_dir: Path) -> Path:
    if is_example(course.root):
        return out_dir.parent / CACHE_FOLDER / out_dir.name
    return course.root / CACHE_FOLDER / "site"


def _hash(*parts: str | bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _package_key() -> str:
    """Changes when the site's code, templates or static files change."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(SITE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.name}{stat.st_mtime_ns}{stat.st_size}".encode())
    notes = SITE_DIR.parent / "notes"
    for path in sorted([*notes.glob("*.py"), *notes.glob("rules/*.py")]):
        digest.update(f"{path.name}{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------
# rendering of note bodies (runs in workers for big builds)

_WORKER: dict[str, Any] = {}


def _render_note(item: tuple[str, str, str, str]) -> tuple[str, dict[str, Any]]:
    """Parse one note with the notes parser, render its body and run the checker's site rules
    on the same parse. Returns what the page needs."""
    from dlcourse.notes.document import parse_note

    docs_rel, lang, path, display = item
    course: Course = _WORKER["course"]
    maths: MathCache = _WORKER["maths"]
    document = parse_note(
        Path(path), docs_dir=course.docs_dir, course=course, language=lang, words=False
    )
    url_of: dict[str, str] = _WORKER["url_of"]
    base = course.site.base_url
    translator = Translator(lang)

    def resolve(href: str) -> str | None:
        target = relative_target(docs_rel, href)
        if target is None:
            return None
        for candidate in (target, target + ".md", target.removesuffix("/") + ".md"):
            if candidate in url_of:
                return url_of[candidate] + _fragment(href)
        if target in _WORKER["assets"]:  # an image beside the notes, written relative to the file
            return base + target
        return None

    context = RenderContext(
        base_url=base,
        macros=course.notes.macros,
        resolve_link=resolve,
        maths=maths,
        embed_videos=course.site.embed_videos,
        play_label=translator("play"),
        watch_label=translator("watch", t="{t}"),
    )
    body = render_note(document, context)
    checker: NoteChecker | None = _WORKER.get("checker")
    if checker is None:
        checker = _WORKER["checker"] = NoteChecker(course)
    findings = checker.warnings(document, display)
    # the site's own maths messages say what MATH003/MATH004 say: keep one per line
    maths_lines = {line for line, _m, rule, _s in findings if rule in checker.maths_rules}
    warnings = findings + [
        [line, message, "", "warning"]
        for line, message in body.warnings
        if line not in maths_lines or not message.startswith("maths:")
    ]
    result = {
        "html": body.html,
        "toc": [[s.anchor, s.title, s.level, s.video, s.start] for s in body.toc if s.level <= 3],
        "stamps": [[s.video, s.start] for s in body.toc if s.video],
        "warnings": sorted(warnings, key=lambda w: (w[0] or 0, w[2])),
        "formulas": body.formulas,
        "front": dict(document.front_matter),
    }
    return docs_rel, result


def _render_group(
    group: list[tuple[str, str, str, str]],
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """Render a group of notes in one worker; also hand back the formulas it converted."""
    maths: MathCache = _WORKER["maths"]
    before = len(maths.new)
    done = [_render_note(item) for item in group]
    new = dict(itertools.islice(maths.new.items(), before, None))
    return done, new


def _groups(items: list[tuple[str, str, str, str]]) -> list[list[tuple[str, str, str, str]]]:
    """The notes grouped by their path under the language folder (``week02/02-1.md``): the
    translations of one note share most formulas, so one worker converts each of them once.
    Largest groups first, so the workers finish together."""
    groups: dict[str, list[tuple[str, str, str, str]]] = {}
    sizes: dict[str, int] = {}
    for item in items:
        key = item[0].split("/", 1)[-1]
        groups.setdefault(key, []).append(item)
        sizes[key] = sizes.get(key, 0) + _size(item[2])
    return [groups[key] for key in sorted(groups, key=lambda k: -sizes[k])]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _warm_up() -> None:
    """What every worker needs, made before the fork (once, not once per worker)."""
    from dlcourse.notes import tex as notes_tex
    from dlcourse.notes.markdown import shared_markdown

    shared_markdown()
    notes_tex.render("x")
    if "checker" not in _WORKER:
        _WORKER["checker"] = NoteChecker(_WORKER["course"])


def _fragment(href: str) -> str:
    return "#" + href.split("#", 1)[1] if "#" in href else ""


def _render_all(
    items: list[tuple[str, str, str, str]],
    options: BuildOptions,
    meanwhile: Callable[[], None] = lambda: None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Render the notes, in forked workers for many; ``meanwhile`` runs here while they do."""
    results: dict[str, dict[str, Any]] = {}
    new_maths: dict[str, Any] = {}
    jobs = options.jobs or os.cpu_count() or 1
    total = len(items)
    if jobs > 1 and total >= PARALLEL_THRESHOLD and _can_fork():
        _warm_up()
        with _forked_pool(jobs) as pool:
            futures = [pool.submit(_render_group, group) for group in _groups(items)]
            meanwhile()
            for future in concurrent.futures.as_completed(futures):
                done, new = future.result()
                results.update(done)
                new_maths.update(new)
                if options.progress:
                    options.progress("render", len(results), total)
        return {item[0]: results[item[0]] for item in items}, new_maths
    maths: MathCache = _WORKER["maths"]
    before = len(maths.new)
    for done, item in enumerate(items, 1):
        key, result = _render_note(item)
        results[key] = result
        if options.progress:
            options.progress("render", done, total)
    new_maths.update(itertools.islice(maths.new.items(), before, None))
    return results, new_maths


# ------------------------------------------------------------------------------------------
# the build


class _State:
    """What the previous build left in the cache folder."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "manifest.json"
        self.data: dict[str, Any] = {}
        try:
            self.data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.data = {}
        if self.data.get("format") != BUILD_FORMAT:
            self.data = {}

    def get(self, key: str, default: Any) -> Any:
        return self.data.get(key, default)


def build_site(course: Course, options: BuildOptions) -> BuildReport:
    started = time.perf_counter()
    out_dir = options.out_dir.resolve()
    cache_dir = options.cache_dir
    report = BuildReport(out_dir)
    sources = discover(course)
    home_path = course.home_page_path
    notes_key = _hash(course._source, _package_key(), BUILD_FORMAT)  # what bodies depend on
    config_key = _hash(
        notes_key,
        home_path.read_bytes() if home_path and home_path.exists() else b"",
        str(options.search),
        str(options.live_reload),
    )
    fingerprint = _hash(config_key, sources.fingerprint())
    state = _State(cache_dir)
    if (
        state.get("fingerprint", None) == fingerprint
        and (out_dir / "index.html").exists()
        and not (options.strict and state.get("warnings", []))
    ):
        report.up_to_date = True
        report.pages = state.get("pages", 0)
        report.warnings = [BuildWarning(*w) for w in state.get("warnings", [])]
        report.seconds = time.perf_counter() - started
        return report

    # 1. which notes changed (content hash; stat first, so unchanged files are not read).
    # A body also depends on which pages and assets exist: links and figures resolve to them.
    links_key = _hash(
        "\n".join(sorted(f.docs_rel for f in sources.files)),
        "\n".join(rel for rel, *_rest in sources.assets),
    )
    old_files: dict[str, Any] = state.get("files", {})
    bundle = _Bundle(cache_dir / "bodies.pickle")
    known_bodies = set(state.get("bodies", [])) if bundle.exists() else set()
    files_now: dict[str, Any] = {}
    to_render: list[SourceFile] = []
    for source in sources.files:
        old = old_files.get(source.docs_rel)
        if old and old["mtime"] == source.mtime_ns and old["size"] == source.size:
            content_hash = old["hash"]
        else:
            content_hash = _hash(source.path.read_bytes())
        body_key = _hash(content_hash, notes_key, links_key)
        files_now[source.docs_rel] = {
            "mtime": source.mtime_ns,
            "size": source.size,
            "hash": content_hash,
            "body": body_key,
        }
        if body_key not in known_bodies:
            to_render.append(source)

    url_of = {f.docs_rel: course.site.base_url + f.url_path for f in sources.files}
    bodies: dict[str, dict[str, Any]] = {}

    environment = _environment()

    def compile_templates() -> None:  # while the workers render (the layout needs them)
        for name in environment.list_templates(extensions=["html"]):
            environment.get_template(name)

    def render(
        to_render: list[SourceFile],
        options: BuildOptions,
        meanwhile: Callable[[], None] = lambda: None,
    ) -> None:
        maths_path = cache_dir / "maths.pickle"
        try:
            maths_entries = pickle.loads(maths_path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            maths_entries = {}
        maths = MathCache(maths_entries)
        _WORKER.update(
            course=course,
            maths=maths,
            url_of=url_of,
            assets={rel for rel, *_rest in sources.assets},
        )
        items = [
            (f.docs_rel, f.lang, str(f.path), _course_relative(course, f.path)) for f in to_render
        ]
        try:
            rendered, new_maths = _render_all(items, options, meanwhile)
        finally:
            _WORKER.clear()
        report.notes_parsed += len(rendered)
        report.formulas_rendered += len(new_maths)  # each converted formula once
        for docs_rel, body in rendered.items():
            bundle.put(files_now[docs_rel]["body"], body)
            bodies[docs_rel] = body
        if new_maths or maths.new:
            maths.entries.update(new_maths)
            _atomic_write(maths_path, pickle.dumps(maths.entries, protocol=5))

    if to_render:
        render(to_render, options, compile_templates)

    # 2. metadata of every note (kept in the manifest, so unchanged notes are never loaded)
    def body_of(docs_rel: str) -> dict[str, Any]:
        if docs_rel not in bodies:
            try:
                bodies[docs_rel] = bundle.get(files_now[docs_rel]["body"])
            except KeyError:  # the cache lost it (deleted, damaged): render it again
                source = next(f for f in sources.files if f.docs_rel == docs_rel)
                render([source], dataclasses.replace(options, jobs=1))
        return bodies[docs_rel]

    for source in sources.files:
        entry = files_now[source.docs_rel]
        old = old_files.get(source.docs_rel)
        if source.docs_rel in bodies or not old or old.get("body") != entry["body"]:
            body = body_of(source.docs_rel)
            entry["meta"] = {
                "front": body["front"],
                "stamps": body["stamps"],
                "warnings": body["warnings"],
                "formulas": body["formulas"],
            }
        else:
            entry["meta"] = old["meta"]
        rel = _course_relative(course, source.path)
        for line, message, rule, severity in entry["meta"]["warnings"]:
            report.warnings.append(BuildWarning(rel, line, message, rule, severity))
        report.formulas += entry["meta"]["formulas"]
    if options.strict and report.warnings:
        raise BuildError(
            f"{len(report.warnings)} warning(s) and --strict: the site was not updated",
            report.warnings,
        )

    def save_bundle() -> None:  # run while the layout workers work
        if bundle.dirty:  # only after --strict had its say: a failed build leaves the cache as is
            bundle.save({entry["body"] for entry in files_now.values()})

    navigation_key = _hash(
        config_key,
        json.dumps(
            sorted((rel, e["meta"]["front"], e["meta"]["stamps"]) for rel, e in files_now.items()),
            ensure_ascii=False,
            default=str,
        ),
    )

    # 3. lay out every page whose dependencies changed (in memory first: a template error
    # cannot leave a half-written site), in worker processes when there are many
    site = page_models.SiteModel(
        course, sources, body_of, lambda rel: files_now[rel]["meta"], environment, options
    )
    old_deps: dict[str, str] = state.get("page_deps", {})
    new_deps: dict[str, str] = {}
    old_pages: dict[str, str] = state.get("pages_hashes", {})
    new_pages: dict[str, str] = {}
    outputs = site.outputs()
    changed: dict[str, bytes | None] = {}  # None: already written into the new tree
    kept: list[str] = []
    todo: list[int] = []
    for index, (rel, note, _producer) in enumerate(outputs):
        dependency = _hash(navigation_key, files_now[note]["body"] if note else "")
        new_deps[rel] = dependency
        if old_deps.get(rel) == dependency and rel in old_pages and (out_dir / rel).exists():
            new_pages[rel] = old_pages[rel]  # nothing it depends on changed: not even rendered
            kept.append(rel)
        else:
            todo.append(index)
    # a cold build (no site yet) can only rebuild the whole tree: the layout workers write their
    # pages straight into the new tree (in parallel, nothing sent back), removed on any failure
    direct = None if out_dir.exists() else _new_tree(out_dir)
    try:
        for rel, digest, data in _layout(site, outputs, todo, options, direct, save_bundle):
            new_pages[rel] = digest
            if old_pages.get(rel) == digest and (out_dir / rel).exists():
                kept.append(rel)
            else:
                changed[rel] = data
    except BaseException:
        if direct is not None:
            shutil.rmtree(direct, ignore_errors=True)
        raise
    report.pages = sum(1 for rel in new_pages if rel.endswith(".html"))
    report.pages_rendered = len(changed)
    old_assets = state.get("assets", {})
    assets_now = {rel: [mtime, size] for rel, _p, mtime, size in sources.assets}
    small_change = (
        out_dir.exists()
        and set(new_pages) == set(old_pages)
        and assets_now == old_assets
        and len(changed) <= max(8, len(new_pages) // 50)
    )
    if small_change:
        _patch(out_dir, changed, options, report)
    else:
        _rebuild_tree(out_dir, changed, kept, sources, old_assets, options, report, direct)
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": BUILD_FORMAT,
        "fingerprint": fingerprint,
        "files": files_now,
        "pages_hashes": new_pages,
        "page_deps": new_deps,
        "pages": report.pages,
        "assets": assets_now,
        "warnings": [[w.path, w.line, w.message, w.rule, w.severity] for w in report.warnings],
        "bodies": sorted({entry["body"] for entry in files_now.values()}),
    }
    _atomic_write(state.path, json.dumps(manifest).encode())
    report.seconds = time.perf_counter() - started
    return report


def _course_relative(course: Course, path: Path) -> str:
    """How warnings name a file: its path under the course folder."""
    try:  # discovered under the course folder: no file-system calls (resolve() lstats each part)
        return path.relative_to(course.root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(course.root).as_posix()
    except ValueError:
        return path.as_posix()


class _Bundle:
    """Every rendered note body in one pickle (one file to read and write, not one per note),
    keyed by the body's content key, plus an append-only journal so that a one-note edit
    appends one record instead of rewriting the bundle. Loaded only when a body is needed; a
    torn journal record (a crash mid-append) ends the journal, and a body missing from the
    bundle is simply rendered again."""

    JOURNAL_LIMIT = 64  # records before the journal is folded into the bundle

    def __init__(self, path: Path) -> None:
        self.path = path
        self.journal = path.with_suffix(".journal")
        self._entries: dict[str, dict[str, Any]] | None = None
        self.new: dict[str, dict[str, Any]] = {}

    @property
    def dirty(self) -> bool:
        return bool(self.new)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            try:
                self._entries = pickle.loads(self.path.read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, ValueError):
                self._entries = {}
            self._journal_records = 0
            try:
                with self.journal.open("rb") as stream:
                    while True:
                        key, body = pickle.load(stream)
                        self._entries[key] = body
                        self._journal_records += 1
            except (OSError, pickle.UnpicklingError, EOFError, ValueError):
                pass
            self._entries.update(self.new)
        return self._entries

    def get(self, key: str) -> dict[str, Any]:
        if key in self.new:
            return self.new[key]
        return self.entries[key]

    def put(self, key: str, body: dict[str, Any]) -> None:
        self.new[key] = body
        if self._entries is not None:
            self._entries[key] = body

    def save(self, live: set[str]) -> None:
        journal_size = self.journal.stat().st_size if self.journal.exists() else 0
        if self.path.exists() and len(self.new) <= 8 and journal_size < 4 << 20:
            with self.journal.open("ab") as stream:
                for key, body in self.new.items():
                    stream.write(pickle.dumps((key, body), protocol=5))
                stream.flush()
            return
        kept = {key: body for key, body in self.entries.items() if key in live}
        _atomic_write(self.path, pickle.dumps(kept, protocol=5))
        self.journal.unlink(missing_ok=True)


_LAYOUT: dict[str, Any] = {}


def _produce(indices: list[int]) -> list[tuple[str, str, bytes | None]]:
    """Lay out pages: ``(path, content hash, bytes)``, or ``None`` for the bytes when the page
    was written straight into the new tree (``_LAYOUT["direct"]``)."""
    outputs = _LAYOUT["outputs"]
    direct: Path | None = _LAYOUT.get("direct")
    made: set[Path] = set()
    done: list[tuple[str, str, bytes | None]] = []
    for index in indices:
        rel, _note, producer = outputs[index]
        content = producer()
        data = content.encode() if isinstance(content, str) else content
        if direct is None:
            done.append((rel, _hash(data), data))
            continue
        target = direct / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        done.append((rel, _hash(data), None))
    return done


def _layout(
    site: page_models.SiteModel,
    outputs: list[tuple[str, str | None, page_models.Producer]],
    todo: list[int],
    options: BuildOptions,
    direct: Path | None = None,
    meanwhile: Callable[[], None] = lambda: None,
) -> list[tuple[str, str, bytes | None]]:
    """Run the producers of the pages in ``todo``; forked workers share the navigation, which
    is computed once here before the fork. With ``direct``, pages are written there.
    ``meanwhile`` runs in this process while the workers lay out (before, without workers)."""
    jobs = options.jobs or os.cpu_count() or 1
    _LAYOUT["outputs"] = outputs
    _LAYOUT["direct"] = direct
    try:
        if jobs > 1 and len(todo) >= PARALLEL_THRESHOLD * 4 and _can_fork():
            site.prepare()
            # contiguous runs, not every jobs-th page: each worker then makes the folders of
            # its own languages, and the two rarely wait on each other's parent folder lock
            size = -(-len(todo) // jobs)
            chunks = [todo[start : start + size] for start in range(0, len(todo), size)]
            with _forked_pool(jobs) as pool:
                futures = [pool.submit(_produce, chunk) for chunk in chunks]
                meanwhile()
                return [page for future in futures for page in future.result()]
        meanwhile()
        pages = []
        for done, index in enumerate(todo, 1):
            pages.extend(_produce([index]))
            if options.progress and done % 50 == 0:
                options.progress("layout", done, len(todo))
        return pages
    finally:
        _LAYOUT.clear()


@contextlib.contextmanager
def _forked_pool(jobs: int) -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    """Forked workers that inherit what the parent made (its heap frozen: see
    :func:`dlcourse.util.workers.frozen_heap`)."""
    with frozen_heap():
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield pool


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _rebuild_tree(
    out_dir: Path,
    changed: dict[str, bytes | None],
    kept: list[str],
    sources: SiteSources,
    old_assets: dict[str, list[int]],
    options: BuildOptions,
    report: BuildReport,
    temp: Path | None = None,
) -> None:
    """Write a whole new site beside the old one (unchanged files hard-linked), then swap.
    ``temp``: the new tree, already made (and holding the pages whose bytes are ``None``)."""
    if temp is None:
        temp = _new_tree(out_dir)
    made: set[Path] = set()

    def folder(path: Path) -> None:
        if path not in made:
            path.mkdir(parents=True, exist_ok=True)
            made.add(path)

    try:
        for rel in kept:
            target = temp / rel
            folder(target.parent)
            os.link(out_dir / rel, target)
        for rel, data in changed.items():
            if data is None:
                continue
            target = temp / rel
            folder(target.parent)
            target.write_bytes(data)
        _copy_assets(sources, out_dir, temp, old_assets)
        _copy_static(out_dir, temp)
        report.search_indexed = _search_index(
            temp, out_dir, options, changed=bool(changed) or not out_dir.exists()
        )
        _swap(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _new_tree(out_dir: Path) -> Path:
    temp = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir(parents=True)
    return temp


def _patch(
    out_dir: Path, changed: dict[str, bytes | None], options: BuildOptions, report: BuildReport
) -> None:
    """A few pages changed and no file appeared or vanished: replace those files in place, each
    atomically (written beside, then renamed). Everything was rendered before the first write."""
    for rel, data in changed.items():
        assert data is not None  # bytes are only written ahead into a new tree
        _atomic_write(out_dir / rel, data)
    if changed and options.search:
        from dlcourse.site import search

        if search.available():
            # Pagefind cannot update an index in place: it re-reads every page (~2 s for 600)
            if options.background_search:
                search.index_in_background(out_dir)
            else:
                search.index(out_dir)  # Pagefind writes its fragments, then its entry file
            report.search_indexed = True
    else:
        report.search_indexed = (out_dir / "pagefind").is_dir()


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(SITE_DIR / "templates")),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".tmp{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _copy_assets(
    sources: SiteSources, out_dir: Path, temp: Path, old: dict[str, list[int]]
) -> None:
    for rel, path, mtime, size in sources.assets:
        target = temp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        previous = out_dir / rel
        if old.get(rel) == [mtime, size] and previous.exists():
            os.link(previous, target)
        else:
            shutil.copyfile(path, target)


def _copy_static(out_dir: Path, temp: Path) -> None:
    for path in (SITE_DIR / "static").iterdir():
        target = temp / "static" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _search_index(temp: Path, out_dir: Path, options: BuildOptions, changed: bool) -> bool:
    from dlcourse.site import search

    if not options.search or not search.available():
        return False
    previous = out_dir / "pagefind"
    if not changed and previous.is_dir():
        shutil.copytree(previous, temp / "pagefind", copy_function=os.link)
        return True
    search.index(temp)
    return True


def _swap(temp: Path, out_dir: Path) -> None:
    """Put the new site in place: two renames, the old one removed afterwards."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(temp, out_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
