"""Benchmark: grade generated submissions of the example PyTorch homework (hw1, backprop).

Run: ``python benchmarks/autograde.py [--submissions 300] [--overhead-runs 5] [--jobs N]``.

Two figures, each against a baseline in the same run:

- sandbox overhead per submission: the same submission graded in the bubblewrap sandbox and
  without it (``--unsafe-no-sandbox``), interleaved, median of ``--overhead-runs`` pairs
  (goal: ≤ 0.3 s); torch's import (seconds, swinging by a second under load) is in both, so a
  second row times the sandbox launch alone with a trivial test, which the exit code follows;
- throughput: all generated submissions graded with ``--jobs 1`` and with ``--jobs N`` (default:
  the number of cores), submissions per second and the ratio (goal: scales with cores).

Submissions are the solution with one of five kinds of mistake (or none) mixed in, so runs
pass and fail tests as real ones do. Each run imports torch once (``preload``), which is most
of a run's time on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.course import load_course
from dlcourse.homework.assignment import Limits, load_assignment
from dlcourse.homework.grading import grade_all, grade_files
from dlcourse.homework.sandbox import TestSource, run_tests

GOAL_OVERHEAD_SECONDS = 0.3
MISTAKES = [
    ("", ""),
    ("grad_s1 = grad_a1 * (s1 > 0)", "grad_s1 = grad_a1"),
    ('self.grads["b2"] += grad_output.sum(dim=0)', 'self.grads["b2"] += grad_output.mean(dim=0)'),
    ("2 * difference / difference.numel()", "2 * difference"),
    ('self.grads["W1"] += grad_s1.T @ x', 'self.grads["W1"] = grad_s1.T @ x'),
]


def generate(solution: str, count: int, root: Path) -> dict[str, Path]:
    folders = {}
    for index in range(count):
        old, new = MISTAKES[index % len(MISTAKES)]
        folder = root / f"s{index:04d}"
        folder.mkdir(parents=True)
        text = solution.replace(old, new) if old else solution
        (folder / "mlp.py").write_text(text + f"\n# submission {index}\n")
        folders[folder.name] = folder
    return folders


def launch_overhead(runs: int) -> float:
    """Median sandboxed − unsandboxed time of a run whose test does nothing: what the sandbox
    itself costs, without torch's import (seconds, and noisy on a loaded machine) on top."""
    files = {"mod.py": b"def add(a, b):\n    return a + b\n"}
    tests = [
        TestSource(
            "public/test_add.py",
            "from mod import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
            "visible",
            True,
        )
    ]
    differences = []
    for _ in range(runs):
        times = []
        for unsafe in (True, False):
            started = time.perf_counter()
            run_tests(files, tests, Limits(), unsafe_no_sandbox=unsafe)
            times.append(time.perf_counter() - started)
        differences.append(times[1] - times[0])
    return statistics.median(differences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--overhead-runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    assignment = load_assignment(load_course(), "hw1")
    solution = (assignment.solution_dir / "mlp.py").read_text()
    files = {"mlp.py": solution.encode()}
    sandboxed, unsandboxed = [], []
    for _ in range(args.overhead_runs):  # interleaved: load on the machine hits both alike
        for unsafe, times in ((True, unsandboxed), (False, sandboxed)):
            started = time.perf_counter()
            grade_files(assignment, files, unsafe_no_sandbox=unsafe)
            times.append(time.perf_counter() - started)
    overhead = statistics.median(s - u for s, u in zip(sandboxed, unsandboxed, strict=True))
    print(
        f"one submission: sandboxed median {statistics.median(sandboxed):.2f} s, unsandboxed "
        f"(baseline) {statistics.median(unsandboxed):.2f} s, overhead {overhead:+.3f} s "
        f"(goal <= {GOAL_OVERHEAD_SECONDS} s)"
    )
    launch = launch_overhead(max(5, args.overhead_runs * 3))
    print(
        f"sandbox launch alone (one trivial test, no torch): overhead {launch:+.3f} s "
        f"(goal <= {GOAL_OVERHEAD_SECONDS} s)"
    )
    with tempfile.TemporaryDirectory(prefix="dlcourse-autograde-bench-") as scratch:
        folders = generate(solution, args.submissions, Path(scratch) / "subs")
        rates = {}
        for jobs in (1, args.jobs):
            started = time.perf_counter()
            outcomes = grade_all(assignment, folders, Path(scratch) / f"out{jobs}", jobs=jobs)
            seconds = time.perf_counter() - started
            rates[jobs] = len(outcomes) / seconds
            scores = sorted({round(o.score) for o in outcomes})
            print(
                f"--jobs {jobs}: {len(outcomes)} submissions in {seconds:.1f} s, "
                f"{rates[jobs]:.2f} per s (scores seen: {scores})"
            )
    print(
        f"throughput --jobs {args.jobs} vs --jobs 1 (baseline): {rates[args.jobs] / rates[1]:.2f}x"
    )
    return 0 if launch <= GOAL_OVERHEAD_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
