"""TR: a translation follows its English source — same structure, time stamps and figures."""

from __future__ import annotations

from collections.abc import Iterator

from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import rule
from dlcourse.util.text import clock


def _translations(docs, ctx):
    for doc in docs:
        if doc.language and doc.language != ctx.source_language and doc.kind != "other":
            yield doc, ctx.source_docs.get(doc.lang_ref) if doc.lang_ref else None


def _line(doc) -> int:
    return doc.front_matter_lines.get("lang-ref", 1)


@rule("TR001", "translation-source", "error", ("translation",), scope="course")
def translation_source(docs, ctx, params) -> Iterator[Hit]:
    """A translation's lang-ref names an existing note of the source language (English)."""
    for doc, source in _translations(docs, ctx):
        if source is None and doc.front_matter_end:
            ref = doc.lang_ref
            yield Hit(
                _line(doc),
                f"lang-ref {ref!r} matches no {ctx.source_language} note"
                if ref
                else "a translation needs the lang-ref of its source",
                1,
                "copy lang-ref from the English note",
                path=doc.rel_path,
            )


@rule("TR002", "translation-structure", "warning", ("translation",), scope="course")
def translation_structure(docs, ctx, params) -> Iterator[Hit]:
    """A translation has as many sections and headings as its source."""
    for doc, source in _translations(docs, ctx):
        if source is None:
            continue
        ours, theirs = len(doc.headings), len(source.headings)
        if ours != theirs:
            line = doc.headings[0].line if doc.headings else _line(doc)
            yield Hit(
                line,
                f"{ours} headings, the source {source.rel_path} has {theirs}",
                1,
                "translate every heading of the source, add none",
                path=doc.rel_path,
            )


@rule("TR003", "translation-timestamps", "error", ("translation", "timestamps"), scope="course")
def translation_timestamps(docs, ctx, params) -> Iterator[Hit]:
    """A translation keeps its source's time stamps: same videos, same start times."""
    for doc, source in _translations(docs, ctx):
        if source is None or not doc.subsections:
            continue  # no stamps at all is TS001's finding
        theirs = [(s.video_id, s.start) for s in source.subsections]
        ours = [(s.video_id, s.start) for s in doc.subsections]
        for index, sub in enumerate(doc.subsections):
            if index >= len(theirs):
                yield Hit(
                    sub.line,
                    f"time stamp {clock(sub.start or 0)} has no counterpart in {source.rel_path}",
                    sub.heading.stamp.column,
                    "remove it or align the headings with the source",
                    path=doc.rel_path,
                )
            elif ours[index] != theirs[index]:
                video, start = theirs[index]
                yield Hit(
                    sub.line,
                    f"time stamp {clock(sub.start or 0)} ({sub.video_id}) differs "
                    f"from the source's {clock(start or 0)} ({video})",
                    sub.heading.stamp.column,
                    "copy the source's link",
                    path=doc.rel_path,
                )
        if len(ours) < len(theirs):
            missing = ", ".join(clock(start or 0) for _, start in theirs[len(ours) :])
            yield Hit(
                doc.subsections[-1].line,
                f"time stamps missing: {missing}",
                1,
                f"{source.rel_path} has {len(theirs)} stamped headings",
                path=doc.rel_path,
            )


def _figure_key(figure) -> str:
    return figure.path.as_posix() if figure.path is not None else figure.src


@rule("TR004", "translation-figures", "warning", ("translation", "figures"), scope="course")
def translation_figures(docs, ctx, params) -> Iterator[Hit]:
    """A translation shows the same figures as its source."""
    for doc, source in _translations(docs, ctx):
        if source is None:
            continue
        theirs = {_figure_key(f) for f in source.figures}
        ours = {_figure_key(f): f for f in doc.figures}
        for key, figure in ours.items():
            if key not in theirs:
                yield Hit(
                    figure.line,
                    f"figure {figure.src!r} is not in {source.rel_path}",
                    figure.column,
                    "use the source's image files",
                    path=doc.rel_path,
                )
        missing = sorted(theirs - set(ours))
        if missing:
            names = ", ".join(m.rsplit("/", 1)[-1] for m in missing[:5])
            yield Hit(
                _line(doc),
                f"{len(missing)} figure(s) of the source missing: {names}",
                1,
                "translate the captions and keep every figure",
                path=doc.rel_path,
            )


@rule("TR005", "translation-stale", "warning", ("translation",), scope="course")
def translation_stale(docs, ctx, params) -> Iterator[Hit]:
    """A translation is not older than the last change of its source (by git history)."""
    if not ctx.git_times:
        return
    for doc, source in _translations(docs, ctx):
        if source is None:
            continue
        ours, theirs = ctx.git_times.get(doc.rel_path), ctx.git_times.get(source.rel_path)
        if ours is not None and theirs is not None and theirs > ours:
            days = (theirs - ours) / 86400
            yield Hit(
                _line(doc),
                f"the source {source.rel_path} changed {days:.0f} day(s) after this translation",
                1,
                "bring the translation up to date",
                path=doc.rel_path,
            )
