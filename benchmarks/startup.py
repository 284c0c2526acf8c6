"""Benchmark what a user waits for at the prompt: ``dlcourse --version`` and ``dlcourse notes
check ONE_NOTE`` as whole processes, against a baseline commit in the same run.

The baseline's ``src/`` is exported with ``git archive`` and put first on ``PYTHONPATH``; the
current tree runs the same way, so both pay the same interpreter start. Both trees are compiled
to bytecode first (an installed package has its ``.pyc`` files; with ``PYTHONDONTWRITEBYTECODE``
set, as on some CI machines, every run would otherwise compile the sources again). The floor,
``python -c pass`` (the interpreter's own start), is measured in the same runs. Runs are interleaved
(baseline, current, baseline, current …) so that a load that comes and goes hits both alike;
wall time is what the user sees, CPU time (user + system of the child) is what a loaded
machine inflates least. The load average is printed with the figures. Both must print the same
thing: a run whose output differs from the baseline's stops the benchmark.

    python benchmarks/startup.py [--baseline REF] [--repeat 15]

The default baseline, 058dcd2, is the last commit before the lazy command line (issue 17).
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCH = "import sys; from dlcourse.cli import main; sys.argv[0] = 'dlcourse'; sys.exit(main())"


def export_src(ref: str, target: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def timed(src: Path | None, args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and output of one ``dlcourse ARGS`` process (``src`` None:
    ``python -c pass``, the interpreter alone)."""
    env = {**os.environ, "PYTHONPATH": str(src or ""), "NO_COLOR": "1"}
    command = [sys.executable, "-c", LAUNCH, *args] if src else [sys.executable, "-c", "pass"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, f"{done.returncode}\n{done.stdout}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="058dcd2", help="git ref of the baseline")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        baseline_src = export_src(args.baseline, scratch / "baseline")
        current_src = ROOT / "src"
        for tree in (baseline_src, current_src):
            compileall.compile_dir(tree, quiet=1)
        course = scratch / "course"
        subprocess.run(
            [sys.executable, "-c", LAUNCH, "init", str(course)],
            env={**os.environ, "PYTHONPATH": str(current_src)},
            check=True,
            capture_output=True,
        )
        note = "docs/en/week02/02-1.md"
        commands = {
            "dlcourse --version": ["--version"],
            f"dlcourse notes check {note} --no-cache": ["notes", "check", note, "--no-cache"],
        }
        variants = {f"baseline {args.baseline}": baseline_src, "current": current_src}
        samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(args.repeat):
            wall, cpu, _ = timed(None, [], course)
            samples.setdefault(("python -c pass", "interpreter"), []).append((wall, cpu))
            for label, command in commands.items():
                outputs = set()
                for variant, src in variants.items():
                    wall, cpu, output = timed(src, command, course)
                    samples.setdefault((label, variant), []).append((wall, cpu))
                    outputs.add(output)
                if len(outputs) != 1:
                    sys.exit(f"{label}: the baseline and the current tree print different things")
            loads.append(os.getloadavg()[0])

    print(
        f"{args.repeat} interleaved runs each; 1-minute load average {min(loads):.1f}–"
        f"{max(loads):.1f} on {os.cpu_count()} CPUs\n"
    )
    print("| command | tree | wall median | wall min | CPU median | × baseline (CPU) |")
    print("|---|---|---|---|---|---|")
    floor = samples[("python -c pass", "interpreter")]
    print(
        f"| `python -c pass` | interpreter | {statistics.median(w for w, _ in floor):.3f} s"
        f" | {min(w for w, _ in floor):.3f} s | {statistics.median(c for _, c in floor):.3f} s | |"
    )
    for label in commands:
        base_cpu = statistics.median(cpu for _, cpu in samples[(label, next(iter(variants)))])
        for variant in variants:
            walls = [wall for wall, _ in samples[(label, variant)]]
            cpus = [cpu for _, cpu in samples[(label, variant)]]
            print(
                f"| `{label}` | {variant} | {statistics.median(walls):.3f} s | {min(walls):.3f} s"
                f" | {statistics.median(cpus):.3f} s | {statistics.median(cpus) / base_cpu:.2f} |"
            )


if __name__ == "__main__":
    main()
