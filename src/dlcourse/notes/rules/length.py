"""LEN: how much the writers and editors wrote."""

from __future__ import annotations

from collections.abc import Iterator

from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, is_translation, rule


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
    Words are counted by Unicode word boundaries (a combining mark never splits a word); Chinese
    and Japanese count characters per English word (zh 1.65, ja 2.4), Thai, Lao, Khmer and
    Myanmar grapheme clusters (3.2 per word). The writers' rule: a translation's length follows
    its source and is not judged (TR002 reports a translated slice that lost much of its text)."""
    if is_translation(doc, ctx):
        return
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
    """Each section's summary on the week page (NN.md) has about the words asked (~50).
    The editors' rule: a translated summary follows its source and is not judged."""
    if doc.kind != "summary" or is_translation(doc, ctx):
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
