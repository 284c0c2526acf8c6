"""Findings a translation inherits from its source note: reported once, on the source.

A translator copies the English note's headings, time stamps, figures, formulas and links. A
defect in what was copied is the English writers' to fix; reporting it again on every
translation buries what the translator did (on the 2020 corpus, 550 of 633 length warnings on
translations repeated the English note's). So a rule gives such a finding a *key*: what the
defect is about, independent of line and language — an image file, a formula, a link, a
stamp's time. A translation's finding whose rule and key its source note also has is inherited:
left out of the translation's findings and counted. What the translator did — a stamp missing
or changed, maths lost, a link broken, front matter of their own — has no key or a key the
source lacks, and stays.

On a translation, a stamp that differs from its source's is reported by TR003 at its line;
what the time-stamp rules say about that same stamp (its order, video, slice length, place in
the video) follows from it and is left out too.

An image without alt text (FIG002) is moreover reported once per image file in the whole run:
notes of one week share their figures, and a note's output should fit on a screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from dlcourse.notes.findings import Finding

#: Rules reported once per key in the whole run (after inheritance), on the first file.
ONCE_PER_RUN = frozenset({"FIG002"})

#: On a translation, findings of these rules at a line where TR003 reports the stamp differs.
FOLLOW_TR003 = frozenset({"TS003", "TS004", "TS005", "TS006", "TS007"})

SourceKeys = dict[str, set[tuple[str, str]]]  # source rel_path → {(rule, key)}


def keys_of(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    return {(finding.rule, finding.key) for finding in findings if finding.key}


def drop_inherited(
    findings: list[Finding],
    source_of: dict[str, str],
    source_keys: SourceKeys,
) -> tuple[list[Finding], Counter[str]]:
    """``findings`` without those inherited from a source note and without repeats of a
    once-per-run rule; ``source_of`` maps a translation's display path to its source's
    rel_path. Returns the kept findings and how many were left out per display path."""
    kept: list[Finding] = []
    left_out: Counter[str] = Counter()
    seen_once: set[tuple[str, str]] = set()
    differing = {(f.path, f.line) for f in findings if f.rule == "TR003" and f.path in source_of}
    for finding in findings:
        if finding.rule in FOLLOW_TR003 and (finding.path, finding.line) in differing:
            left_out[finding.path] += 1
            continue
        if finding.key:
            source = source_of.get(finding.path)
            if source is not None and (finding.rule, finding.key) in source_keys.get(source, ()):
                left_out[finding.path] += 1
                continue
            if finding.rule in ONCE_PER_RUN:
                mark = (finding.rule, finding.key)
                if mark in seen_once:
                    left_out[finding.path] += 1
                    continue
                seen_once.add(mark)
        kept.append(finding)
    return kept, left_out
