"""How well ``dlcourse notes timestamps`` places subsections, on weeks it was not tuned on.

The writers' own stamps in the real 2020 sample (English notes with a transcript: weeks 1–5,
39 stamps) are the answers. Leave one week out: for each week, the alignment settings are
chosen on the other weeks from the grid (most stamps within 60 s, ties broken by the mean
error capped at 5 minutes), the confidence steps are fitted on the other weeks' proposals with
those settings (``alignment.fit_confidence``), and the held-out week is measured with both:
how many of its stamps are within 60 s, and among the proposals with confidence ≥ 0.6 how many
are right and how many there are (a confidence reached by 3 stamps of 39 would be no use).
Printed beside it, in the same run:

* the baseline: subsections placed by their share of the note's words along the video, without
  reading the transcript;
* the shipped defaults on all weeks (tuned on them: an optimistic figure), and the confidence
  steps fitted on all weeks with them (what ``alignment.CONFIDENCE_STEPS`` ships).

    python benchmarks/notes_timestamps.py [--sample DIR] [--weeks 1 2 …] [--small]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 60.0
CONFIDENT = 0.6


def _grid(small: bool):
    from dlcourse.notes.alignment import AlignSettings

    base = AlignSettings()
    if small:
        return [base, replace(base, coverage=0.7)]
    intros = [(0.0, 0.0), (60.0, 0.5), (60.0, 2.0), (150.0, 0.5), (150.0, 2.0)]
    return [
        replace(
            base,
            temperature=temperature,
            duration_spread=spread,
            duration_weight=weight,
            coverage=coverage,
            intro=intro,
            intro_weight=intro_weight,
        )
        for temperature, spread, weight, coverage, (intro, intro_weight) in itertools.product(
            [3.0, 10.0], [0.4, 0.7], [0.5, 2.0], [0.7, 0.9], intros
        )
    ]


@dataclass
class Case:
    week: str
    note: str
    task: object
    evidence: object
    answers: list[int | None]  # the writers' stamps, one per subsection


def load_cases(sample: Path, weeks: list[int] | None) -> list[Case]:
    from dlcourse.course import load_course
    from dlcourse.notes.alignment import AlignSettings, evidence
    from dlcourse.notes.propose import ProposalError, alignment_task, tokens

    course = load_course(None)
    cases = []
    for note in sorted((sample / "en").glob("week*/[0-9][0-9]-[0-9].md")):
        week = note.parent.name
        if weeks and int(week[4:]) not in weeks:
            continue
        try:
            task = alignment_task(note, course)
        except ProposalError:
            continue  # no transcript for this note
        answers = [h.stamp.seconds if h.stamp else None for h in task.headings]
        if not any(answer is not None for answer in answers):
            continue
        found = evidence(task.texts, task.cues, tokens, AlignSettings())
        cases.append(Case(week, note.name, task, found, answers))
    return cases


def run(cases: list[Case], settings) -> list[tuple[str, float, float, float]]:
    """(week, error in seconds, confidence, margin) of every stamped subsection."""
    from dlcourse.notes.alignment import place

    rows = []
    for case in cases:
        task = case.task
        placements = place(case.evidence, task.words, settings, opens_video=task.opens_video)
        mine = placements[task.mine : task.mine + len(task.headings)]
        for placement, answer in zip(mine, case.answers, strict=True):
            if answer is not None:
                error = abs(int(placement.seconds) - answer)
                rows.append((case.week, error, placement.confidence, placement.margin))
    return rows


def recalibrated(rows, steps) -> list[tuple[str, float, float, float]]:
    """The rows with their confidence read from ``steps``."""
    from dlcourse.notes.alignment import confidence_of

    return [(week, error, confidence_of(margin, steps), margin) for week, error, _, margin in rows]


def fitted_steps(rows):
    from dlcourse.notes.alignment import fit_confidence

    return fit_confidence([row[3] for row in rows], [row[1] <= TOLERANCE for row in rows])


def word_share_baseline(cases: list[Case]) -> list[tuple[str, float, float]]:
    """Subsections placed along the video in proportion to their words (no transcript)."""
    rows = []
    for case in cases:
        task = case.task
        start, end = task.cues[0].start, task.cues[-1].end
        total = sum(task.words)
        offset = start
        for index, words in enumerate(task.words):
            if task.mine <= index < task.mine + len(task.headings):
                answer = case.answers[index - task.mine]
                if answer is not None:
                    rows.append((case.week, abs(offset - answer), 0.0, 0.0))
            offset += (end - start) * words / total
    return rows


def hits(rows) -> int:
    return sum(row[1] <= TOLERANCE for row in rows)


def confident(rows) -> tuple[int, int]:
    """(right, proposals) among the proposals with confidence ≥ 0.6."""
    chosen = [row[1] for row in rows if row[2] >= CONFIDENT]
    return sum(error <= TOLERANCE for error in chosen), len(chosen)


def _steps_text(steps) -> str:
    return ", ".join(f"{margin:g}→{confidence:.2f}" for margin, confidence in steps) or "none"


def leave_one_week_out(cases: list[Case], grid) -> tuple[list, list[str]]:
    weeks = sorted({case.week for case in cases})
    results = [run(cases, settings) for settings in grid]
    held_rows: list = []
    lines = []
    for held in weeks:

        def score(rows, held=held):
            train = [row for row in rows if row[0] != held]
            return (-hits(train), sum(min(row[1], 300.0) for row in train))

        chosen = min(range(len(grid)), key=lambda i: score(results[i]))
        steps = fitted_steps([row for row in results[chosen] if row[0] != held])
        rows = recalibrated([row for row in results[chosen] if row[0] == held], steps)
        held_rows.extend(rows)
        right, total = confident(rows)
        lines.append(
            f"| {held} | {hits(rows)}/{len(rows)} | {right}/{total} | "
            f"setting {chosen} of {len(grid)}; confidence steps {_steps_text(steps)} |"
        )
    return held_rows, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=ROOT.parent / "shared/corpus/dlsp20-sample")
    parser.add_argument("--weeks", type=int, nargs="*", help="only these weeks (e.g. 1 2)")
    parser.add_argument("--small", action="store_true", help="a 2-setting grid (a smoke run)")
    args = parser.parse_args()
    if not (args.sample / "en").is_dir():
        sys.exit(f"no sample at {args.sample} (--sample DIR)")
    sys.path.insert(0, str(ROOT / "src"))
    from dlcourse.notes.alignment import AlignSettings

    started = time.perf_counter()
    cases = load_cases(args.sample, args.weeks)
    rows_baseline = word_share_baseline(cases)
    rows_default = run(cases, AlignSettings())
    grid = _grid(args.small)
    held, lines = leave_one_week_out(cases, grid)
    total = len(held)
    print(f"sample: {len(cases)} notes, {total} writer stamps, weeks "
          f"{', '.join(sorted({c.week for c in cases}))}")  # fmt: skip
    print("| run | within 60 s | share | confidence ≥ 0.6: within 60 s | share | coverage |")
    print("|---|---|---|---|---|---|")
    for name, rows in (
        ("baseline: word share, no transcript", rows_baseline),
        ("shipped defaults, all weeks (tuned on them)", rows_default),
        ("leave one week out", held),
    ):
        right, chosen = confident(rows)
        share = hits(rows) / len(rows) if rows else 0.0
        precision = f"{right / chosen:.1%}" if chosen else "—"
        coverage = chosen / len(rows) if rows else 0.0
        print(f"| {name} | {hits(rows)}/{len(rows)} | {share:.1%} | {right}/{chosen} | "
              f"{precision} | {coverage:.1%} |")  # fmt: skip
    print(f"confidence steps fitted on all weeks with the shipped settings: "
          f"{_steps_text(fitted_steps(rows_default))} "
          f"(shipped: {_steps_text(AlignSettings().confidence_steps)})")  # fmt: skip
    print()
    print("| held-out week | within 60 s | confident and within 60 s | chosen on the others |")
    print("|---|---|---|---|")
    for line in lines:
        print(line)
    errors = [row[1] for row in held]
    print(f"median error (leave one week out): {statistics.median(errors):.0f} s; "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
