"""Benchmark: what a hostile note costs ``dlcourse notes check``, against an ordinary note of the
same size (the named baseline) in the same run, at two sizes.

Each note is checked by ``dlcourse notes check`` in a fresh process, inside a course made by
``dlcourse init`` with ``[notes] max_note_bytes`` raised above the notes' size, so that every note
is parsed. The figures are that process's own CPU time and peak memory (``wait4``), so they do
not depend on the other work of the machine. Each note is measured at half the size and at the
full size: *growth* is the CPU time at the full size over that at half, about 2 for linear time
and 4 for quadratic (the quadratic parse these notes hit before took over 300 s for 50,000
headings and 187 s for 200,000 links); *ratio* is the CPU time over the baseline's at the full
size.

Rows: the baseline (the example's own note 01-1 repeated), headings, links on one line, a table,
images in one raw HTML block, and two macro bombs of a few hundred bytes appended to the
baseline note.

    python benchmarks/hostile_notes.py [--megabytes 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FRONT = (
    "---\nlang-ref: ch.09-1\ntitle: Benchmark\nlecturer: Yann LeCun\nauthors: Eve\n"
    "date: 23 Mar 2020\n---\n\n"
)


def ordinary(size: int, example: str) -> str:
    body = example.split("\n---\n", 1)[-1]
    return FRONT + body * (size // len(body) + 1)


def headings(size: int) -> str:
    block = "## Heading number {} with some words\n\ntext of it {}\n\n"
    count = size // len(block.format(0, 0))
    return FRONT + "".join(block.format(i, i) for i in range(count))


def links(size: int) -> str:
    count = size // len("[l](u000000) ")
    return FRONT + "".join(f"[l](u{i}) " for i in range(count)) + "\n"


def html_images(size: int) -> str:
    count = size // len('<img src="i000000.png">')
    return FRONT + "<div>\n" + "".join(f'<img src="i{i}.png">' for i in range(count)) + "\n</div>\n"


def table(size: int) -> str:
    count = size // len("| 00000 | x00000 | y00000 |\n")
    rows = "".join(f"| {i} | x{i} | y{i} |\n" for i in range(count))
    return FRONT + "| a | b | c |\n|---|---|---|\n" + rows


SELF_CALLING = "\n\n$\\gdef\\a{\\a\\a\\a\\a\\a\\a\\a}$ $\\a$\n"
CHAIN = (
    "\n\n$\\gdef\\a{x}$\n\n"
    + "\n\n".join(
        f"$\\gdef\\{chr(98 + i)}{{\\{chr(97 + i)}\\{chr(97 + i)}\\{chr(97 + i)}\\{chr(97 + i)}}}$"
        for i in range(11)
    )
    + "\n\n$\\l$\n"
)


def measure(course: Path, note: Path, text: str) -> tuple[float, float]:
    """CPU seconds and peak MiB of ``dlcourse notes check`` on ``text``."""
    note.write_text(text, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "notes", "check", "--course", ".", str(note)],
        cwd=course,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=2.0, help="size of each note")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row (median)")
    args = parser.parse_args()
    size = int(args.megabytes * 1_000_000)
    with tempfile.TemporaryDirectory() as scratch:
        course = Path(scratch) / "course"
        subprocess.run(
            [sys.executable, "-m", "dlcourse", "init", str(course)], check=True, capture_output=True
        )
        config = course / "course.toml"
        limit = max(2 * size, 1_048_576)
        config.write_text(
            config.read_text(encoding="utf-8").replace(
                "[notes]\n", f"[notes]\nmax_note_bytes = {limit}\n", 1
            ),
            encoding="utf-8",
        )
        note = course / "docs" / "en" / "week09" / "09-1.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        example = (course / "docs" / "en" / "week01" / "01-1.md").read_text(encoding="utf-8")

        def notes(size: int) -> dict[str, str]:
            base = ordinary(size, example)
            return {
                "baseline: ordinary note": base,
                "headings": headings(size),
                "links on one line": links(size),
                "table": table(size),
                "images in one HTML block": html_images(size),
                "self-calling macro": base + SELF_CALLING,
                "macro chain (4^11)": base + CHAIN,
            }

        def median_run(text: str) -> tuple[float, float]:
            runs = [measure(course, note, text) for _ in range(args.repeat)]
            return statistics.median(run[0] for run in runs), max(run[1] for run in runs)

        half, full = notes(size // 2), notes(size)
        print(f"notes of {args.megabytes / 2:g} and {args.megabytes:g} MB, median of {args.repeat}")
        print("CPU-s and peak MiB of one 'dlcourse notes check' process; growth: CPU at the full")
        print("size over CPU at half (linear: ~2, quadratic: ~4); ratio: CPU over the baseline's")
        print(
            f"| {'note':<24} | {'CPU s, half':>11} | {'CPU s':>7} | {'growth':>6} "
            f"| {'peak MiB':>8} | {'ratio':>5} |"
        )
        baseline_cpu = None
        for name in full:
            half_cpu, _ = median_run(half[name])
            cpu, peak = median_run(full[name])
            baseline_cpu = baseline_cpu or cpu
            print(
                f"| {name:<24} | {half_cpu:11.2f} | {cpu:7.2f} | {cpu / half_cpu:6.2f} "
                f"| {peak:8.0f} | {cpu / baseline_cpu:5.2f} |"
            )


if __name__ == "__main__":
    main()
