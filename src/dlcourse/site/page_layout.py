"""The lay-out stage: every page whose inputs changed, through its Jinja template, in memory
(a template error cannot leave a half-written site) or, for a cold build, straight into the new
tree; in forked workers when there are many pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.site.build_cache import BuildState, content_key
from dlcourse.site.note_bodies import PARALLEL_THRESHOLD, NoteMeta, Progress
from dlcourse.site.pages import Producer, SiteModel
from dlcourse.util.workers import fork_is_safe, worker_pool

Output = tuple[str, str | None, Producer]  # (page path, note it renders or None, producer)
Page = tuple[str, str, bytes | None]  # (page path, content hash, bytes or None: already written)


@dataclass
class LaidOut:
    """The pages of this build: new bytes for the changed ones, the names of those kept."""

    changed: dict[str, bytes | None] = field(default_factory=dict)  # None: already in the tree
    kept: list[str] = field(default_factory=list)  # unchanged: hard-linked from the old site
    page_hashes: dict[str, str] = field(default_factory=dict)
    page_deps: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LayoutInputs:
    """What the workers share: the producers (they close over the site model) and the tree the
    pages go straight into, if any."""

    outputs: list[Output]
    direct: Path | None


def navigation_key(config_key: str, metas: dict[str, NoteMeta]) -> str:
    """What every page depends on besides its own note: the configuration and every note's
    front matter and stamps (titles, order, stale translations)."""
    table = sorted((rel, meta.front, meta.stamps) for rel, meta in metas.items())
    return content_key(config_key, json.dumps(table, ensure_ascii=False, default=str))


def plan_pages(
    outputs: list[Output],
    navigation: str,
    body_keys: dict[str, str],
    previous: BuildState,
    out_dir: Path,
) -> tuple[LaidOut, list[int]]:
    """Which pages must be laid out again (indices into ``outputs``): those whose dependency
    key changed or whose file is gone. The others are kept without being rendered."""
    laid_out = LaidOut()
    todo: list[int] = []
    for index, (rel, note, _producer) in enumerate(outputs):
        dependency = content_key(navigation, body_keys[note] if note else "")
        laid_out.page_deps[rel] = dependency
        unchanged = previous.page_deps.get(rel) == dependency and rel in previous.page_hashes
        if unchanged and (out_dir / rel).exists():
            laid_out.page_hashes[rel] = previous.page_hashes[rel]
            laid_out.kept.append(rel)
        else:
            todo.append(index)
    return laid_out, todo


def lay_out(
    site: SiteModel,
    laid_out: LaidOut,
    outputs: list[Output],
    todo: list[int],
    context: LayoutRun,
) -> LaidOut:
    """Run the producers of the pages in ``todo`` and sort them into changed and kept."""
    for rel, digest, data in _produce_all(site, outputs, todo, context):
        laid_out.page_hashes[rel] = digest
        if context.previous.page_hashes.get(rel) == digest and (context.out_dir / rel).exists():
            laid_out.kept.append(rel)
        else:
            laid_out.changed[rel] = data
    return laid_out


@dataclass(frozen=True)
class LayoutRun:
    """How the producers run: where the previous site is, the tree to write into (a cold
    build), the worker count, progress, and what to do here while workers lay out."""

    out_dir: Path
    previous: BuildState
    direct: Path | None
    jobs: int
    progress: Progress | None = None
    meanwhile: Callable[[], None] = lambda: None


def _produce(inputs: LayoutInputs, indices: list[int]) -> list[Page]:
    """Lay out pages: their bytes, or ``None`` for the bytes when written into ``direct``."""
    made: set[Path] = set()
    done: list[Page] = []
    for index in indices:
        rel, _note, producer = inputs.outputs[index]
        content = producer()
        data = content.encode() if isinstance(content, str) else content
        if inputs.direct is None:
            done.append((rel, content_key(data), data))
            continue
        target = inputs.direct / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        done.append((rel, content_key(data), None))
    return done


def _produce_all(
    site: SiteModel, outputs: list[Output], todo: list[int], run: LayoutRun
) -> list[Page]:
    """Forked workers share the navigation, computed once here before the fork."""
    inputs = LayoutInputs(outputs, run.direct)
    if run.jobs > 1 and len(todo) >= PARALLEL_THRESHOLD * 4 and fork_is_safe():
        site.prepare()
        # contiguous runs, not every jobs-th page: each worker then makes the folders of
        # its own languages, and the two rarely wait on each other's parent folder lock
        size = -(-len(todo) // run.jobs)
        chunks = [todo[start : start + size] for start in range(0, len(todo), size)]
        with worker_pool(run.jobs, inputs) as pool:
            futures = [pool.submit(_produce, chunk) for chunk in chunks]
            run.meanwhile()
            return [page for future in futures for page in future.result()]
    run.meanwhile()
    pages: list[Page] = []
    for done, index in enumerate(todo, 1):
        pages.extend(_produce(inputs, [index]))
        if run.progress and done % 50 == 0:
            run.progress("layout", done, len(todo))
    return pages
