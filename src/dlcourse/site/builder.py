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
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from dlcourse.course import Course
from dlcourse.site import pages as page_models
from dlcourse.site.i18n import Translator
from dlcourse.site.maths import MathCache
from dlcourse.site.render import RenderContext, relative_target, render_tokens
from dlcourse.site.sources import SiteSources, SourceFile, discover

SITE_DIR = Path(__file__).resolve().parent
BUILD_FORMAT = "site-5"
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

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


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
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)


def default_out_dir(course: Course, cwd: Path | None = None) -> Path:
    """``_site`` in the current folder for the embedded example (never inside the installed
    package); otherwise the course's ``[site] output_dir``."""
    from dlcourse.course import default_course_dir

    if course.root == default_course_dir().resolve():
        return (cwd or Path.cwd()) / "_site"
    return course.root / course.site.output_dir


def default_cache_dir(course: Course, out_dir: Path) -> Path:
    from dlcourse.course import default_course_dir

    if course.root == default_course_dir().resolve():
        return out_dir.parent / ".dlcourse-cache" / out_dir.name
    return course.root / ".dlcourse-cache" / "site"


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
    for module in ("markdown", "document", "maths"):
        path = SITE_DIR.parent / "notes" / f"{module}.py"
        if path.exists():
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------
# rendering of note bodies (runs in workers for big builds)

_WORKER: dict[str, Any] = {}


def _render_note(item: tuple[str, str, str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Parse one note with the notes parser and render its body. Returns what the page needs."""
    from dlcourse.notes.document import parse_note

    docs_rel, lang, path = item
    course: Course = _WORKER["course"]
    maths: MathCache = _WORKER["maths"]
    new_before = set(maths.new)
    document = parse_note(Path(path), docs_dir=course.docs_dir, course=course, language=lang)
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
    stamps = {
        heading.token_index: (heading.stamp.video_id, heading.stamp.seconds)
        for heading in document.headings
        if heading.stamp is not None and heading.stamp.video_id
    }
    body = render_tokens(document.tokens, document.text, context, stamps)
    result = {
        "html": body.html,
        "toc": [[s.anchor, s.title, s.level, s.video, s.start] for s in body.toc if s.level <= 3],
        "stamps": [[s.video, s.start] for s in body.toc if s.video],
        "warnings": body.warnings,
        "formulas": body.formulas,
        "front": dict(document.front_matter),
    }
    new = {key: maths.new[key] for key in maths.new.keys() - new_before}
    return docs_rel, result, new


def _fragment(href: str) -> str:
    return "#" + href.split("#", 1)[1] if "#" in href else ""


def _render_all(
    items: list[tuple[str, str, str]], options: BuildOptions
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    new_maths: dict[str, Any] = {}
    jobs = options.jobs or os.cpu_count() or 1
    total = len(items)
    if jobs > 1 and total >= PARALLEL_THRESHOLD:
        context = multiprocessing.get_context("fork")
        chunk = max(1, total // (jobs * 4))
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            for done, (key, result, new) in enumerate(
                pool.map(_render_note, items, chunksize=chunk), 1
            ):
                results[key] = result
                new_maths.update(new)
                if options.progress:
                    options.progress("render", done, total)
    else:
        for done, item in enumerate(items, 1):
            key, result, new = _render_note(item)
            results[key] = result
            new_maths.update(new)
            if options.progress:
                options.progress("render", done, total)
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

    # 1. which notes changed (content hash; stat first, so unchanged files are not read)
    old_files: dict[str, Any] = state.get("files", {})
    files_now: dict[str, Any] = {}
    to_render: list[SourceFile] = []
    for source in sources.files:
        old = old_files.get(source.docs_rel)
        if old and old["mtime"] == source.mtime_ns and old["size"] == source.size:
            content_hash = old["hash"]
        else:
            content_hash = _hash(source.path.read_bytes())
        body_key = _hash(content_hash, notes_key)
        files_now[source.docs_rel] = {
            "mtime": source.mtime_ns,
            "size": source.size,
            "hash": content_hash,
            "body": body_key,
        }
        if not (cache_dir / "bodies" / f"{body_key}.pickle").exists():
            to_render.append(source)

    url_of = {f.docs_rel: course.site.base_url + f.url_path for f in sources.files}
    bodies: dict[str, dict[str, Any]] = {}
    if to_render:
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
        items = [(f.docs_rel, f.lang, str(f.path)) for f in to_render]
        rendered, new_maths = _render_all(items, options)
        _WORKER.clear()
        report.notes_parsed = len(rendered)
        report.formulas_rendered = len(new_maths) + len(maths.new)
        (cache_dir / "bodies").mkdir(parents=True, exist_ok=True)
        for docs_rel, body in rendered.items():
            key = files_now[docs_rel]["body"]
            _atomic_write(cache_dir / "bodies" / f"{key}.pickle", pickle.dumps(body, protocol=5))
            bodies[docs_rel] = body
        if new_maths or maths.new:
            maths.entries.update(new_maths)
            _atomic_write(maths_path, pickle.dumps(maths.entries, protocol=5))

    # 2. metadata of every note (kept in the manifest, so unchanged notes are never loaded)
    def body_of(docs_rel: str) -> dict[str, Any]:
        if docs_rel not in bodies:
            key = files_now[docs_rel]["body"]
            bodies[docs_rel] = pickle.loads((cache_dir / "bodies" / f"{key}.pickle").read_bytes())
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
        for line, message in entry["meta"]["warnings"]:
            rel = (course.docs_dir / source.docs_rel).relative_to(course.root).as_posix()
            report.warnings.append(BuildWarning(rel, line, message))
        report.formulas += entry["meta"]["formulas"]
    if options.strict and report.warnings:
        raise BuildError(
            f"{len(report.warnings)} warning(s) and --strict: the site was not updated",
            report.warnings,
        )
    navigation_key = _hash(
        config_key,
        json.dumps(
            sorted((rel, e["meta"]["front"], e["meta"]["stamps"]) for rel, e in files_now.items()),
            ensure_ascii=False,
            default=str,
        ),
    )

    # 3. lay out every page; write only pages whose content changed
    environment = _environment()
    site = page_models.SiteModel(
        course, sources, body_of, lambda rel: files_now[rel]["meta"], environment, options
    )
    old_deps: dict[str, str] = state.get("page_deps", {})
    new_deps: dict[str, str] = {}
    old_pages: dict[str, str] = state.get("pages_hashes", {})
    new_pages: dict[str, str] = {}
    # render in memory first: a template error cannot leave a half-written site
    outputs = site.outputs()
    changed: dict[str, bytes] = {}
    kept: list[str] = []
    for done, (rel, note, producer) in enumerate(outputs, 1):
        dependency = _hash(navigation_key, files_now[note]["body"] if note else "")
        new_deps[rel] = dependency
        previous_exists = rel in old_pages and (out_dir / rel).exists()
        if old_deps.get(rel) == dependency and previous_exists:
            new_pages[rel] = old_pages[rel]  # nothing it depends on changed: not even rendered
            kept.append(rel)
            continue
        content = producer()
        data = content.encode() if isinstance(content, str) else content
        new_pages[rel] = _hash(data)
        if old_pages.get(rel) == new_pages[rel] and previous_exists:
            kept.append(rel)
        else:
            changed[rel] = data
        if options.progress and done % 50 == 0:
            options.progress("layout", done, len(outputs))
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
        _rebuild_tree(out_dir, changed, kept, sources, old_assets, options, report)
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": BUILD_FORMAT,
        "fingerprint": fingerprint,
        "files": files_now,
        "pages_hashes": new_pages,
        "page_deps": new_deps,
        "pages": report.pages,
        "assets": assets_now,
        "warnings": [[w.path, w.line, w.message] for w in report.warnings],
    }
    _atomic_write(state.path, json.dumps(manifest).encode())
    report.seconds = time.perf_counter() - started
    return report


def _rebuild_tree(
    out_dir: Path,
    changed: dict[str, bytes],
    kept: list[str],
    sources: SiteSources,
    old_assets: dict[str, list[int]],
    options: BuildOptions,
    report: BuildReport,
) -> None:
    """Write a whole new site beside the old one (unchanged files hard-linked), then swap."""
    temp = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    if temp.exists():
        shutil.rmtree(temp)
    temp.mkdir(parents=True)
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


def _patch(
    out_dir: Path, changed: dict[str, bytes], options: BuildOptions, report: BuildReport
) -> None:
    """A few pages changed and no file appeared or vanished: replace those files in place, each
    atomically (written beside, then renamed). Everything was rendered before the first write."""
    for rel, data in changed.items():
        _atomic_write(out_dir / rel, data)
    if changed and options.search:
        from dlcourse.site import search

        if search.available():
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
