"""LEN: how much the writers and editors wrote."""

from __future__ import annotations

from collections.abc import Iterator

from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, rule


@rule(
    "LEN001",
    "subsection-length",
    "warning",
    ("length", "writer"),
    params={
        "target": Param(None, "words per subsection (default scribe.words_per_subsection, ~300)"),
        "tolerance": Param(0.5, "allowed relative deviation from the target (0.5 → 150–450 words)"),
    },
)
def subsection_length(doc, ctx, params) -> Iterator[Hit]:
    """A writer's subsection has about the words asked (~300, formulas count as words).
    CJK text counts characters per word (zh 1.65, ja 2.4)."""
    target = params["target"] or ctx.course.scribe.words_per_subsection
    low, high = target * (1 - params["tolerance"]), target * (1 + params["tolerance"])
    for sub in doc.subsections:
        if sub.words > high:
            yield Hit(
                sub.line,
                f"subsection {sub.title!r} has {sub.words} words, over {high:.0f} "
                f"(target ~{target})",
                1,
                "tighten it, or split it between two writers",
            )
        elif sub.words < low:
            yield Hit(
                sub.line,
                f"subsection {sub.title!r} has {sub.words} words, under {low:.0f} "
                f"(target ~{target})",
                1,
                "write up the whole slice of the video",
            )


@rule(
    "LEN002",
    "summary-length",
    "warning",
    ("length", "editor"),
    params={
        "target": Param(None, "words per section summary (default scribe.words_per_summary, ~50)"),
        "tolerance": Param(0.6, "allowed relative deviation from the target"),
    },
)
def summary_length(doc, ctx, params) -> Iterator[Hit]:
    """Each section's summary on the week page (NN.md) has about the words asked (~50)."""
    if doc.kind != "summary":
        return
    target = params["target"] or ctx.course.scribe.words_per_summary
    low, high = target * (1 - params["tolerance"]), target * (1 + params["tolerance"])
    for section in doc.sections:
        if not low <= section.words <= high:
            yield Hit(
                section.line,
                f"summary {section.title!r} has {section.words} words "
                f"(target ~{target}, {low:.0f}–{high:.0f})",
                1,
                "the editor writes ~50 words per section",
            )
