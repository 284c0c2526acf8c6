"""How well ``dlcourse notes timestamps`` places subsections, on weeks it was not tuned on.

The writers' own stamps in the real 2020 sample (English notes with a transcript: weeks 1–5,
39 stamps) are the answers. Leave one week out: for each week, the alignment settings are
chosen on the other weeks from :data:`GRID` (most stamps within 60 s, ties broken by the mean
error capped at 5 minutes), then the confidence temperature (the sharpest posterior that keeps
≥ 90% of the other weeks' proposals with confidence ≥ 0.6 within 60 s), and the held-out week
is measured with both. Printed beside it, in the same run:

* the baseline: subsections placed by their share of the note's words along the video, without
  reading the transcript;
* the shipped defaults on all weeks (tuned on them: an optimistic figure).

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


CONFIDENCE_TEMPERATURES = [1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0]


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


def run(cases: list[Case], settings) -> list[tuple[str, float, float]]:
    """(week, error in seconds, confidence) of every stamped subsection."""
    from dlcourse.notes.alignment import place
    from dlcourse.notes.propose import proposals_of

    rows = []
    for case in cases:
        task = case.task
        placements = place(case.evidence, task.words, settings, opens_video=task.opens_video)
        for proposal, answer in zip(proposals_of(task, placements), case.answers, strict=True):
            if answer is not None:
                rows.append((case.week, abs(proposal.seconds - answer), proposal.confidence))
    return rows


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
                    rows.append((case.week, abs(offset - answer), 0.0))
            offset += (end - start) * words / total
    return rows


def hits(rows) -> int:
    return sum(error <= TOLERANCE for _, error, _ in rows)


def confident(rows) -> tuple[int, int]:
    chosen = [error for _, error, confidence in rows if confidence >= CONFIDENT]
    return sum(error <= TOLERANCE for error in chosen), len(chosen)


def leave_one_week_out(cases: list[Case], grid) -> tuple[list, list[str]]:
    weeks = sorted({case.week for case in cases})
    results = [run(cases, settings) for settings in grid]
    held_rows: list = []
    lines = []
    for held in weeks:

        def score(rows, held=held):
            train = [row for row in rows if row[0] != held]
            return (-hits(train), sum(min(error, 300.0) for _, error, _ in train))

        chosen = min(range(len(grid)), key=lambda i: score(results[i]))
        settings = grid[chosen]
        # the sharpest posterior that keeps the other weeks' confident proposals right; if
        # none does, the flattest (then nothing is confident)
        calibrated = replace(settings, confidence_temperature=CONFIDENCE_TEMPERATURES[-1])
        for temperature in CONFIDENCE_TEMPERATURES:
            candidate = replace(settings, confidence_temperature=temperature)
            right, total = confident([r for r in run(cases, candidate) if r[0] != held])
            if total and right / total >= 0.9:
                calibrated = candidate
                break
        rows = [row for row in run([c for c in cases if c.week == held], calibrated)]
        held_rows.extend(rows)
        right, total = confident(rows)
        lines.append(
            f"| {held} | {hits(rows)}/{len(rows)} | {right}/{total} | "
            f"setting {chosen} of {len(grid)}, confidence temperature "
            f"{calibrated.confidence_temperature:g} |"
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
    print("| run | within 60 s | share | confidence ≥ 0.6 within 60 s |")
    print("|---|---|---|---|")
    for name, rows in (
        ("baseline: word share, no transcript", rows_baseline),
        ("shipped defaults, all weeks (tuned on them)", rows_default),
        ("leave one week out", held),
    ):
        right, chosen = confident(rows)
        calibration = f"{right}/{chosen}" if chosen else "—"
        share = hits(rows) / len(rows) if rows else 0.0
        print(f"| {name} | {hits(rows)}/{len(rows)} | {share:.1%} | {calibration} |")
    print()
    print("| held-out week | within 60 s | confident and within 60 s | chosen on the others |")
    print("|---|---|---|---|")
    for line in lines:
        print(line)
    errors = [error for _, error, _ in held]
    print(f"median error (leave one week out): {statistics.median(errors):.0f} s; "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
