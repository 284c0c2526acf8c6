"""``dlcourse build``: the course folder → a static site, atomically, incrementally, in parallel.

The pipeline, each stage a function of plain data (:func:`build_site` reads as this list):

1. **discover** the sources (:mod:`.sources`) and what the previous build left (its manifest);
   if no input changed since (stat fingerprint), stop;
2. **parse**: which notes changed — stat first, then a content hash of those whose stat did; a
   changed note is read once, and those bytes are what gets rendered;
3. **render** every changed note: one parse with the notes parser, its body to safe HTML, the
   checker's site rules on that parse (:mod:`.note_bodies`, in worker processes for many);
4. **collect** every note's metadata and warnings (``--strict`` stops here);
5. **lay out** every page whose inputs changed (:mod:`.page_layout`);
6. **write** the pages (a few in place, else a new tree beside the site), **index** them for
   search and **swap** the new tree in (:mod:`.site_tree`); then save the manifest.

A failure (or ``--strict`` with warnings) leaves the previous site as it was.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dlcourse.course import Course
from dlcourse.course.layout import CACHE_FOLDER, LINK_HINT, is_example, writable_root
from dlcourse.site import site_tree
from dlcourse.site.build_cache import BuildState, NoteRecord, RenderCache, content_key
from dlcourse.site.build_warnings import BuildWarning
from dlcourse.site.note_bodies import (
    NoteBody,
    NoteToRender,
    Progress,
    RenderedNotes,
    RenderInputs,
    render_body,
    render_notes,
)
from dlcourse.site.output_folder import check_output_folder, remove_stale_trees
from dlcourse.site.sources import SiteSources, SourceFile, discover

if TYPE_CHECKING:  # what only a build with something to do needs (the renderer, Jinja, the
    # layout) is imported in its stage: an up-to-date rebuild, what `dlcourse build` most often
    # is, stops after the discover stage, and a whole process then pays for none of it
    from jinja2 import Environment

    from dlcourse.site.page_layout import LaidOut
    from dlcourse.site.pages import SiteModel

SITE_DIR = Path(__file__).resolve().parent

__all__ = ["BuildError", "BuildOptions", "BuildReport", "BuildWarning", "build_site"]


class BuildError(Exception):
    """The build stopped; the previous site is untouched."""

    def __init__(self, message: str, warnings: list[BuildWarning] | None = None) -> None:
        super().__init__(message)
        self.warnings = warnings or []


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
    progress: Progress | None = None  # (stage, done, total)

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1


def default_out_dir(course: Course, cwd: Path | None = None) -> Path:
    """The course's ``[site] output_dir``, under the current folder for the embedded example
    (never inside the installed package)."""
    return writable_root(course.root, cwd) / course.site.output_dir


def default_cache_dir(course: Course, out_dir: Path) -> Path:
    if is_example(course.root):
        return out_dir.parent / CACHE_FOLDER / out_dir.name
    return course.root / CACHE_FOLDER / "site"


def shown_path(course: Course, path: Path) -> str:
    """How warnings name a file: its path under the course folder."""
    try:  # discovered under the course folder: no file-system calls (resolve() lstats)
        return path.relative_to(course.root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(course.root).as_posix()
    except ValueError:
        return path.as_posix()


def _outside_link_warnings(course: Course, sources: SiteSources) -> list[BuildWarning]:
    """Symbolic links under the notes that lead out of the course (or to nothing, or round a
    loop): never followed, always said."""
    return [
        BuildWarning(shown_path(course, link.path), None, f"{link.message}; {LINK_HINT}")
        for link in sources.outside_links
    ]


def build_site(course: Course, options: BuildOptions) -> BuildReport:
    """Build the site of ``course`` as ``options`` say (see the module docstring). Raises
    :class:`CourseError` before anything is written when ``options.out_dir`` is a folder a
    build must not replace (:mod:`.output_folder`)."""
    started = time.perf_counter()
    check_output_folder(course, options.out_dir)
    remove_stale_trees(options.out_dir.resolve())
    found = discover_stage(course, options)
    if found.up_to_date:
        report = BuildReport(found.out_dir, pages=found.previous.pages, up_to_date=True)
        report.warnings = [*_outside_link_warnings(course, found.sources), *found.previous.warnings]
        report.seconds = time.perf_counter() - started
        return report
    from dlcourse.site.pages import SiteModel

    report = BuildReport(found.out_dir)
    report.warnings.extend(_outside_link_warnings(course, found.sources))
    with RenderCache.open(options.cache_dir) as cache:
        changes = parse_stage(found, cache.body_keys())
        environment = _environment()
        bodies = NoteBodies(course, found, changes, cache, report)
        bodies.render(options, meanwhile=lambda: _compile_templates(environment))
        collect_stage(found, changes, bodies, report)
        if options.strict and report.warnings:
            raise BuildError(
                f"{len(report.warnings)} warning(s) and --strict: the site was not updated",
                report.warnings,
            )
        live = {record.body for record in changes.records.values()}
        save_bodies = functools.partial(cache.save_bodies, live)  # while the pages are laid out
        site = SiteModel(
            course, found.sources, bodies, lambda rel: changes.records[rel].meta,
            environment, options, found.home_markdown,
        )  # fmt: skip
        laid_out, direct = layout_stage(site, found, changes, options, meanwhile=save_bodies)
    assets = write_stage(found, laid_out, direct, options, report)
    BuildState(
        found.fingerprint, changes.records, laid_out.page_hashes, laid_out.page_deps,
        report.pages, assets,
    ).save(options.cache_dir)  # fmt: skip
    report.seconds = time.perf_counter() - started
    return report


# -- 1. discover -------------------------------------------------------------------------------


@dataclass
class Discovery:
    """The inputs of this build and what the previous one left."""

    out_dir: Path
    sources: SiteSources
    home_markdown: bytes | None  # read once: for the key here, for the home page later
    notes_key: str  # what every note body depends on besides its note
    config_key: str  # what every page depends on besides the notes
    fingerprint: str  # every input file's stat
    previous: BuildState
    up_to_date: bool


def discover_stage(course: Course, options: BuildOptions) -> Discovery:
    out_dir = options.out_dir.resolve()
    sources = discover(course)
    home_path = course.home_page_path
    home = home_path.read_bytes() if home_path and home_path.exists() else None
    notes_key = content_key(course._source, _package_key())
    config_key = content_key(notes_key, home or b"", str(options.search), str(options.live_reload))
    fingerprint = content_key(config_key, sources.fingerprint())
    previous = BuildState.load(options.cache_dir)
    up_to_date = (
        previous.fingerprint == fingerprint
        and (out_dir / "index.html").exists()
        and not (options.strict and previous.warnings)
    )
    return Discovery(
        out_dir, sources, home, notes_key, config_key, fingerprint, previous, up_to_date
    )


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


# -- 2. parse: what changed --------------------------------------------------------------------


@dataclass
class Changes:
    records: dict[str, NoteRecord]  # every note by docs_rel (metadata filled by collect)
    to_render: list[SourceFile]  # notes whose body is in no cache
    data: dict[str, bytes]  # notes read for their content hash: rendered from these bytes


def parse_stage(found: Discovery, known_bodies: set[str]) -> Changes:
    """Every note's content hash (a note whose stat is unchanged is not read) and body key. A
    body depends on the note, the code and course, and on which pages and assets exist (links
    and figures resolve to them); the key names the note too, since the same bytes render
    differently in another language or folder."""
    sources, previous = found.sources, found.previous
    links_key = content_key(
        "\n".join(sorted(f.docs_rel for f in sources.files)),
        "\n".join(rel for rel, *_rest in sources.assets),
    )
    changes = Changes({}, [], {})
    for source in sources.files:
        old = previous.notes.get(source.docs_rel)
        if old and old.mtime == source.mtime_ns and old.size == source.size:
            digest = old.hash
        else:
            data = changes.data[source.docs_rel] = source.path.read_bytes()
            digest = content_key(data)
        body = content_key(digest, source.docs_rel, found.notes_key, links_key)
        changes.records[source.docs_rel] = NoteRecord(source.mtime_ns, source.size, digest, body)
        if body not in known_bodies:
            changes.to_render.append(source)
    return changes


# -- 3. render ---------------------------------------------------------------------------------


class NoteBodies:
    """Every note's body: rendered by this build, else read from the cache when a page needs
    it, else (the cache lost it) rendered then."""

    def __init__(
        self,
        course: Course,
        found: Discovery,
        changes: Changes,
        cache: RenderCache,
        report: BuildReport,
    ) -> None:
        self.course, self.found, self.changes = course, found, changes
        self.cache, self.report = cache, report
        self.rendered: dict[str, NoteBody] = {}

    @cached_property
    def inputs(self) -> RenderInputs:
        from dlcourse.site.mathml import MathCache

        sources, base = self.found.sources, self.course.site.base_path
        return RenderInputs(
            course=self.course,
            maths=MathCache(self.cache.formulas()),
            url_of={f.docs_rel: base + f.url_path for f in sources.files},
            assets=frozenset(rel for rel, *_rest in sources.assets),
            data=self.changes.data,
            listings=sources.listings,
        )

    def render(self, options: BuildOptions, meanwhile: Callable[[], None]) -> None:
        """The render stage: the notes whose body no cache holds."""
        if not self.changes.to_render:
            return
        notes = [self._job(source) for source in self.changes.to_render]
        done = render_notes(self.inputs, notes, options.workers, options.progress, meanwhile)
        self._keep(done)

    def __call__(self, docs_rel: str) -> NoteBody:
        body = self.rendered.get(docs_rel)
        if body is None:
            body = self.cache.body(self.changes.records[docs_rel].body)
        if body is None:
            source = next(f for f in self.found.sources.files if f.docs_rel == docs_rel)
            body = render_body(self.inputs, self._job(source))
            self._keep(RenderedNotes({docs_rel: body}, dict(self.inputs.maths.new)))
        return body

    def _job(self, source: SourceFile) -> NoteToRender:
        return NoteToRender(source.docs_rel, source.lang, source.path, self._display(source.path))

    def _display(self, path: Path) -> str:
        return shown_path(self.course, path)

    def _keep(self, done: RenderedNotes) -> None:
        self.report.notes_parsed += len(done.bodies)
        self.report.formulas_rendered += len(done.formulas)  # each converted formula once
        for docs_rel, body in done.bodies.items():
            self.rendered[docs_rel] = body
            self.cache.put_body(self.changes.records[docs_rel].body, body)
        if done.formulas:
            self.cache.save_formulas(done.formulas)
            self.inputs.maths.new.clear()


def _environment() -> Environment:
    from jinja2 import ChainableUndefined, Environment, FileSystemLoader

    return Environment(
        loader=FileSystemLoader(str(SITE_DIR / "templates")),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _compile_templates(environment: Environment) -> None:
    """Compiled while the render workers work (the layout needs them)."""
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)


# -- 4. collect --------------------------------------------------------------------------------


def collect_stage(
    found: Discovery, changes: Changes, bodies: NoteBodies, report: BuildReport
) -> None:
    """Every note's metadata (from the manifest unless its body changed) and warnings."""
    for source in found.sources.files:
        record = changes.records[source.docs_rel]
        old = found.previous.notes.get(source.docs_rel)
        if source.docs_rel in bodies.rendered or old is None or old.body != record.body:
            record.meta = bodies(source.docs_rel).meta
        else:
            record.meta = old.meta
        assert record.meta is not None
        report.warnings.extend(record.meta.warnings)
        report.formulas += record.meta.formulas


# -- 5. lay out --------------------------------------------------------------------------------


def layout_stage(
    site: SiteModel,
    found: Discovery,
    changes: Changes,
    options: BuildOptions,
    meanwhile: Callable[[], None],
) -> tuple[LaidOut, Path | None]:
    """Lay out the pages whose inputs changed. A cold build (no site yet) can only make the
    whole tree: its pages go straight into a new tree (returned; removed on any failure)."""
    from dlcourse.site.page_layout import LayoutRun, lay_out, navigation_key, plan_pages

    metas = {rel: record.meta for rel, record in changes.records.items() if record.meta}
    navigation = navigation_key(found.config_key, metas)
    body_keys = {rel: record.body for rel, record in changes.records.items()}
    outputs = site.outputs()
    laid_out, todo = plan_pages(outputs, navigation, body_keys, found.previous, found.out_dir)
    direct = None if found.out_dir.exists() else site_tree.new_tree(found.out_dir)
    run = LayoutRun(
        found.out_dir, found.previous, direct, options.workers, options.progress, meanwhile
    )
    try:
        return lay_out(site, laid_out, outputs, todo, run), direct
    except BaseException:
        if direct is not None:
            shutil.rmtree(direct, ignore_errors=True)
        raise


# -- 6. write, index, swap ---------------------------------------------------------------------


def write_stage(
    found: Discovery,
    laid_out: LaidOut,
    direct: Path | None,
    options: BuildOptions,
    report: BuildReport,
) -> dict[str, list[int]]:
    """Patch the site in place or write, index and swap in a new tree. Returns the assets'
    stats (for the manifest)."""
    out_dir, changed = found.out_dir, laid_out.changed
    report.pages = sum(1 for rel in laid_out.page_hashes if rel.endswith(".html"))
    report.pages_rendered = len(changed)
    assets = {rel: [mtime, size] for rel, _path, mtime, size in found.sources.assets}
    search = options.search and _search_available()
    if site_tree.small_change(
        out_dir, changed, laid_out.page_hashes, found.previous.page_hashes,
        assets != found.previous.assets,
    ):  # fmt: skip
        site_tree.patch(out_dir, changed)
        if changed and search:
            site_tree.index_in_place(out_dir, options.background_search)
        report.search_indexed = search if changed else (out_dir / "pagefind").is_dir()
        return assets
    temp = direct or site_tree.new_tree(out_dir)
    try:
        site_tree.write_tree(
            temp, out_dir, changed, laid_out.kept, found.sources, found.previous.assets
        )
        if search:
            site_tree.index_tree(temp, out_dir, changed=bool(changed) or not out_dir.exists())
        report.search_indexed = search
        site_tree.swap(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return assets


def _search_available() -> bool:
    from dlcourse.site import search

    return search.available()
