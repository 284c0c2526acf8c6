"""The benchmark scripts still run and print their figures (on tiny inputs; nothing is timed).

A benchmark nobody can run any more is worse than none: its figures in the docs can no longer
be checked. Each script runs here on inputs small enough for CI and must print every row it
promises, with numbers in them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d+(?:\.\d+)?"


def _run(*args: str, timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_site_benchmark_prints_every_row(example_course_dir: Path) -> None:
    small = ("--repeat", "2", "--process-repeat", "1")
    out = _run("benchmarks/site_build.py", str(example_course_dir), *small)
    block = out[out.index("/course/course: ") :]  # the example's rows (the sample's may come first)
    for row in (
        "cold, median of 2",
        "cold, fastest",
        "warm cache, no output",
        "no-change rebuild (best of 5)",
        "one-note edit (best of 3)",
        "process: cold build",
        "process: no-change (best of 1)",
        "process: one-note edit (best of 1)",
    ):
        figures = rf"\s+{NUMBER}" * 4  # seconds, pages/s, formulas/s, ratio to Jekyll
        assert re.search(rf"{re.escape(row)}{figures}x", block), row
    assert re.search(rf"cold runs: {NUMBER} {NUMBER} s wall; CPU of all processes", block)
    assert "(one-note edit: 1 files written)" in block
    assert re.search(r"peak memory: this process \d+ MB, largest worker \d+ MB", block)


@pytest.mark.slow
def test_notes_benchmark_prints_every_row(corpus_dir: Path) -> None:
    out = _run(
        "benchmarks/notes_check.py", "--sample-only", "--repeat", "1", "--sample", str(corpus_dir)
    )
    assert re.search(rf"sample corpus: \d+ notes, {NUMBER} MB of Markdown; jobs=2", out)
    for row in (
        "baseline: 1 worker, no cache",
        "cold: 2 workers, no cache",
        "cold + cache write",
        "warm: unchanged, from cache",
        "warm: 5 notes edited",
        *(["changed-only: --changed-since HEAD"] if shutil.which("git") else []),
    ):
        assert re.search(rf"\| {re.escape(row)} \| {NUMBER} s \| \d+ \|", out), row
    assert re.search(r"\| \d+ / \d+ MB \|$", out, re.M)  # peak memory, main / largest child
    warm = re.search(r"\| warm: unchanged, from cache \| [\d.]+ s \| (\d+) \| (\d+) \|", out)
    assert warm and warm.group(1) == warm.group(2)  # every file came from the cache
    assert re.search(rf"findings of the cold check: \d+ \({NUMBER} a note\)", out)


@pytest.mark.slow
def test_the_synthetic_course_is_shaped_like_the_real_one(corpus_dir: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    from synthetic_course import REAL_NOTES, synthesize_course

    made = synthesize_course(tmp_path / "course", corpus_dir)
    notes = sorted((tmp_path / "course").glob("*/week*/*.md"))
    assert made.notes == len(notes) == REAL_NOTES
    assert len({note.parts[-3] for note in notes}) == 16
    assert {int(note.parts[-2][4:]) for note in notes} == set(range(1, 16))
    # a note moved to week 10 has the week's own formulas, lang-ref and transcript; its
    # translations share those formulas, but for the few a translator changed
    english = (tmp_path / "course" / "en" / "week10" / "10-1.md").read_text("utf-8")
    assert "lang-ref: ch.10-1" in english and "${}_{w10}" in english
    assert (tmp_path / "course" / "en" / "week10" / "lecture10.sbv").is_file()
    french = (tmp_path / "course" / "fr" / "week10" / "10-1.md").read_text("utf-8")
    assert "lang: fr" in french and "${}_{w10}" in french
    # a note the sample has is copied as it is
    for note in ("en/week02/02-1.md", "zh/week03/03-2.md"):
        assert (tmp_path / "course" / note).read_bytes() == (corpus_dir / note).read_bytes()


#: the confidence ≥ 0.6 bucket must hold at least this share of the stamps to count: a
#: confidence that only 3 stamps of 39 reach would be right 90% of the time and of no use
CONFIDENT_COVERAGE = 0.5


@pytest.mark.slow
def test_timestamps_benchmark_meets_its_goals_leaving_one_week_out(corpus_dir: Path) -> None:
    """The proposer on weeks it was not tuned on (#12): ≥ 75% of the writers' stamps within
    60 s, and among the proposals with confidence ≥ 0.6 (settings and confidence steps fitted
    on the other weeks) ≥ 90% within 60 s, on at least half of the stamps. The 2-setting grid
    keeps it to seconds; the full grid's figures are in docs/notes-checker.md."""
    out = _run("benchmarks/notes_timestamps.py", "--sample", str(corpus_dir), "--small")
    stamps = int(re.search(r"sample: \d+ notes, (\d+) writer stamps", out).group(1))
    assert stamps >= 30
    rows = {}
    for row in (
        "baseline: word share, no transcript",
        "shipped defaults, all weeks (tuned on them)",
        "leave one week out",
    ):
        found = re.search(
            rf"\| {re.escape(row)} \| (\d+)/(\d+) \| {NUMBER}% \| (\d+)/(\d+) \| ", out
        )
        assert found, row
        rows[row] = [int(group) for group in found.groups()]
    hits, total, right, confident = rows["leave one week out"]
    assert total == stamps
    assert hits / total >= 0.75, out
    assert confident >= CONFIDENT_COVERAGE * total, out
    assert right / confident >= 0.9, out
    assert re.search(r"\| week04 \| \d+/3 \| \d+/\d+ \| setting \d of 2", out)
    assert re.search(r"confidence steps fitted on all weeks with the shipped settings: \S+→", out)
    assert re.search(rf"median error \(leave one week out\): {NUMBER} s", out)


def _ratio_allowed_by_rounding(
    numerator: str, denominator: str, shown: float, *, slack: float
) -> bool:
    """Whether `shown` (itself printed rounded, hence `slack`) can be numerator / denominator.

    Both figures are printed rounded: the ratio of the unrounded ones lies between the ratios
    their rounding allows, so a ratio computed before rounding may differ from one computed
    from the printed figures (0.057 / 0.055 printed as 1.025 where the rounded figures give 1.036).
    """
    top, top_half = float(numerator), 0.5 * 10.0 ** -len(numerator.partition(".")[2])
    bottom, bottom_half = float(denominator), 0.5 * 10.0 ** -len(denominator.partition(".")[2])
    low = (top - top_half) / (bottom + bottom_half)
    high = (top + top_half) / max(bottom - bottom_half, bottom_half / 10)
    return low - slack <= shown <= high + slack


@pytest.mark.slow
def test_labs_overhead_benchmark_prints_its_ratios() -> None:
    pytest.importorskip("torch")
    out = _run("benchmarks/labs.py", "--labs", "spiral", "--overhead-only", "--repeat", "1",
        "--overhead-config", "quick",
    )  # fmt: skip
    medians_and_ratio = rf"\s+({NUMBER})\s+({NUMBER})\s+{NUMBER}\s+{NUMBER}\s+({NUMBER})"
    row = re.search(rf"^spiral{medians_and_ratio}", out, re.M)
    assert row, out
    bare, ours, ratio = row.groups()
    assert _ratio_allowed_by_rounding(ours, bare, float(ratio), slack=0.002), row.group(0)


@pytest.mark.slow
def test_grades_benchmark_prints_every_row() -> None:
    pytest.importorskip("sqlalchemy")
    out = _run("benchmarks/grades.py", "--students", "12", "--assessments", "5", "--repeat", "1")
    backends = ["sqlite"] + (["postgresql"] if "postgresql: 12 students" in out else [])
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        assert "postgresql: not installed; skipped" in out
    for backend in backends:
        block = out[out.index(f"{backend}: 12 students × 5 assessments = 60 scores") :]
        for row in ("import 60 scores", "full recompute (best of 1)"):
            ratio = rf"\| ({NUMBER}) \| ({NUMBER}) \| ({NUMBER})x \|"
            match = re.search(rf"\| {re.escape(row)} {ratio}", block)
            assert match, (backend, row)
            ours, baseline, shown = match.groups()
            assert _ratio_allowed_by_rounding(baseline, ours, float(shown), slack=0.06), (
                backend,
                row,
                match.group(0),
            )
        assert re.search(rf"\| Canvas export \(best of 1\) \| {NUMBER} \|", block)


@pytest.mark.slow
def test_lab_results_benchmark_prints_mean_and_spread_over_seeds(tmp_path) -> None:
    pytest.importorskip("torch")
    out = _run(
        "benchmarks/lab_results.py", "--labs", "logic-neurons,listening-to-kernels",
        "--config", "quick", "--seeds", "0,1", "--out", str(tmp_path / "r.json"),
    )  # fmt: skip
    xor = rf"^logic-neurons\s+single_neuron_xor_best_rows\s+({NUMBER}) ± ({NUMBER})"
    row = re.search(xor, out, re.M)
    assert row and float(row.group(1)) == 3 and float(row.group(2)) == 0  # exact: no spread
    timing = rf"^listening-to-kernels\s+max_timing_error_ms\s+{NUMBER} ± {NUMBER}\s+\["
    assert re.search(timing, out, re.M), out
    summary = json.loads((tmp_path / "r.json").read_text())
    assert summary["logic-neurons"]["single_neuron_xor_best_rows"]["max"] == 3


@pytest.mark.slow
def test_maths_benchmark_prints_every_row(example_course_dir: Path) -> None:
    out = _run("benchmarks/maths_render.py", str(example_course_dir), "--repeat", "1")
    assert re.search(r"^\d+ distinct formulas \(\d+ display\) from 1 course\(s\)$", out, re.M)
    for row in ("baseline: latex2mathml alone", "the site"):
        figures = rf"\s+{NUMBER}\s+{NUMBER}\s+\d+\s+{NUMBER}x"  # ms, µs each, conversions, ratio
        assert re.search(rf"{re.escape(row)}{figures}", out), row


@pytest.mark.slow
def test_hostile_notes_benchmark_prints_every_row() -> None:
    out = _run("benchmarks/hostile_notes.py", "--megabytes", "0.05")
    for row in (
        "baseline: ordinary note",
        "headings",
        "links on one line",
        "table",
        "images in one HTML block",
        "self-calling macro",
        "macro chain (4^11)",
    ):
        figures = rf" +{NUMBER} \| +{NUMBER} \| +{NUMBER} \| +\d+ \| +{NUMBER} \|"
        assert re.search(rf"\| {re.escape(row)}\s+\|{figures}", out), row


@pytest.mark.slow
def test_startup_benchmark_prints_every_row() -> None:
    # HEAD as the baseline: any clone has it (the default names an older commit)
    out = _run("benchmarks/startup.py", "--repeat", "1", "--baseline", "HEAD")
    assert re.search(rf"1-minute load average {NUMBER}–{NUMBER} on \d+ CPUs", out)
    assert re.search(rf"\| `python -c pass` \| interpreter \|( {NUMBER} s \|){{3}} \|", out)
    for command in ("dlcourse --version", "dlcourse notes check docs/en/week02/02-1.md"):
        for tree in ("baseline HEAD", "current"):
            row = rf"\| `{re.escape(command)}[^`]*` \| {tree} \|( {NUMBER} s \|){{3}} {NUMBER} \|"
            assert re.search(row, out), (command, tree)


@pytest.mark.slow
def test_native_parsers_benchmark_prints_its_golden_diff(corpus_dir: Path) -> None:
    out = _run("benchmarks/native_parsers.py", "--repeat", "1", "--sample", str(corpus_dir))
    assert re.search(r"\d+ notes, [\d.]+ MB: ", out)
    assert re.search(r"reference items: heading \d+, formula \d+, link \d+", out)
    assert re.search(
        rf"\| markdown-it-py \+ plugins \(today\) \| {NUMBER} \| {NUMBER} \| 1.00 \|", out
    )
    try:
        import comrak  # noqa: F401  (an optional tool of the evaluation, not a dependency)
    except ImportError:
        return
    # the candidate the move would use: its golden diff on the example and the sample is clean
    assert re.search(r"maths by today's rules .*: 0 of \d+ notes differ", out)
    assert re.search(r"edge cases: \d+ of \d+ agree", out)
