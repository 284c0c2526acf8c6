"""benchmarks/autograde.py on a tiny input: every promised row printed, with numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_autograde_benchmark_prints_overhead_and_throughput(sandbox_ready):
    pytest.importorskip("torch")
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/autograde.py",
            "--submissions",
            "1",  # each graded run imports torch (seconds): the fewest that print every row
            "--overhead-runs",
            "1",
            "--jobs",
            "2",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: over the goal on a loaded machine
    out = result.stdout
    assert re.search(
        r"sandboxed median [\d.]+ s, unsandboxed \(baseline\) [\d.]+ s, overhead [+-][\d.]+ s", out
    ), out
    assert re.search(
        r"sandbox launch alone \(one trivial test, no torch\): overhead [+-][\d.]+ s", out
    )
    assert re.search(r"--jobs 1: 1 submissions in [\d.]+ s", out)
    assert re.search(r"--jobs 2: 1 submissions in [\d.]+ s", out)
    assert re.search(r"throughput --jobs 2 vs --jobs 1 \(baseline\): [\d.]+x", out)
    assert "scores seen: [" in out
