"""TR: a translation follows its English source — same structure, time stamps and figures."""

from __future__ import annotations

from collections.abc import Iterator

from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, rule
from dlcourse.notes.rules.timestamps import written_stamps
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


@rule(
    "TR002",
    "translation-structure",
    "warning",
    ("translation",),
    scope="course",
    params={
        "min_share": Param(
            0.5, "a translated subsection with fewer words than this share of its source's"
        ),
        "min_words": Param(100, "source subsections shorter than this are not compared"),
    },
)
def translation_structure(docs, ctx, params) -> Iterator[Hit]:
    """A translation has as many headings as its source, and its subsections keep their text.
    A subsection (matched to the source's by its time stamp) with far fewer words than the
    source's has lost text in translation. Words are compared across scripts by the same
    counting as LEN001 (characters per English word for Chinese and Japanese)."""
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
        stamped = [s for s in doc.subsections if s.start is not None]
        originals = [s for s in source.subsections if s.start is not None]
        for i, j in matched_stamps(stamped, originals):
            sub, original = stamped[i], originals[j]
            if original.words >= params["min_words"] and (
                sub.words < params["min_share"] * original.words
            ):
                yield Hit(
                    sub.line,
                    f"subsection {sub.title!r} has {sub.words} words, its source "
                    f"{original.title!r} ({source.rel_path} line {original.line}) "
                    f"{original.words}: text left out?",
                    1,
                    "translate the whole subsection",
                    path=doc.rel_path,
                )


def matched_stamps(ours: list, theirs: list) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` of equal start times, in order, as many as possible (a longest
    common subsequence of the two stamp lists by value)."""
    n, m = len(ours), len(theirs)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if ours[i].start == theirs[j].start:
                best[i][j] = best[i + 1][j + 1] + 1
            else:
                best[i][j] = max(best[i + 1][j], best[i][j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        if ours[i].start == theirs[j].start:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _gaps(ours: list, theirs: list) -> list[tuple[list, list, int, int | None]]:
    """Between consecutive matched stamps: the unmatched stamps of each side, with the lines
    that bound the gap in the translation (previous matched line, next matched line)."""
    pairs = matched_stamps(ours, theirs)
    gaps = []
    previous_i, previous_j, previous_line = -1, -1, 0
    for i, j in [*pairs, (len(ours), len(theirs))]:
        next_line = ours[i].line if i < len(ours) else None
        unmatched = (ours[previous_i + 1 : i], theirs[previous_j + 1 : j])
        gaps.append((*unmatched, previous_line, next_line))
        if i < len(ours):
            previous_i, previous_j, previous_line = i, j, ours[i].line
    return gaps


@rule("TR003", "translation-timestamps", "error", ("translation", "timestamps"), scope="course")
def translation_timestamps(docs, ctx, params) -> Iterator[Hit]:
    """A translation keeps its source's time stamps: same videos, same start times.
    The two lists of stamps are aligned by value, then by order, so that one missing, extra or
    changed stamp is reported once, at its own line, instead of shifting every later one:
    a changed start at the heading that carries it, an extra one at its heading, a missing one
    at the translated heading that should carry it (an unstamped heading of the source
    heading's level in the same place) or else where the stamps resume."""
    for doc, source in _translations(docs, ctx):
        if source is None or not doc.subsections:
            continue  # no stamps at all is TS001's finding
        # a stamp on a line that lost its heading syntax is there (ED006 reports the line):
        # it matches the source's stamp instead of showing as missing
        ours = written_stamps(doc)
        theirs = [s for s in source.subsections if s.start is not None]
        for i, j in matched_stamps(ours, theirs):
            sub, original = ours[i], theirs[j]
            if sub.video_id != original.video_id:
                yield Hit(
                    sub.line,
                    f"time stamp {clock(sub.start or 0)} links video {sub.video_id!r}, "
                    f"the source's ({source.rel_path} line {original.line}) {original.video_id!r}",
                    sub.heading.stamp.column,
                    "copy the source's link",
                    path=doc.rel_path,
                )
        for extra_side, missing_side, after, before in _gaps(ours, theirs):
            for sub, original in zip(extra_side, missing_side, strict=False):
                yield Hit(
                    sub.line,
                    f"time stamp {clock(sub.start or 0)} ({sub.video_id}) differs from the "
                    f"source's {clock(original.start or 0)} ({original.video_id}, "
                    f"{source.rel_path} line {original.line})",
                    sub.heading.stamp.column,
                    "copy the source's link",
                    path=doc.rel_path,
                )
            for sub in extra_side[len(missing_side) :]:
                yield Hit(
                    sub.line,
                    f"time stamp {clock(sub.start or 0)} has no counterpart in {source.rel_path}",
                    sub.heading.stamp.column,
                    "remove it, or copy the stamp of the source heading it translates",
                    path=doc.rel_path,
                )
            missing = missing_side[len(extra_side) :]
            if missing:
                yield from _missing_stamps(doc, source, missing, after, before)


def _missing_stamps(doc, source, missing: list, after: int, before: int | None) -> Iterator[Hit]:
    """Each source stamp the translation lacks, at the unstamped heading of the same level
    between the neighbouring matched stamps, or else where the stamps resume."""
    end = before if before is not None else float("inf")
    candidates = [h for h in doc.headings if after < h.line < end and h.stamp is None]
    fallback = before or (doc.subsections[-1].line if doc.subsections else 1)
    for original in missing:
        heading = next((h for h in candidates if h.level == original.level), None)
        if heading is not None:
            candidates = candidates[candidates.index(heading) + 1 :]
            yield Hit(
                heading.line,
                f"heading {heading.title!r} has no time stamp; the source heading "
                f"{original.title!r} ({source.rel_path} line {original.line}) starts at "
                f"{clock(original.start or 0)}",
                1,
                "link the video as the source does: ## [Title](…&t=SECONDSs)",
                path=doc.rel_path,
            )
        else:
            yield Hit(
                fallback,
                f"time stamp {clock(original.start or 0)} of the source heading "
                f"{original.title!r} ({source.rel_path} line {original.line}) is missing",
                1,
                "translate the source's stamped heading with its link",
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
