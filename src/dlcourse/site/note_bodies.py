"""The render stage: each changed note parsed once with the notes parser, its body rendered
(:mod:`.note_html`) and the checker's site rules run on that same parse (:mod:`.build_warnings`).

For many notes the work is spread over forked workers (:func:`dlcourse.util.workers.worker_pool`)
that share one :class:`RenderInputs`: the course, the formula cache, the link table and the
notes' bytes, made once in the parent.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlcourse.course import Course
from dlcourse.site.build_warnings import BuildWarning, NoteChecker
from dlcourse.site.i18n import Translator
from dlcourse.util.workers import fork_is_safe, worker_pool

if TYPE_CHECKING:  # the renderer (markdown-it, latex2mathml, nh3) is imported by the first note
    # rendered, so that a build with nothing to render (or a cache reader) does not load it
    from dlcourse.site.mathml import MathCache

PARALLEL_THRESHOLD = 24  # notes to render before worker processes pay for themselves

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Formulas = dict[str, tuple[str, bool, str]]  # formula key → (html, ok, message)


@dataclass(frozen=True)
class NoteMeta:
    """What the navigation and the report need of a note (kept in the build manifest, so an
    unchanged note's body is never loaded for them)."""

    front: dict[str, str]
    stamps: list[list[Any]]  # [video id, start second] per stamped section
    warnings: list[BuildWarning]
    formulas: int

    def to_json(self) -> dict[str, Any]:
        return {
            "front": self.front,
            "stamps": self.stamps,
            "warnings": [warning.to_json() for warning in self.warnings],
            "formulas": self.formulas,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NoteMeta:
        front, stamps, formulas = data["front"], data["stamps"], data["formulas"]
        if not isinstance(front, dict) or not all(isinstance(v, str) for v in front.values()):
            raise TypeError("front matter")
        if not isinstance(stamps, list) or not all(_is_stamp(s) for s in stamps):
            raise TypeError("stamps")
        if not isinstance(formulas, int):
            raise TypeError("formulas")
        warnings = [BuildWarning.from_json(w) for w in data["warnings"]]
        return cls(front, stamps, warnings, formulas)


def _is_stamp(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int | None)
    )


@dataclass(frozen=True)
class NoteBody:
    """A note's rendered, sanitised body, its table of contents and its metadata."""

    html: str
    toc: list[list[Any]]  # [anchor, title, level, video id, start second] per heading ≤ h3
    meta: NoteMeta

    def to_json(self) -> dict[str, Any]:
        return {"html": self.html, "toc": self.toc, "meta": self.meta.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NoteBody:
        html, toc = data["html"], data["toc"]
        if not isinstance(html, str) or not isinstance(toc, list):
            raise TypeError("body")
        for entry in toc:
            anchor, title, level, video, start = entry
            if not (isinstance(anchor, str) and isinstance(title, str) and isinstance(level, int)):
                raise TypeError("table of contents")
            if not (isinstance(video, str | None) and isinstance(start, int | None)):
                raise TypeError("table of contents")
        return cls(html, toc, NoteMeta.from_json(data["meta"]))


@dataclass(frozen=True)
class NoteToRender:
    docs_rel: str  # under the notes folder: "en/week02/02-1.md"
    lang: str
    path: Path
    display: str  # how warnings name it: its path under the course folder


@dataclass
class RenderInputs:
    """What every note's rendering shares: made once, inherited by forked workers."""

    course: Course
    maths: MathCache
    url_of: dict[str, str]  # docs_rel of every note → its page URL
    assets: frozenset[str]  # docs_rel of every asset (images beside the notes)
    data: dict[str, bytes] = field(default_factory=dict)  # notes already read (for their hash)
    listings: dict[Path, frozenset[str]] = field(default_factory=dict)  # the discover walk's
    checker: NoteChecker | None = None

    def note_checker(self) -> NoteChecker:
        if self.checker is None:
            self.checker = NoteChecker(self.course, self.listings)
        return self.checker


@dataclass
class RenderedNotes:
    bodies: dict[str, NoteBody]  # docs_rel → body
    formulas: Formulas  # converted by this stage


def render_body(inputs: RenderInputs, note: NoteToRender) -> NoteBody:
    """Parse one note, render its body and run the checker's site rules on the same parse."""
    from dlcourse.notes.document import parse_note
    from dlcourse.site.note_html import RenderContext, render_note

    course = inputs.course
    source = inputs.data.get(note.docs_rel) or note.path  # bytes read once, or the file
    document = parse_note(
        source, path=note.path, docs_dir=course.docs_dir, course=course, language=note.lang,
        words=False,
    )  # fmt: skip
    translator = Translator(note.lang)
    context = RenderContext(
        base_url=course.site.base_path,
        macros=course.notes.macros,
        resolve_link=_link_resolver(inputs, note.docs_rel),
        maths=inputs.maths,
        embed_videos=course.site.embed_videos,
        play_label=translator("play"),
        watch_label=translator("watch", t="{t}"),
    )
    body = render_note(document, context)
    warnings = inputs.note_checker().warnings(document, note.display) + [
        BuildWarning(note.display, problem.line, problem.message)
        for problem in body.raw_html_maths_problems
    ]
    meta = NoteMeta(
        front=dict(document.front_matter),
        stamps=[[s.video, s.start] for s in body.toc if s.video],
        warnings=sorted(warnings, key=lambda w: (w.line or 0, w.rule)),
        formulas=body.formulas,
    )
    toc = [[s.anchor, s.title, s.level, s.video, s.start] for s in body.toc if s.level <= 3]
    return NoteBody(body.html, toc, meta)


def _link_resolver(inputs: RenderInputs, docs_rel: str) -> Callable[[str], str | None]:
    """A link written in the note → the URL of the page or asset it names (None: keep it)."""
    from dlcourse.site.note_html import relative_target

    def resolve(href: str) -> str | None:
        target = relative_target(docs_rel, href)
        if target is None:
            return None
        for candidate in (target, target + ".md", target.removesuffix("/") + ".md"):
            if candidate in inputs.url_of:
                return inputs.url_of[candidate] + _fragment(href)
        if target in inputs.assets:  # an image beside the notes, written relative to the file
            return inputs.course.site.base_path + target
        return None

    return resolve


def _fragment(href: str) -> str:
    return "#" + href.split("#", 1)[1] if "#" in href else ""


def _render_group(
    inputs: RenderInputs, group: list[NoteToRender]
) -> tuple[list[tuple[str, NoteBody]], Formulas]:
    """Render a group of notes; also hand back the formulas converted meanwhile (in a worker,
    the parent's formula cache does not see them otherwise)."""
    before = len(inputs.maths.new)
    done = [(note.docs_rel, render_body(inputs, note)) for note in group]
    return done, dict(itertools.islice(inputs.maths.new.items(), before, None))


def _groups(notes: list[NoteToRender], data: dict[str, bytes]) -> list[list[NoteToRender]]:
    """The notes grouped by their path under the language folder (``week02/02-1.md``): the
    translations of one note share most formulas, so one worker converts each of them once.
    Largest groups first, so the workers finish together."""
    groups: dict[str, list[NoteToRender]] = {}
    sizes: dict[str, int] = {}
    for note in notes:
        key = note.docs_rel.split("/", 1)[-1]
        groups.setdefault(key, []).append(note)
        sizes[key] = sizes.get(key, 0) + _size(note, data)
    return [groups[key] for key in sorted(groups, key=lambda k: -sizes[k])]


def _size(note: NoteToRender, data: dict[str, bytes]) -> int:
    if note.docs_rel in data:
        return len(data[note.docs_rel])
    try:
        return os.stat(note.path).st_size
    except OSError:
        return 0


def _warm_up(inputs: RenderInputs) -> None:
    """What every worker needs, made before the fork (once, not once per worker)."""
    from dlcourse.notes import tex as notes_tex
    from dlcourse.notes.markdown import shared_markdown
    from dlcourse.site import note_html  # noqa: F401  (imported here, not in every worker)

    shared_markdown()
    notes_tex.render("x")
    inputs.note_checker()


def render_notes(
    inputs: RenderInputs,
    notes: list[NoteToRender],
    jobs: int,
    progress: Progress | None = None,
    meanwhile: Callable[[], None] = lambda: None,
) -> RenderedNotes:
    """Render ``notes``, in forked workers for many; ``meanwhile`` runs here while they do
    (and not at all without workers: there is nothing to overlap it with)."""
    if jobs > 1 and len(notes) >= PARALLEL_THRESHOLD and fork_is_safe():
        return _render_in_workers(inputs, notes, jobs, progress, meanwhile)
    before = len(inputs.maths.new)
    bodies: dict[str, NoteBody] = {}
    for done, note in enumerate(notes, 1):
        bodies[note.docs_rel] = render_body(inputs, note)
        if progress:
            progress("render", done, len(notes))
    return RenderedNotes(bodies, dict(itertools.islice(inputs.maths.new.items(), before, None)))


def _render_in_workers(
    inputs: RenderInputs,
    notes: list[NoteToRender],
    jobs: int,
    progress: Progress | None,
    meanwhile: Callable[[], None],
) -> RenderedNotes:
    import concurrent.futures

    _warm_up(inputs)
    bodies: dict[str, NoteBody] = {}
    formulas: Formulas = {}
    with worker_pool(jobs, inputs) as pool:
        futures = [pool.submit(_render_group, group) for group in _groups(notes, inputs.data)]
        meanwhile()
        for future in concurrent.futures.as_completed(futures):
            done, new = future.result()
            bodies.update(done)
            formulas.update(new)
            if progress:
                progress("render", len(bodies), len(notes))
    return RenderedNotes({note.docs_rel: bodies[note.docs_rel] for note in notes}, formulas)
